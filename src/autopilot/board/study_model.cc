#include "autopilot/board/study_model.h"

#include <cstring>

namespace autopilot::board {
namespace {

uint32_t AddBuffer(tflite::Model* m, const std::vector<float>& values) {
  tflite::Buffer b;
  b.data.resize(values.size() * sizeof(float));
  std::memcpy(b.data.data(), values.data(), b.data.size());
  m->buffers.push_back(b);
  return static_cast<uint32_t>(m->buffers.size() - 1);
}

int32_t AddTensor(tflite::SubGraph* g, const char* name, std::vector<int32_t> shape, uint32_t buffer) {
  tflite::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = tflite::DType::kFloat32;
  t.buffer = buffer;
  g->tensors.push_back(t);
  return static_cast<int32_t>(g->tensors.size() - 1);
}

}  // namespace

tflite::Model StudyEquivalentModel() {
  tflite::Model m;
  m.description = "autopilot study-equivalent float model";
  m.buffers.push_back({});  // sentinel
  tflite::SubGraph g;
  g.name = "main";
  // Class centres of the published ratio ranges (r, g, b).
  const float centre[3][3] = {{0.57f, 0.235f, 0.21f}, {0.445f, 0.375f, 0.195f}, {0.58f, 0.265f, 0.135f}};
  const float k = 200.0f;
  std::vector<float> w1(8 * 3, 0.0f), b1(8, 0.0f), w2(5 * 8, 0.0f), b2(5, 0.0f), w3(3 * 5, 0.0f), b3(3, 0.0f);
  for (int i = 0; i < 3; ++i) w1[static_cast<size_t>(i * 3 + i)] = 1.0f;
  for (int i = 0; i < 3; ++i) w2[static_cast<size_t>(i * 8 + i)] = 1.0f;
  for (int c = 0; c < 3; ++c) {
    float norm = 0;
    for (int j = 0; j < 3; ++j) {
      w3[static_cast<size_t>(c * 5 + j)] = k * centre[c][j];
      norm += centre[c][j] * centre[c][j];
    }
    b3[static_cast<size_t>(c)] = -k * norm / 2.0f;
  }
  int32_t in = AddTensor(&g, "dense_input", {1, 3}, 0);
  int32_t tw1 = AddTensor(&g, "dense/kernel", {8, 3}, AddBuffer(&m, w1));
  int32_t tb1 = AddTensor(&g, "dense/bias", {8}, AddBuffer(&m, b1));
  int32_t h1 = AddTensor(&g, "dense/Relu", {1, 8}, 0);
  int32_t tw2 = AddTensor(&g, "dense_1/kernel", {5, 8}, AddBuffer(&m, w2));
  int32_t tb2 = AddTensor(&g, "dense_1/bias", {5}, AddBuffer(&m, b2));
  int32_t h2 = AddTensor(&g, "dense_1/Relu", {1, 5}, 0);
  int32_t tw3 = AddTensor(&g, "dense_2/kernel", {3, 5}, AddBuffer(&m, w3));
  int32_t tb3 = AddTensor(&g, "dense_2/bias", {3}, AddBuffer(&m, b3));
  int32_t logits = AddTensor(&g, "dense_2/BiasAdd", {1, 3}, 0);
  int32_t out = AddTensor(&g, "Identity", {1, 3}, 0);
  auto fc = [](int32_t x, int32_t w, int32_t b, int32_t y, tflite::Activation act) {
    tflite::Operator op;
    op.builtin_code = tflite::op::kFullyConnected;
    op.inputs = {x, w, b};
    op.outputs = {y};
    op.options.activation = act;
    return op;
  };
  g.operators.push_back(fc(in, tw1, tb1, h1, tflite::Activation::kRelu));
  g.operators.push_back(fc(h1, tw2, tb2, h2, tflite::Activation::kRelu));
  g.operators.push_back(fc(h2, tw3, tb3, logits, tflite::Activation::kNone));
  tflite::Operator sm;
  sm.builtin_code = tflite::op::kSoftmax;
  sm.inputs = {logits};
  sm.outputs = {out};
  sm.options.beta = 1.0f;
  g.operators.push_back(sm);
  g.inputs = {in};
  g.outputs = {out};
  m.subgraphs.push_back(g);
  return m;
}

}  // namespace autopilot::board
