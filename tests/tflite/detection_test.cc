// TFLite_Detection_PostProcess: options from FlexBuffers, outputs resized at allocation, box
// decoding, fast and regular NMS worked by hand, bad options refused, and LiteRT agreeing.

#include <flatbuffers/flexbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/litert_oracle.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

std::vector<uint8_t> Options(bool regular, float iou = 0.5f, bool with_scales = true) {
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    fbb.Int("max_detections", 3);
    fbb.Int("max_classes_per_detection", 1);
    fbb.Int("detections_per_class", 100);
    fbb.Bool("use_regular_nms", regular);
    fbb.Float("nms_score_threshold", 0.5f);
    fbb.Float("nms_iou_threshold", iou);
    fbb.Int("num_classes", 2);
    if (with_scales) {
      fbb.Float("y_scale", 10.0f);
      fbb.Float("x_scale", 10.0f);
      fbb.Float("h_scale", 5.0f);
      fbb.Float("w_scale", 5.0f);
    }
  });
  fbb.Finish();
  return fbb.GetBuffer();
}

// Three anchors (y, x, h, w): a1 overlaps a0 almost entirely, a2 is apart. Two classes and a
// background column.
const std::vector<float> kAnchors = {0.5f, 0.5f, 0.2f, 0.2f, 0.51f, 0.5f,
                                     0.2f, 0.2f, 0.2f, 0.2f, 0.1f,  0.1f};
const std::vector<float> kScores = {0.1f, 0.9f, 0.2f, 0.1f, 0.8f, 0.7f, 0.1f, 0.3f, 0.6f};

/// `static_outputs`: the outputs carry their real shapes; else [] as the real SSD models declare.
Model DetectModel(bool regular, bool static_outputs, std::vector<uint8_t> options = {}) {
  ModelBuilder b;
  const int32_t enc = b.AddTensor("box_encodings", DType::kFloat32, {1, 3, 4});
  const int32_t cls = b.AddTensor("class_predictions", DType::kFloat32, {1, 3, 3});
  const int32_t anc = b.AddConstant("anchors", DType::kFloat32, {3, 4}, kAnchors);
  auto shape = [&](std::vector<int32_t> s) { return static_outputs ? s : std::vector<int32_t>{}; };
  const int32_t boxes = b.AddTensor("detection_boxes", DType::kFloat32, shape({1, 3, 4}));
  const int32_t classes = b.AddTensor("detection_classes", DType::kFloat32, shape({1, 3}));
  const int32_t scores = b.AddTensor("detection_scores", DType::kFloat32, shape({1, 3}));
  const int32_t num = b.AddTensor("num_detections", DType::kFloat32, shape({1}));
  b.AddOp(op::kCustom, {enc, cls, anc}, {boxes, classes, scores, num});
  b.SetInputs({enc, cls});
  b.SetOutputs({boxes, classes, scores, num});
  Model m = b.Finish();
  Operator& op = m.subgraphs[0].operators[0];
  op.custom_code = kDetectionPostProcess;
  op.custom_options = options.empty() ? Options(regular) : std::move(options);
  return m;
}

struct Out {
  std::vector<float> boxes, classes, scores;
  float num = -1;
};

Out Invoke(Interpreter& in, const std::vector<float>& encodings) {
  EXPECT_TRUE(in.SetInputFloat(0, encodings).ok());
  EXPECT_TRUE(in.SetInputFloat(1, kScores).ok());
  in.Invoke();
  auto f = [&](size_t i) {
    auto bytes = in.TensorBytes(in.OutputIndex(i));
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  };
  Out o{f(0), f(1), f(2), 0};
  o.num = f(3).at(0);
  return o;
}

TEST(Detection, OutputsDeclaredAsScalarsAreResizedAtAllocation) {
  auto in = Interpreter::Create(DetectModel(false, false));
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->TensorInfo(in->OutputIndex(0)).shape, (std::vector<int32_t>{1, 3, 4}));
  EXPECT_EQ(in->TensorInfo(in->OutputIndex(1)).shape, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(in->TensorInfo(in->OutputIndex(3)).shape, (std::vector<int32_t>{1}));
}

TEST(Detection, FastNmsKeepsTheBestOfOverlappingAnchors) {
  auto in = Interpreter::Create(DetectModel(false, false));
  ASSERT_TRUE(in.ok()) << in.error().message;
  Out o = Invoke(*in, std::vector<float>(12, 0.0f));  // zero encodings: the anchors' own boxes
  ASSERT_EQ(o.num, 2.0f);                          // a1 (IoU 0.905 with a0) is suppressed
  EXPECT_NEAR(o.boxes[0], 0.4f, 1e-6);             // a0: ymin, xmin, ymax, xmax
  EXPECT_NEAR(o.boxes[1], 0.4f, 1e-6);
  EXPECT_NEAR(o.boxes[2], 0.6f, 1e-6);
  EXPECT_NEAR(o.boxes[3], 0.6f, 1e-6);
  EXPECT_EQ(o.classes[0], 0.0f);  // background excluded: 0 is the first real class
  EXPECT_FLOAT_EQ(o.scores[0], 0.9f);
  EXPECT_NEAR(o.boxes[4], 0.15f, 1e-6);  // a2
  EXPECT_EQ(o.classes[1], 1.0f);
  EXPECT_FLOAT_EQ(o.scores[1], 0.6f);
}

TEST(Detection, RegularNmsSuppressesPerClass) {
  auto in = Interpreter::Create(DetectModel(true, true));
  ASSERT_TRUE(in.ok()) << in.error().message;
  Out o = Invoke(*in, std::vector<float>(12, 0.0f));
  ASSERT_EQ(o.num, 3.0f);  // class 0: a0 (a1 suppressed); class 1: a1 and a2 (apart)
  EXPECT_EQ(o.classes, (std::vector<float>{0, 1, 1}));
  EXPECT_EQ(o.scores, (std::vector<float>{0.9f, 0.7f, 0.6f}));
  EXPECT_NEAR(o.boxes[4], 0.41f, 1e-6);  // a1's box
}

TEST(Detection, EncodingsMoveAndScaleTheAnchorBox) {
  auto in = Interpreter::Create(DetectModel(false, true));
  ASSERT_TRUE(in.ok());
  // a0 moved by y = 1 (1/10 of its height 0.2: +0.02) and grown by h = 5 (exp(1)).
  std::vector<float> enc(12, 0.0f);
  enc[0] = 1.0f;
  enc[2] = 5.0f;
  Out o = Invoke(*in, enc);
  const double half = 0.5 * std::exp(1.0) * 0.2;
  EXPECT_NEAR(o.boxes[0], 0.52 - half, 1e-6);
  EXPECT_NEAR(o.boxes[2], 0.52 + half, 1e-6);
}

TEST(Detection, BadOptionsAreRefusedByName) {
  auto iou = Interpreter::Create(DetectModel(false, true, Options(false, 0.0f)));
  ASSERT_FALSE(iou.ok());
  EXPECT_NE(iou.error().message.find("nms_iou_threshold"), std::string::npos)
      << iou.error().message;
  auto scales = Interpreter::Create(DetectModel(false, true, Options(false, 0.5f, false)));
  ASSERT_FALSE(scales.ok());
  EXPECT_NE(scales.error().message.find("y_scale"), std::string::npos) << scales.error().message;
  auto garbage = Interpreter::Create(DetectModel(false, true, std::vector<uint8_t>{1, 2, 3}));
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("FlexBuffer"), std::string::npos)
      << garbage.error().message;
}

TEST(Detection, SurvivesASaveAndLoad) {
  auto dir = util::MakeTempDir("detect-");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(SaveModel(DetectModel(false, false), *dir + "/d.tflite").ok());
  auto m = LoadModel(*dir + "/d.tflite");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->subgraphs[0].operators[0].custom_code, kDetectionPostProcess);
  EXPECT_EQ(m->subgraphs[0].operators[0].custom_options, Options(false));
  util::RemoveTree(*dir);
}

TEST(Detection, MatchesLiteRt) {
  std::string why;
  if (!LiteRtAvailable(&why)) GTEST_SKIP() << "LiteRT oracle unavailable: " << why;
  auto dir = util::MakeTempDir("detect-rt-");
  ASSERT_TRUE(dir.ok());
  for (bool regular : {false, true}) {
    SCOPED_TRACE(regular ? "regular NMS" : "fast NMS");
    const Model model = DetectModel(regular, true);  // LiteRT.js needs the static shapes
    ASSERT_TRUE(SaveModel(model, *dir + "/d.tflite").ok());
    auto in = Interpreter::Create(model);
    ASSERT_TRUE(in.ok());
    std::vector<float> enc = {0.3f, -0.2f, 0.5f, -0.4f, 0, 0, 0, 0, -1.0f, 2.0f, 1.0f, 0.2f};
    Out ours = Invoke(*in, enc);
    auto bytes = [](const std::vector<float>& v) {
      std::vector<uint8_t> b(v.size() * 4);
      std::memcpy(b.data(), v.data(), b.size());
      return b;
    };
    auto theirs = RunLiteRt(*dir + "/d.tflite", {{bytes(enc), bytes(kScores)}});
    ASSERT_TRUE(theirs.ok()) << theirs.error().message;
    ASSERT_EQ(theirs->outputs.at(0).size(), 4u);
    const int n = static_cast<int>(ours.num);
    std::vector<float> count(1);
    std::memcpy(count.data(), theirs->outputs[0][3].data(), 4);
    ASSERT_EQ(count[0], ours.num);
    auto floats = [](const std::vector<uint8_t>& b) {
      std::vector<float> v(b.size() / 4);
      std::memcpy(v.data(), b.data(), b.size());
      return v;
    };
    const auto tb = floats(theirs->outputs[0][0]), tc = floats(theirs->outputs[0][1]),
               ts = floats(theirs->outputs[0][2]);
    for (int i = 0; i < n; ++i) {  // only the first num_detections rows are defined
      EXPECT_EQ(tc[static_cast<size_t>(i)], ours.classes[static_cast<size_t>(i)]) << "row " << i;
      EXPECT_EQ(ts[static_cast<size_t>(i)], ours.scores[static_cast<size_t>(i)]) << "row " << i;
      for (int k = 0; k < 4; ++k) {
        EXPECT_NEAR(tb[static_cast<size_t>(4 * i + k)], ours.boxes[static_cast<size_t>(4 * i + k)],
                    1e-6)
            << "row " << i;
      }
    }
  }
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::tflite
