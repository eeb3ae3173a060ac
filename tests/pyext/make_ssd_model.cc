// Writes the SSD-like test models of the python/edge tests and the C++ interpreter's outputs
// for one fixed input, so the Python side can be compared with the C++ side; with --bench N it
// also times N invokes of the C++ interpreter (the baseline of the Python overhead figure).
//
//   make_ssd_model OUT_DIR [--bench N]
//
// ssd.tflite: uint8 [1,16,16,3] (scale 1/128, zp 128) → AVERAGE_POOL_2D 8x8 → two 1x1 CONV_2D
// heads → RESHAPE → box encodings [1,4,4] and (after LOGISTIC) class scores [1,4,3] →
// TFLite_Detection_PostProcess with outputs declared [] (boxes, classes, scores, count), no
// signature (the TF1 exporter's layout). ssd_sig.tflite: the same graph with a serving_default
// signature naming the outputs by tensor name. ssd_tf2.tflite: the same graph whose signature
// names them as the TF2 exporter does, output_0..3 = count, scores, classes, boxes (the graph's
// output order stays boxes, classes, scores, count).

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/model_builder.h"

namespace tfl = autopilot::tflite;

namespace {

constexpr int kSide = 16;

std::vector<uint8_t> PostProcessOptions() {
  tfl::DetectionOptions d;
  d.max_detections = 3;
  d.nms_score_threshold = 0.3f;
  d.nms_iou_threshold = 0.5f;
  d.num_classes = 2;
  d.y_scale = d.x_scale = 10.0f;
  d.h_scale = d.w_scale = 5.0f;
  return tfl::DetectionOptionsFlexbuffer(d);
}

/// A 1x1 CONV_2D head from `in` (3 channels, scale 1/128) to `out_channels` uint8 channels.
int32_t Head(tfl::ModelBuilder& b, const std::string& name, int32_t in, int out_channels,
             const std::vector<uint8_t>& weights, float out_scale, int64_t out_zp) {
  const float w_scale = 1.0f / 64.0f;
  const int32_t w = b.AddConstant(name + "/weights", tfl::DType::kUInt8, {out_channels, 1, 1, 3},
                                  weights, tfl::QuantParams(w_scale, 128));
  std::vector<int32_t> bias(static_cast<size_t>(out_channels));
  for (int i = 0; i < out_channels; ++i) bias[static_cast<size_t>(i)] = (i % 2 ? -40 : 25) * (i + 1);
  const int32_t bz = b.AddConstant(name + "/bias", tfl::DType::kInt32, {out_channels}, bias,
                                   tfl::QuantParams(w_scale / 128.0f, 0));
  const int32_t out = b.AddTensor(name + "/conv", tfl::DType::kUInt8, {1, 2, 2, out_channels},
                                  tfl::QuantParams(out_scale, out_zp));
  tfl::OpOptions o;
  o.padding = tfl::Padding::kValid;
  b.AddOp(tfl::op::kConv2D, {in, w, bz}, {out}, o);
  return out;
}

tfl::Model SsdModel(bool with_signature) {
  tfl::ModelBuilder b;
  const auto in_q = tfl::QuantParams(1.0f / 128.0f, 128);
  const int32_t image = b.AddTensor("normalized_input_image_tensor", tfl::DType::kUInt8,
                                    {1, kSide, kSide, 3}, in_q);
  const int32_t pooled = b.AddTensor("pool", tfl::DType::kUInt8, {1, 2, 2, 3}, in_q);
  tfl::OpOptions pool;
  pool.padding = tfl::Padding::kValid;
  pool.filter_w = pool.filter_h = pool.stride_w = pool.stride_h = kSide / 2;
  b.AddOp(tfl::op::kAveragePool2D, {image}, {pooled}, pool);

  // [4 out channels][3 in channels]: 12 weights, as the tensor's shape {4, 1, 1, 3} declares.
  const std::vector<uint8_t> box_w = {140, 120, 128, 128, 150, 110,
                                      160, 128, 100, 128, 140, 90};
  const std::vector<uint8_t> cls_w = {128, 128, 128, 200, 60, 128, 90, 128, 220};
  const int32_t box_conv = Head(b, "box", pooled, 4, box_w, 1.0f / 32.0f, 128);
  const int32_t cls_conv = Head(b, "cls", pooled, 3, cls_w, 1.0f / 16.0f, 128);

  tfl::OpOptions r1;
  r1.new_shape = {1, 4, 4};
  const int32_t enc = b.AddTensor("raw_outputs/box_encodings", tfl::DType::kUInt8, {1, 4, 4},
                                  tfl::QuantParams(1.0f / 32.0f, 128));
  b.AddOp(tfl::op::kReshape, {box_conv}, {enc}, r1);
  tfl::OpOptions r2;
  r2.new_shape = {1, 4, 3};
  const int32_t logits = b.AddTensor("cls/reshape", tfl::DType::kUInt8, {1, 4, 3},
                                     tfl::QuantParams(1.0f / 16.0f, 128));
  b.AddOp(tfl::op::kReshape, {cls_conv}, {logits}, r2);
  const int32_t cls = b.AddTensor("raw_outputs/class_predictions", tfl::DType::kUInt8, {1, 4, 3},
                                  tfl::QuantParams(1.0f / 256.0f, 0));
  b.AddOp(tfl::op::kLogistic, {logits}, {cls});

  // Four anchors (y, x, h, w) on a 2x2 grid.
  const std::vector<float> anchors = {0.25f, 0.25f, 0.5f, 0.5f, 0.25f, 0.75f, 0.5f, 0.5f,
                                      0.75f, 0.25f, 0.5f, 0.5f, 0.75f, 0.75f, 0.5f, 0.5f};
  const int32_t anc = b.AddConstant("anchors", tfl::DType::kFloat32, {4, 4}, anchors);
  const int32_t boxes = b.AddTensor("TFLite_Detection_PostProcess", tfl::DType::kFloat32, {});
  const int32_t classes = b.AddTensor("TFLite_Detection_PostProcess:1", tfl::DType::kFloat32, {});
  const int32_t scores = b.AddTensor("TFLite_Detection_PostProcess:2", tfl::DType::kFloat32, {});
  const int32_t count = b.AddTensor("TFLite_Detection_PostProcess:3", tfl::DType::kFloat32, {});
  b.AddOp(tfl::op::kCustom, {enc, cls, anc}, {boxes, classes, scores, count});
  b.SetInputs({image});
  b.SetOutputs({boxes, classes, scores, count});
  tfl::Model m = b.Finish();
  tfl::Operator& post = m.subgraphs[0].operators.back();
  post.custom_code = tfl::kDetectionPostProcess;
  post.custom_options = PostProcessOptions();
  if (!with_signature) m.signatures.clear();
  return m;
}

/// ssd_sig's graph with the TF2 exporter's signature output names.
tfl::Model Tf2Model() {
  tfl::Model m = SsdModel(true);
  const auto& outs = m.subgraphs[0].outputs;  // boxes, classes, scores, count
  auto& sig = m.signatures.at(0).outputs;
  sig.clear();
  const int order[] = {3, 2, 1, 0};  // output_k is graph output order[k]
  for (int k = 0; k < 4; ++k)
    sig.push_back({"output_" + std::to_string(k), static_cast<uint32_t>(outs[static_cast<size_t>(order[k])])});
  return m;
}

/// The fixed test image: a gradient, so every anchor sees a different average.
std::vector<uint8_t> TestImage() {
  std::vector<uint8_t> img(kSide * kSide * 3);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x)
      for (int c = 0; c < 3; ++c)
        img[static_cast<size_t>((y * kSide + x) * 3 + c)] =
            static_cast<uint8_t>((y * 13 + x * 7 + c * 50) % 256);
  return img;
}

bool WriteFile(const std::string& path, const void* data, size_t n) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_ssd_model OUT_DIR [--bench N]\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (bool sig : {false, true}) {
    const std::string path = dir + (sig ? "/ssd_sig.tflite" : "/ssd.tflite");
    if (auto r = tfl::SaveModel(SsdModel(sig), path); !r) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), r.error().message.c_str());
      return 1;
    }
  }
  if (auto r = tfl::SaveModel(Tf2Model(), dir + "/ssd_tf2.tflite"); !r) {
    std::fprintf(stderr, "ssd_tf2.tflite: %s\n", r.error().message.c_str());
    return 1;
  }
  auto in = tfl::Interpreter::Create(SsdModel(false));
  if (!in) {
    std::fprintf(stderr, "interpreter: %s\n", in.error().message.c_str());
    return 1;
  }
  const auto image = TestImage();
  if (!WriteFile(dir + "/ssd_input.bin", image.data(), image.size())) return 1;
  if (auto r = in->SetInputBytes(0, image); !r) {
    std::fprintf(stderr, "input: %s\n", r.error().message.c_str());
    return 1;
  }
  in->Invoke();
  // The outputs as the C++ interpreter computed them, raw float32 bytes one file per output.
  for (size_t i = 0; i < in->OutputCount(); ++i) {
    auto bytes = in->TensorBytes(in->OutputIndex(i));
    if (!WriteFile(dir + "/ssd_expected_" + std::to_string(i) + ".bin", bytes.data(), bytes.size()))
      return 1;
  }
  if (argc >= 4 && std::string(argv[2]) == "--bench") {
    const int n = std::stoi(argv[3]);
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < n; ++k) {
      (void)in->SetInputBytes(0, image);
      in->Invoke();
    }
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    std::printf("cpp_us_per_invoke %.3f\n", us / n);
  }
  return 0;
}
