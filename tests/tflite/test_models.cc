#include "test_models.h"

#include <cmath>
#include <random>

#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite::testing {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 0.5f) {
  std::mt19937 rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = (static_cast<float>(rng() % 20001) / 10000.0f - 1.0f) * scale;
  return v;
}

size_t Count(const std::vector<int32_t>& s) {
  return static_cast<size_t>(ElementCount(s));
}

// input → one op (with constant operands) → output.
Model Single(int32_t code, std::vector<int32_t> in_shape, std::vector<int32_t> out_shape,
             OpOptions o = {}, std::vector<std::vector<int32_t>> const_shapes = {},
             std::vector<std::vector<int32_t>> int_consts = {}, uint32_t seed = 1) {
  ModelBuilder b;
  const int32_t in = b.AddTensor("input", DType::kFloat32, in_shape);
  std::vector<int32_t> inputs{in};
  for (const auto& s : const_shapes) {
    inputs.push_back(b.AddConstant("w" + std::to_string(inputs.size()), DType::kFloat32, s,
                                   Random(Count(s), seed++)));
  }
  for (const auto& ints : int_consts) {  // PAD paddings: [rank, 2]
    inputs.push_back(
        b.AddConstant("paddings", DType::kInt32, {static_cast<int32_t>(ints.size() / 2), 2}, ints));
  }
  const int32_t out = b.AddTensor("output", DType::kFloat32, out_shape);
  b.AddOp(code, inputs, {out}, o);
  b.SetInputs({in});
  b.SetOutputs({out});
  return b.Finish();
}

Model WithActivation(int32_t code, Activation a, std::vector<int32_t> shape) {
  OpOptions o;
  o.activation = a;
  return Single(code, shape, shape, o, {shape});
}

}  // namespace

Model FruitMlp() {
  ModelBuilder b;
  int32_t cur = b.AddTensor("input", DType::kFloat32, {1, 3});
  const int32_t in = cur;
  const int sizes[] = {3, 8, 5, 3};
  for (int l = 0; l < 3; ++l) {
    const int32_t w = b.AddConstant(
        "w" + std::to_string(l), DType::kFloat32, {sizes[l + 1], sizes[l]},
        Random(static_cast<size_t>(sizes[l] * sizes[l + 1]), 10u + static_cast<uint32_t>(l), 1.5f));
    const int32_t bias =
        b.AddConstant("b" + std::to_string(l), DType::kFloat32, {sizes[l + 1]},
                      Random(static_cast<size_t>(sizes[l + 1]), 20u + static_cast<uint32_t>(l)));
    const int32_t out = b.AddTensor("h" + std::to_string(l), DType::kFloat32, {1, sizes[l + 1]});
    OpOptions o;
    o.activation = l == 0 ? Activation::kRelu : l == 1 ? Activation::kRelu6 : Activation::kNone;
    b.AddOp(op::kFullyConnected, {cur, w, bias}, {out}, o);
    cur = out;
  }
  const int32_t probs = b.AddTensor("output", DType::kFloat32, {1, 3});
  b.AddOp(op::kSoftmax, {cur}, {probs});
  b.SetInputs({in});
  b.SetOutputs({probs});
  return b.Finish();
}

Model MobileNetBlock() {
  ModelBuilder b;
  OpOptions c;
  c.padding = Padding::kSame;
  c.activation = Activation::kRelu6;
  const int32_t in = b.AddTensor("input", DType::kFloat32, {1, 32, 32, 16});
  const int32_t w1 =
      b.AddConstant("conv1/w", DType::kFloat32, {32, 3, 3, 16}, Random(32 * 9 * 16, 41, 0.2f));
  const int32_t b1 = b.AddConstant("conv1/b", DType::kFloat32, {32}, Random(32, 42));
  const int32_t t1 = b.AddTensor("conv1", DType::kFloat32, {1, 32, 32, 32});
  b.AddOp(op::kConv2D, {in, w1, b1}, {t1}, c);
  const int32_t w2 =
      b.AddConstant("dw/w", DType::kFloat32, {1, 3, 3, 32}, Random(9 * 32, 43, 0.5f));
  const int32_t b2 = b.AddConstant("dw/b", DType::kFloat32, {32}, Random(32, 44));
  const int32_t t2 = b.AddTensor("dw", DType::kFloat32, {1, 32, 32, 32});
  OpOptions d = c;
  d.depth_multiplier = 1;
  b.AddOp(op::kDepthwiseConv2D, {t1, w2, b2}, {t2}, d);
  const int32_t w3 =
      b.AddConstant("pw/w", DType::kFloat32, {64, 1, 1, 32}, Random(64 * 32, 45, 0.2f));
  const int32_t b3 = b.AddConstant("pw/b", DType::kFloat32, {64}, Random(64, 46));
  const int32_t t3 = b.AddTensor("output", DType::kFloat32, {1, 32, 32, 64});
  b.AddOp(op::kConv2D, {t2, w3, b3}, {t3}, c);
  b.SetInputs({in});
  b.SetOutputs({t3});
  return b.Finish();
}

Model MobileNetV1Body() {
  ModelBuilder b;
  OpOptions conv;
  conv.padding = Padding::kSame;
  conv.activation = Activation::kRelu6;
  uint32_t seed = 100;
  // A layer's weights: uniform in ±sqrt(6 / fan-in), so activations keep their scale (He).
  auto weights = [&](const std::string& name, std::vector<int32_t> shape, int fan_in) {
    const float scale = std::sqrt(6.0f / static_cast<float>(fan_in));
    return b.AddConstant(name + "/weights", DType::kFloat32, shape, Random(Count(shape), seed++, scale));
  };
  auto bias = [&](const std::string& name, int n) {
    return b.AddConstant(name + "/bias", DType::kFloat32, {n}, Random(static_cast<size_t>(n), seed++, 0.1f));
  };
  const int32_t in = b.AddTensor("input", DType::kFloat32, {1, 300, 300, 3});
  int size = 150, depth = 32;
  int32_t cur = b.AddTensor("Conv2d_0", DType::kFloat32, {1, size, size, depth});
  OpOptions first = conv;
  first.stride_h = first.stride_w = 2;
  b.AddOp(op::kConv2D, {in, weights("Conv2d_0", {depth, 3, 3, 3}, 27), bias("Conv2d_0", depth)},
          {cur}, first);
  const int kDepths[13] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
  const int kStrides[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
  for (int i = 0; i < 13; ++i) {
    const std::string name = "Conv2d_" + std::to_string(i + 1);
    OpOptions dw = conv;
    dw.stride_h = dw.stride_w = kStrides[i];
    dw.depth_multiplier = 1;
    size = (size + kStrides[i] - 1) / kStrides[i];  // SAME
    const int32_t t_dw = b.AddTensor(name + "_depthwise", DType::kFloat32, {1, size, size, depth});
    b.AddOp(op::kDepthwiseConv2D,
            {cur, weights(name + "_depthwise", {1, 3, 3, depth}, 9), bias(name + "_depthwise", depth)},
            {t_dw}, dw);
    const int out_depth = kDepths[i];
    cur = b.AddTensor(i == 12 ? "output" : name + "_pointwise", DType::kFloat32,
                      {1, size, size, out_depth});
    b.AddOp(op::kConv2D,
            {t_dw, weights(name + "_pointwise", {out_depth, 1, 1, depth}, depth),
             bias(name + "_pointwise", out_depth)},
            {cur}, conv);
    depth = out_depth;
  }
  b.SetInputs({in});
  b.SetOutputs({cur});
  return b.Finish();
}

int64_t ConvMacs(const Model& model) {
  const SubGraph& sg = model.subgraphs[0];
  auto shape = [&](int32_t t) { return sg.tensors[static_cast<size_t>(t)].shape; };
  int64_t macs = 0;
  for (const Operator& o : sg.operators) {
    if (o.builtin_code != op::kConv2D && o.builtin_code != op::kDepthwiseConv2D &&
        o.builtin_code != op::kFullyConnected) {
      continue;
    }
    const auto w = shape(o.inputs[1]);
    const int64_t outputs = ElementCount(shape(o.outputs[0]));
    // Per output value: the filter's window × depth (CONV_2D, FULLY_CONNECTED: all but the
    // output-channel dimension; DEPTHWISE_CONV_2D: the window only).
    const int64_t per = o.builtin_code == op::kDepthwiseConv2D
                            ? int64_t{w[1]} * w[2]
                            : ElementCount(w) / w[0];
    macs += outputs * per;
  }
  return macs;
}

Model SmallCnn() {
  ModelBuilder b;
  const int32_t in = b.AddTensor("input", DType::kFloat32, {1, 8, 8, 2});
  OpOptions c;
  c.padding = Padding::kSame;
  c.activation = Activation::kRelu;
  const int32_t w1 = b.AddConstant("conv/w", DType::kFloat32, {4, 3, 3, 2}, Random(72, 31));
  const int32_t b1 = b.AddConstant("conv/b", DType::kFloat32, {4}, Random(4, 32));
  const int32_t t1 = b.AddTensor("conv", DType::kFloat32, {1, 8, 8, 4});
  b.AddOp(op::kConv2D, {in, w1, b1}, {t1}, c);
  OpOptions d;
  d.padding = Padding::kValid;
  d.stride_w = d.stride_h = 2;
  d.depth_multiplier = 2;
  d.activation = Activation::kRelu6;
  const int32_t w2 = b.AddConstant("dw/w", DType::kFloat32, {1, 3, 3, 8}, Random(72, 33));
  const int32_t b2 = b.AddConstant("dw/b", DType::kFloat32, {8}, Random(8, 34));
  const int32_t t2 = b.AddTensor("dw", DType::kFloat32, {1, 3, 3, 8});
  b.AddOp(op::kDepthwiseConv2D, {t1, w2, b2}, {t2}, d);
  OpOptions p;
  p.padding = Padding::kSame;
  p.filter_w = p.filter_h = 2;
  p.stride_w = p.stride_h = 2;
  const int32_t t3 = b.AddTensor("pool", DType::kFloat32, {1, 2, 2, 8});
  b.AddOp(op::kMaxPool2D, {t2}, {t3}, p);
  const int32_t t4 = b.AddTensor("flat", DType::kFloat32, {1, 32});
  OpOptions r;
  r.new_shape = {1, 32};  // TFLite reads the target shape from here (or a shape input)
  const int32_t shape =
      b.AddConstant("flat/shape", DType::kInt32, {2}, std::vector<int32_t>{1, 32});
  b.AddOp(op::kReshape, {t3, shape}, {t4}, r);
  const int32_t w5 = b.AddConstant("fc/w", DType::kFloat32, {3, 32}, Random(96, 35));
  const int32_t b5 = b.AddConstant("fc/b", DType::kFloat32, {3}, Random(3, 36));
  const int32_t t5 = b.AddTensor("logits", DType::kFloat32, {1, 3});
  b.AddOp(op::kFullyConnected, {t4, w5, b5}, {t5});
  const int32_t out = b.AddTensor("output", DType::kFloat32, {1, 3});
  b.AddOp(op::kSoftmax, {t5}, {out});
  b.SetInputs({in});
  b.SetOutputs({out});
  return b.Finish();
}

std::vector<TestModel> FloatModels() {
  std::vector<TestModel> m;
  m.push_back({"fruit_mlp", FruitMlp()});
  m.push_back({"small_cnn", SmallCnn()});
  {
    OpOptions o;
    o.activation = Activation::kRelu6;
    m.push_back({"fully_connected_relu6_no_bias",
                 Single(op::kFullyConnected, {2, 6}, {2, 4}, o, {{4, 6}})});
  }
  {
    OpOptions o;
    o.beta = 1.0f;
    m.push_back({"softmax", Single(op::kSoftmax, {1, 10}, {1, 10}, o)});
  }
  {
    OpOptions o;
    o.padding = Padding::kValid;
    o.stride_w = 2;
    o.stride_h = 1;
    o.activation = Activation::kRelu;
    m.push_back({"conv_2d_valid_stride",
                 Single(op::kConv2D, {1, 6, 7, 3}, {1, 4, 3, 5}, o, {{5, 3, 3, 3}, {5}})});
  }
  {
    OpOptions o;
    o.padding = Padding::kSame;
    o.depth_multiplier = 1;
    m.push_back({"depthwise_conv_2d_same",
                 Single(op::kDepthwiseConv2D, {1, 5, 5, 4}, {1, 5, 5, 4}, o, {{1, 3, 3, 4}, {4}})});
  }
  {
    OpOptions o;
    o.padding = Padding::kSame;
    o.filter_w = o.filter_h = 3;
    o.stride_w = o.stride_h = 2;
    m.push_back({"max_pool_2d", Single(op::kMaxPool2D, {1, 7, 7, 3}, {1, 4, 4, 3}, o)});
    m.push_back({"average_pool_2d", Single(op::kAveragePool2D, {1, 7, 7, 3}, {1, 4, 4, 3}, o)});
  }
  m.push_back({"add_broadcast_relu", WithActivation(op::kAdd, Activation::kRelu, {1, 4, 4, 3})});
  {
    OpOptions o;
    m.push_back({"add_channel_broadcast", Single(op::kAdd, {1, 4, 4, 3}, {1, 4, 4, 3}, o, {{3}})});
    m.push_back({"mul", Single(op::kMul, {1, 4, 4, 3}, {1, 4, 4, 3}, o, {{1, 4, 4, 3}})});
    m.push_back({"logistic", Single(op::kLogistic, {1, 64}, {1, 64}, o)});
    m.push_back({"tanh", Single(op::kTanh, {1, 64}, {1, 64}, o)});
    m.push_back({"relu", Single(op::kRelu, {1, 16}, {1, 16}, o)});
    m.push_back({"relu6", Single(op::kRelu6, {1, 16}, {1, 16}, o)});
    m.push_back(
        {"pad", Single(op::kPad, {1, 3, 3, 2}, {1, 5, 6, 2}, o, {}, {{0, 0, 1, 1, 2, 1, 0, 0}})});
  }
  {
    OpOptions o;
    o.keep_dims = true;
    ModelBuilder b;
    const int32_t in = b.AddTensor("input", DType::kFloat32, {1, 4, 4, 3});
    const int32_t axes = b.AddConstant("axes", DType::kInt32, {2}, std::vector<int32_t>{1, 2});
    const int32_t out = b.AddTensor("output", DType::kFloat32, {1, 1, 1, 3});
    b.AddOp(op::kMean, {in, axes}, {out}, o);
    b.SetInputs({in});
    b.SetOutputs({out});
    m.push_back({"mean_hw", b.Finish()});
  }
  {
    // Concatenate the input with a transformed copy of itself along the channel axis.
    ModelBuilder b;
    const int32_t in = b.AddTensor("input", DType::kFloat32, {1, 2, 2, 3});
    const int32_t r = b.AddTensor("relu", DType::kFloat32, {1, 2, 2, 3});
    b.AddOp(op::kRelu, {in}, {r});
    const int32_t out = b.AddTensor("output", DType::kFloat32, {1, 2, 2, 6});
    OpOptions o;
    o.axis = 3;
    b.AddOp(op::kConcatenation, {in, r}, {out}, o);
    b.SetInputs({in});
    b.SetOutputs({out});
    m.push_back({"concatenation", b.Finish()});
  }
  return m;
}

std::vector<std::vector<float>> RandomRows(const Model& model, size_t rows, uint32_t seed) {
  const SubGraph& sg = model.subgraphs[0];
  const size_t n =
      static_cast<size_t>(ElementCount(sg.tensors[static_cast<size_t>(sg.inputs[0])].shape));
  std::vector<std::vector<float>> out;
  for (size_t r = 0; r < rows; ++r) out.push_back(Random(n, seed + static_cast<uint32_t>(r), 2.0f));
  return out;
}

}  // namespace autopilot::tflite::testing
