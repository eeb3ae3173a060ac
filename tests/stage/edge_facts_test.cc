// The edge stages' facts (psg, tpusg): read from the project's model and labels, named by the
// paths the script sees, and enough for every prompt format of both stages.

#include "autopilot/stage/edge_facts.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/contracts.h"
#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;
namespace tfl = autopilot::tflite;

std::vector<uint8_t> DetectionOptions() {
  tfl::DetectionOptions o;
  o.max_detections = 10;
  o.detections_per_class = 100;
  o.nms_score_threshold = 0.3f;
  o.nms_iou_threshold = 0.6f;
  o.num_classes = 12;
  o.y_scale = o.x_scale = 10.0f;
  o.h_scale = o.w_scale = 5.0f;
  return tfl::DetectionOptionsFlexbuffer(o);
}

/// The shape of a quantized SSD-MobileNet v1: a uint8 [1,300,300,3] image (scale 1/128, zero
/// point 128) dequantized for a stand-in backbone, and TFLite_Detection_PostProcess writing four
/// float outputs declared without a shape, as the real exports do. `count_first` lists the
/// graph's outputs in another order than the operator's.
tfl::Model DetectorModel(tfl::DType input_type, bool count_first = false) {
  tfl::ModelBuilder b;
  tfl::Quantization q =
      input_type == tfl::DType::kFloat32 ? tfl::Quantization{} : tfl::QuantParams(1.0f / 128, 128);
  const int32_t image =
      b.AddTensor("normalized_input_image_tensor", input_type, {1, 300, 300, 3}, q);
  const int32_t image_f = b.AddTensor("image_float", tfl::DType::kFloat32, {1, 300, 300, 3});
  if (input_type != tfl::DType::kFloat32) b.AddOp(tfl::op::kDequantize, {image}, {image_f});
  const int32_t enc = b.AddTensor("raw_outputs/box_encodings", tfl::DType::kFloat32, {1, 2, 4});
  const int32_t cls =
      b.AddTensor("raw_outputs/class_predictions", tfl::DType::kFloat32, {1, 2, 13});
  const int32_t anc =
      b.AddConstant("anchors", tfl::DType::kFloat32, {2, 4},
                    std::vector<float>{0.5f, 0.5f, 0.2f, 0.2f, 0.2f, 0.2f, 0.1f, 0.1f});
  const int32_t boxes = b.AddTensor("TFLite_Detection_PostProcess", tfl::DType::kFloat32, {});
  const int32_t classes = b.AddTensor("TFLite_Detection_PostProcess:1", tfl::DType::kFloat32, {});
  const int32_t scores = b.AddTensor("TFLite_Detection_PostProcess:2", tfl::DType::kFloat32, {});
  const int32_t count = b.AddTensor("TFLite_Detection_PostProcess:3", tfl::DType::kFloat32, {});
  b.AddOp(tfl::op::kCustom, {enc, cls, anc}, {boxes, classes, scores, count});
  b.SetInputs({image});
  if (count_first) {
    b.SetOutputs({count, scores, classes, boxes});
  } else {
    b.SetOutputs({boxes, classes, scores, count});
  }
  tfl::Model m = b.Finish();
  for (auto& op : m.subgraphs[0].operators) {
    if (op.builtin_code == tfl::op::kCustom) {
      op.custom_code = tfl::kDetectionPostProcess;
      op.custom_options = DetectionOptions();
    }
  }
  return m;
}

const std::vector<std::string> kLabels = {"person",   "bicycle",       "car",          "motorcycle",
                                          "airplane", "bus",           "train",        "truck",
                                          "boat",     "traffic light", "fire hydrant", "sheep"};

class EdgeFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-edge-facts-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    WriteModel(tfl::DType::kUInt8);
    std::string labels;
    for (const auto& l : kLabels) labels += l + "\r\n";  // CRLF and a trailing blank line
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/labelmap.txt", labels + "\n").ok());
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/sheeps.mp4", "not decoded here").ok());
    auto lib = prompt::PromptLibrary::LoadDefault();
    ASSERT_TRUE(lib.ok()) << lib.error().message;
    lib_ = std::move(*lib);
  }
  void TearDown() override { util::RemoveTree(dir_); }

  void WriteModel(tfl::DType input_type, bool count_first = false) {
    auto saved = tfl::SaveModel(DetectorModel(input_type, count_first), dir_ + "/detect.tflite");
    ASSERT_TRUE(saved.ok()) << saved.error().message;
  }

  config::ProjectConfig Project(const std::string& device, const std::string& application = "") {
    auto cfg = config::ParseProjectConfig(
        "version: 1\n" + application +
            "edge:\n"
            "  device: " +
            device +
            "\n"
            "  model: {file: detect.tflite, as: "
            "/home/mendel/tinyml_autopilot/models/edgetpu_detect.tflite}\n"
            "  labels: {file: labelmap.txt, as: models/labelmap.txt}\n"
            "  input: {file: sheeps.mp4, as: data/sheeps.mp4}\n"
            "  output: results/sheeps_detections.mp4\n"
            "  threshold: 0.4\n",
        dir_ + "/p.yaml", dir_);
    EXPECT_TRUE(cfg.ok()) << (cfg.ok() ? "" : cfg.error().message);
    return cfg.ok() ? *cfg : config::ProjectConfig{};
  }

  std::string dir_;
  prompt::PromptLibrary lib_;
};

TEST_F(EdgeFactsTest, FactsComeFromTheModelAndLabelsAndNameTheScriptsPaths) {
  auto f = EdgeFacts(Project("raspberry_pi_4b"), "psg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  const json& j = *f;
  EXPECT_EQ(j["model"]["path"], "/home/mendel/tinyml_autopilot/models/edgetpu_detect.tflite");
  EXPECT_EQ(j["labels"]["path"], "models/labelmap.txt");
  EXPECT_EQ(j["input"]["path"], "data/sheeps.mp4");
  EXPECT_EQ(j["output"]["path"], "results/sheeps_detections.mp4");
  EXPECT_EQ(j["model"]["input"]["dtype"], "uint8");
  EXPECT_EQ(j["model"]["input"]["shape"], "[1, 300, 300, 3]");
  EXPECT_EQ(j["model"]["input"]["height"], 300);
  EXPECT_EQ(j["model"]["input"]["width"], 300);
  EXPECT_EQ(j["model"]["input"]["scale"], "0.0078125");
  EXPECT_EQ(j["model"]["input"]["zero_point"], "128");
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), 0.4);
  EXPECT_EQ(j["labels"]["count"], 12);
  json preview = json::array();
  for (size_t i = 0; i < 10; ++i) preview.push_back(kLabels[i]);
  EXPECT_EQ(j["labels"]["preview"], preview);  // the first ten, CR stripped
  // The outputs sentence: the operator's order, the shapes it allocates (10 detections), the
  // label lookup for a file without a placeholder line.
  const std::string outputs = j["model"]["outputs"];
  EXPECT_NE(outputs.find("output 0 (float32, shape [1, 10, 4]) boxes"), std::string::npos)
      << outputs;
  EXPECT_NE(outputs.find("output 1 (float32, shape [1, 10]) classes"), std::string::npos)
      << outputs;
  EXPECT_NE(outputs.find("output 2 (float32, shape [1, 10]) scores"), std::string::npos) << outputs;
  EXPECT_NE(outputs.find("output 3 (float32, shape [1]) count"), std::string::npos) << outputs;
  EXPECT_NE(outputs.find("labels[int(k)]"), std::string::npos) << outputs;
  EXPECT_EQ(j["app"]["name"],
            "object detection on a video file");  // edge default, not the fruit one
  EXPECT_NE(j["output"]["description"].get<std::string>().find("mp4v"), std::string::npos);
}

TEST_F(EdgeFactsTest, TheDeviceDecidesRuntimeAndDelegate) {
  auto pi = EdgeFacts(Project("raspberry_pi_4b"), "psg");
  auto coral = EdgeFacts(Project("coral_dev_board"), "tpusg");
  ASSERT_TRUE(pi.ok() && coral.ok());
  EXPECT_EQ((*pi)["device"]["name"], "Raspberry Pi 4B");
  EXPECT_EQ((*pi)["device"]["delegate"], "none — CPU only");
  EXPECT_NE((*pi)["device"]["runtime"].get<std::string>().find("ai_edge_litert"),
            std::string::npos);
  EXPECT_EQ((*coral)["device"]["name"], "Coral Dev Board");
  const std::string delegate = (*coral)["device"]["delegate"];
  for (const char* lib :
       {"load_delegate('libedgetpu.so.1')", "'libedgetpu.so.1.0'",
        "'/usr/lib/aarch64-linux-gnu/libedgetpu.so.1.0'", "experimental_delegates"}) {
    EXPECT_NE(delegate.find(lib), std::string::npos) << lib << " in " << delegate;
  }
  EXPECT_NE((*coral)["device"]["runtime"].get<std::string>().find("pycoral"), std::string::npos);
  EXPECT_NE((*coral)["python"]["modules"].get<std::string>().find("tflite_runtime"),
            std::string::npos);
  for (const auto* f : {&*pi, &*coral}) {
    EXPECT_NE((*f)["device"]["runtime"].get<std::string>().find("Headless"), std::string::npos);
  }
}

TEST_F(EdgeFactsTest, RenderEveryFormatOfBothStagesAndNeverAskForAccuracy) {
  for (const auto& [device, stage] :
       {std::pair{"raspberry_pi_4b", "psg"}, {"coral_dev_board", "tpusg"}}) {
    auto f = EdgeFacts(Project(device), stage);
    ASSERT_TRUE(f.ok()) << f.error().message;
    for (const auto& format : prompt::KnownFormats()) {
      auto task = lib_.RenderTask(stage, format, *f);
      ASSERT_TRUE(task.ok()) << stage << "/" << format << ": " << task.error().message;
      EXPECT_NE(task->user.find("/home/mendel/tinyml_autopilot/models/edgetpu_detect.tflite"),
                std::string::npos);
      EXPECT_NE(task->user.find("traffic light"), std::string::npos) << stage << "/" << format;
      EXPECT_EQ(task->user.find("fire hydrant"), std::string::npos) << "only ten labels are shown";
      // No accuracy metric without ground truth: the prompt says so instead of asking for mAP.
      EXPECT_NE(task->user.find("ground truth"), std::string::npos) << stage << "/" << format;
      json repair = *f;
      repair["repair"] = {{"attempt", 1},
                          {"layer", "run"},
                          {"code", "runtime.value_error"},
                          {"diagnostics", {"ValueError: x"}},
                          {"previous_code", "print(1)"},
                          {"repeated", false}};
      auto r = lib_.RenderRepair(stage, format, repair);
      EXPECT_TRUE(r.ok()) << stage << "/" << format << ": " << (r.ok() ? "" : r.error().message);
    }
  }
}

TEST_F(EdgeFactsTest, OutputRolesFollowTheOperatorAndFloatInputsHaveNoQuantization) {
  WriteModel(tfl::DType::kFloat32, /*count_first=*/true);
  auto f = EdgeFacts(Project("raspberry_pi_4b"), "psg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ((*f)["model"]["input"]["dtype"], "float32");
  EXPECT_EQ((*f)["model"]["input"]["scale"], "none (float)");
  EXPECT_EQ((*f)["model"]["input"]["zero_point"], "none (float)");
  const std::string outputs = (*f)["model"]["outputs"];
  EXPECT_NE(outputs.find("output 0 (float32, shape [1]) count"), std::string::npos) << outputs;
  EXPECT_NE(outputs.find("output 3 (float32, shape [1, 10, 4]) boxes"), std::string::npos)
      << outputs;
}

TEST_F(EdgeFactsTest, ApplicationSettingsWinAndAPlaceholderLabelShiftsTheLookup) {
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/labelmap.txt", "???\nperson\nbicycle\n").ok());
  auto f = EdgeFacts(Project("coral_dev_board",
                             "application:\n  name: sheep counter\n  description: count sheep\n"),
                     "tpusg");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ((*f)["app"]["name"], "sheep counter");
  EXPECT_EQ((*f)["app"]["description"], "count sheep");
  EXPECT_EQ((*f)["labels"]["count"], 3);
  EXPECT_EQ((*f)["labels"]["preview"], json::array({"???", "person", "bicycle"}));
  EXPECT_NE((*f)["model"]["outputs"].get<std::string>().find("labels[int(k) + 1]"),
            std::string::npos);
}

TEST_F(EdgeFactsTest, ErrorsNameTheFileOrTheMissingSection) {
  config::ProjectConfig cfg = Project("raspberry_pi_4b");
  std::filesystem::remove(dir_ + "/labelmap.txt");
  auto no_labels = EdgeFacts(cfg, "psg");
  ASSERT_FALSE(no_labels.ok());
  EXPECT_NE(no_labels.error().message.find(dir_ + "/labelmap.txt"), std::string::npos)
      << no_labels.error().message;
  EXPECT_NE(no_labels.error().message.find("edge.labels"), std::string::npos);

  std::filesystem::remove(dir_ + "/detect.tflite");
  auto no_model = EdgeFacts(cfg, "psg");
  ASSERT_FALSE(no_model.ok());
  EXPECT_NE(no_model.error().message.find(dir_ + "/detect.tflite"), std::string::npos)
      << no_model.error().message;

  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/detect.tflite", "not a model").ok());
  auto bad_model = EdgeFacts(cfg, "psg");
  ASSERT_FALSE(bad_model.ok());
  EXPECT_NE(bad_model.error().message.find(dir_ + "/detect.tflite"), std::string::npos)
      << bad_model.error().message;

  auto plain = config::ParseProjectConfig("version: 1\n", dir_ + "/p.yaml", dir_);
  ASSERT_TRUE(plain.ok());
  auto no_section = EdgeFacts(*plain, "tpusg");
  ASSERT_FALSE(no_section.ok());
  EXPECT_NE(no_section.error().message.find("edge:"), std::string::npos)
      << no_section.error().message;
  EXPECT_FALSE(EdgeFacts(cfg, "sg").ok());
}

// Contracts on: preprocess and decode appear in every format of both stages, with the model's
// input size and the output order the post-processing operator really has.
TEST_F(EdgeFactsTest, ContractsAppearInEveryFormatWithTheModelsOutputOrder) {
  WriteModel(tfl::DType::kFloat32, /*count_first=*/true);
  for (auto [device, stage] : {std::pair{"raspberry_pi_4b", "psg"}, std::pair{"coral_dev_board", "tpusg"}}) {
    config::ProjectConfig cfg = Project(device);
    cfg.contracts.enabled = true;
    auto f = EdgeFacts(cfg, stage);
    ASSERT_TRUE(f.ok()) << f.error().message;
    json facts = *f;
    ASSERT_TRUE(AddContractFacts(cfg, stage, {}, &facts).ok());
    auto set = LoadContracts(cfg, stage, {});
    ASSERT_TRUE(set.ok()) << set.error().message;
    ASSERT_EQ(set->functions.size(), 2u);
    EXPECT_NE(set->functions[0].doc.find("[1, 300, 300, 3] of dtype float32"), std::string::npos) << set->functions[0].doc;
    EXPECT_NE(set->functions[1].doc.find("(count [1], scores [1, N], classes [1, N], boxes [1, N, 4])"), std::string::npos) << set->functions[1].doc;
    for (const auto& fmt : prompt::KnownFormats()) {
      auto p = lib_.RenderTask(stage, fmt, facts);
      ASSERT_TRUE(p.ok()) << stage << "/" << fmt << ": " << p.error().message;
      for (const auto& fn : set->functions) EXPECT_NE(p->user.find(fn.signature), std::string::npos) << stage << "/" << fmt;
    }
  }
}

}  // namespace
}  // namespace autopilot::stage
