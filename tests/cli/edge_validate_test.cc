// `autopilot validate --stage psg|tpusg`: the edge chain on the hand-written reference script and
// on copies of it broken one way each, run for real on the virtual Raspberry Pi / Coral (the
// synthetic detector and video of `autopilot edge example`).

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "the reference script lacks: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

class EdgeValidate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(*util::MakeTempDir("ap-edge-validate-"));
    auto r = test::RunCli({"edge", "example", *dir_, "--frames", "12"}, {{}, "", 120});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    reference_ = new std::string(*util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/edge/reference_psg.py"));
    WriteProject("pi.yaml", "raspberry_pi_4b", false);
    WriteProject("coral.yaml", "coral_dev_board", true);
  }
  static void TearDownTestSuite() {
    util::RemoveTree(*dir_);
    delete dir_;
    delete reference_;
  }

  /// Pi: the study's relative paths. Coral: the study's absolute /home/mendel paths.
  static void WriteProject(const std::string& name, const std::string& device, bool absolute) {
    const std::string root = absolute ? "/home/mendel/tinyml_autopilot/" : "";
    auto entry = [&](const std::string& key, const std::string& rel) {
      return "  " + key + ": {file: " + rel + ", as: " + root + rel + "}\n";
    };
    std::ofstream(*dir_ + "/" + name) << "version: 1\n"
                                      << "paths:\n  work_dir: " << *dir_ << "/work\n"
                                      << "sandbox:\n  timeout_s: 20\n"
                                      << "edge:\n  device: " << device << "\n"
                                      << entry("model", "models/ssd-mobilenet_v1/detect.tflite")
                                      << entry("labels", "models/ssd-mobilenet_v1/labelmap.txt")
                                      << entry("input", "data/object_detection/sheeps.mp4")
                                      << "  output: " << root
                                      << "results/object_detection/test_results/sheeps_detections.mp4\n"
                                      << "  threshold: 0.5\n  validation_frames: 12\n";
  }

  json Validate(const std::string& stage, const std::string& script, int* code = nullptr) {
    const std::string file = *dir_ + "/script_" + std::to_string(counter_++) + ".py";
    EXPECT_TRUE(util::WriteFileAtomic(file, script).ok());
    const std::string project = *dir_ + (stage == "tpusg" ? "/coral.yaml" : "/pi.yaml");
    auto r = test::RunCli({"--json", "validate", "--stage", stage, "--project", project, file}, {{}, "", 180});
    if (code) *code = r.code;
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc.is_discarded() ? json::object() : doc;
  }

  static std::string Codes(const json& doc) {
    std::string s;
    for (const auto& c : doc.value("codes", json::array())) s += c.get<std::string>() + " ";
    return s + doc.dump();
  }
  static bool Has(const json& doc, const std::string& code) {
    for (const auto& c : doc.value("codes", json::array())) {
      if (c == code) return true;
    }
    return false;
  }
  static std::string FailedLayer(const json& doc) {
    for (const auto& l : doc.value("layers", json::array())) {
      if (!l.value("passed", true)) return l.value("layer", "");
    }
    return "";
  }

  /// The reference made a Coral script: pycoral-free, the Edge TPU delegate, the absolute paths.
  static std::string CoralScript() {
    std::string s = *reference_;
    s = Replace(s, "from ai_edge_litert.interpreter import Interpreter",
                "from tflite_runtime.interpreter import Interpreter, load_delegate");
    s = Replace(s, "interpreter = Interpreter(model_path=MODEL_PATH)",
                "interpreter = Interpreter(model_path=MODEL_PATH, "
                "experimental_delegates=[load_delegate('libedgetpu.so.1')])");
    for (const char* p : {"\"models/ssd-mobilenet_v1/detect.tflite\"", "\"models/ssd-mobilenet_v1/labelmap.txt\"",
                          "\"data/object_detection/sheeps.mp4\"",
                          "\"results/object_detection/test_results/sheeps_detections.mp4\""}) {
      std::string q = p;
      s = Replace(s, q, "\"/home/mendel/tinyml_autopilot/" + q.substr(1));
    }
    return s;
  }

  static std::string* dir_;
  static std::string* reference_;
  int counter_ = 0;
};
std::string* EdgeValidate::dir_ = nullptr;
std::string* EdgeValidate::reference_ = nullptr;

TEST_F(EdgeValidate, TheReferenceScriptPassesEveryLayer) {
  int code = -1;
  json doc = Validate("psg", *reference_, &code);
  EXPECT_EQ(code, 0) << doc.dump(2);
  EXPECT_TRUE(doc.value("passed", false)) << doc.dump(2);
  ASSERT_EQ(doc["layers"].size(), 4u) << doc.dump(2);  // format, static, run, semantic
  EXPECT_EQ(doc["layers"][3]["layer"], "semantic");
  EXPECT_TRUE(doc["warnings"].empty());
}

TEST_F(EdgeValidate, FramesFedInBgrOrderAreTheWrongInput) {
  json doc = Validate("psg", Replace(*reference_, "cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)", "frame"));
  EXPECT_EQ(FailedLayer(doc), "semantic") << Codes(doc);
  EXPECT_TRUE(Has(doc, "semantic.wrong_input")) << Codes(doc);
  EXPECT_NE(doc.dump().find("BGR"), std::string::npos);
}

TEST_F(EdgeValidate, BoxesScaledWithSwappedAxesAreNotTheModelsDetections) {
  std::string s = Replace(*reference_, "ymin, xmin, ymax, xmax = boxes[i]", "xmin, ymin, xmax, ymax = boxes[i]");
  json doc = Validate("psg", s);
  EXPECT_TRUE(Has(doc, "semantic.wrong_output")) << Codes(doc);
}

TEST_F(EdgeValidate, AVideoNeverWrittenIsMissingAndAShortOneIsInvalid) {
  json missing = Validate("psg", Replace(*reference_, "writer.write(frame)\n", "pass\n"));
  EXPECT_EQ(FailedLayer(missing), "semantic") << Codes(missing);
  EXPECT_TRUE(Has(missing, "semantic.artifact_missing") || Has(missing, "semantic.artifact_invalid")) << Codes(missing);
  json shorter = Validate("psg", Replace(*reference_, "writer.write(frame)\n", "if frames % 2 == 0:\n            writer.write(frame)\n"));
  EXPECT_TRUE(Has(shorter, "semantic.artifact_invalid")) << Codes(shorter);
  EXPECT_NE(shorter.dump().find("frame(s)"), std::string::npos) << shorter.dump();
}

TEST_F(EdgeValidate, AScriptThatNeverInvokesTheModelIsCaught) {
  json doc = Validate("psg", Replace(*reference_, "interpreter.invoke()", "pass"));
  EXPECT_TRUE(Has(doc, "semantic.no_inference")) << Codes(doc);
}

TEST_F(EdgeValidate, AnInventedMapIsAWarningNotAPass) {
  json doc = Validate("psg", Replace(*reference_, "    print(\"annotated", "    print(\"mAP: 0.87\")\n    print(\"annotated"));
  EXPECT_TRUE(doc.value("passed", false)) << doc.dump(2);
  ASSERT_EQ(doc["warnings"].size(), 1u) << doc.dump(2);
  EXPECT_NE(doc["warnings"][0].get<std::string>().find("mAP: 0.87"), std::string::npos);
}

// TAXONOMY.md's boundary rules: a GUI window on a headless device is runtime.api_misuse (#16).
TEST_F(EdgeValidate, AWindowOnTheHeadlessDeviceIsApiMisuse) {
  json doc = Validate("psg", Replace(*reference_, "writer.write(frame)\n", "writer.write(frame)\n        cv2.imshow('out', frame)\n        cv2.waitKey(1)\n"));
  EXPECT_EQ(FailedLayer(doc), "run") << Codes(doc);
  EXPECT_TRUE(Has(doc, "runtime.api_misuse")) << Codes(doc);
  // The Coral Dev Board has a desktop: the same window opens there.
  json coral = Validate("tpusg", Replace(CoralScript(), "writer.write(frame)\n", "writer.write(frame)\n        cv2.imshow('out', frame)\n        cv2.waitKey(1)\n"));
  EXPECT_TRUE(coral.value("passed", false)) << Codes(coral);
}

TEST_F(EdgeValidate, HangsFloodsAndHugeWritesAreContained) {
  json hang = Validate("psg", Replace(*reference_, "def main():\n", "def main():\n    while True:\n        pass\n"));
  EXPECT_TRUE(Has(hang, "runtime.timeout")) << Codes(hang);
  json flood = Validate("psg", Replace(*reference_, "def main():\n", "def main():\n    for _ in range(3000000):\n        print('x' * 80)\n    raise ValueError('done flooding')\n"));
  EXPECT_EQ(FailedLayer(flood), "run") << Codes(flood);
  EXPECT_LT(flood.dump().size(), 200000u) << "the flood reached the verdict";
  json huge = Validate("psg", Replace(*reference_, "def main():\n", "def main():\n    with open('big.bin', 'wb') as f:\n        for _ in range(1100):\n            f.write(b'\\0' * (1 << 20))\n"));
  EXPECT_TRUE(Has(huge, "runtime.resource_limit")) << Codes(huge);
}

TEST_F(EdgeValidate, UnguardedMissingPackagesFailStaticGuardedOnesDoNot) {
  json torch = Validate("psg", Replace(*reference_, "import cv2\n", "import cv2\nimport torch\n"));
  EXPECT_EQ(FailedLayer(torch), "static") << Codes(torch);
  EXPECT_TRUE(Has(torch, "env.toolchain_missing")) << Codes(torch);
  // The study's devices had TensorFlow (tf.lite): a script using it runs.
  json tf = Validate("psg", Replace(Replace(*reference_, "from ai_edge_litert.interpreter import Interpreter",
                                            "import tensorflow as tf"),
                                    "interpreter = Interpreter(model_path=MODEL_PATH)",
                                    "interpreter = tf.lite.Interpreter(model_path=MODEL_PATH)"));
  EXPECT_TRUE(tf.value("passed", false)) << Codes(tf);
  // A package the host has for other stages (pandas) is not on the board, even when guarded.
  json pandas = Validate("psg", Replace(*reference_, "def main():\n", "def main():\n    import pandas\n"));
  EXPECT_EQ(FailedLayer(pandas), "run") << Codes(pandas);
  EXPECT_NE(pandas.dump().find("No module named 'pandas'"), std::string::npos) << pandas.dump();
  json invented = Validate("psg", Replace(*reference_, "import cv2\n", "import cv2\nimport tflite_helpers_pro\n"));
  EXPECT_TRUE(Has(invented, "runtime.import")) << Codes(invented);
  json guarded = Validate("psg", Replace(*reference_, "import cv2\n", "import cv2\ntry:\n    import torch\nexcept ImportError:\n    torch = None\n"));
  EXPECT_TRUE(guarded.value("passed", false)) << Codes(guarded);
}

TEST_F(EdgeValidate, TheCoralRunsTheDelegateAtTheAbsolutePathsAndThePiCannot) {
  json coral = Validate("tpusg", CoralScript());
  EXPECT_TRUE(coral.value("passed", false)) << coral.dump(2);
  // The same Edge TPU script on the Pi: the delegate library is not there.
  std::string on_pi = Replace(*reference_, "from ai_edge_litert.interpreter import Interpreter",
                              "from tflite_runtime.interpreter import Interpreter, load_delegate");
  on_pi = Replace(on_pi, "interpreter = Interpreter(model_path=MODEL_PATH)",
                  "interpreter = Interpreter(model_path=MODEL_PATH, "
                  "experimental_delegates=[load_delegate('libedgetpu.so.1')])");
  json pi = Validate("psg", on_pi);
  EXPECT_EQ(FailedLayer(pi), "run") << Codes(pi);
  EXPECT_NE(pi.dump().find("libedgetpu.so.1"), std::string::npos) << pi.dump();
  // On the Coral, running on the CPU is not what the stage asks for.
  std::string cpu = Replace(CoralScript(), ", experimental_delegates=[load_delegate('libedgetpu.so.1')]", "");
  json cpu_doc = Validate("tpusg", cpu);
  EXPECT_TRUE(Has(cpu_doc, "runtime.api_misuse")) << Codes(cpu_doc);
}

TEST_F(EdgeValidate, TheWrongDeviceOrNoEdgeSectionIsAClearError) {
  const std::string plain = *dir_ + "/plain.yaml";
  std::ofstream(plain) << "version: 1\npaths:\n  work_dir: " << *dir_ << "/work\n";
  const std::string file = *dir_ + "/ref.py";
  ASSERT_TRUE(util::WriteFileAtomic(file, *reference_).ok());
  auto r = test::RunCli({"--json", "validate", "--stage", "psg", "--project", plain, file}, {{}, "", 60});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("no edge: section"), std::string::npos) << r.out;
  auto wrong = test::RunCli({"--json", "validate", "--stage", "tpusg", "--project", *dir_ + "/pi.yaml", file}, {{}, "", 60});
  EXPECT_NE(wrong.out.find("coral_dev_board"), std::string::npos) << wrong.out;
}

// A script whose own preprocessing raises: its size or details variables hold a string (the
// shape the study's config rewrite left in some scripts; here the script wrote it itself). The
// traceback is the script's, so the run layer says which runtime failure it is, never harness.bug.
std::string BrokenPreprocessing(const std::string& model, const std::string& video, const std::string& setup,
                                const std::string& delegate, const std::string& size = "(side_w, side_h)") {
  return "import cv2\n"
         "import numpy as np\n"
         "from tflite_runtime.interpreter import Interpreter" + std::string(delegate.empty() ? "" : ", load_delegate") + "\n"
         "\n"
         "interpreter = Interpreter(model_path=\"" + model + "\"" + delegate + ")\n"
         "interpreter.allocate_tensors()\n"
         "input_details = interpreter.get_input_details()\n"
         "side_w = int(input_details[0]['shape'][2])\n"
         "side_h = int(input_details[0]['shape'][1])\n" +
         setup +
         "\n"
         "def prepare(frame):\n"
         "    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)\n"
         "    small = cv2.resize(rgb, " + size + ")\n"
         "    return np.expand_dims(small, 0)\n"
         "\n"
         "cap = cv2.VideoCapture(\"" + video + "\")\n"
         "ok, frame = cap.read()\n"
         "interpreter.set_tensor(input_details[0]['index'], prepare(frame))\n"
         "interpreter.invoke()\n";
}

TEST_F(EdgeValidate, ATracebackInTheScriptsOwnPreprocessingIsTheScriptsFailure) {
  const std::string pi_model = "models/ssd-mobilenet_v1/detect.tflite", pi_video = "data/object_detection/sheeps.mp4";
  const std::string coral_model = "/home/mendel/tinyml_autopilot/" + pi_model;
  const std::string coral_video = "/home/mendel/tinyml_autopilot/" + pi_video;
  const std::string tpu = ", experimental_delegates=[load_delegate('libedgetpu.so.1')]";
  struct Case {
    std::string stage, script, message;
  };
  const std::vector<Case> cases = {
      // cv2.error "Can't parse 'dsize'": a size that holds a name.
      {"psg", BrokenPreprocessing(pi_model, pi_video, "side_h = \"ssd-mobilenet_v1\"\n", ""), "cv2.error"},
      // int() of an LLM's name: the shape the study's rewrite left most often.
      {"tpusg",
       BrokenPreprocessing(coral_model, coral_video, "side_h = \"gpt-5-2025-08-07\"\n", tpu,
                           "(int(side_w), int(side_h))"),
       "invalid literal for int()"},
      // A number written as text in the size (the Coral's resize passes the tuple on; OpenCV rejects it).
      {"tpusg", BrokenPreprocessing(coral_model, coral_video, "side_w = \"300\"\n", tpu), ""},
      // Interpreter details replaced by a path, then indexed.
      {"psg", BrokenPreprocessing(pi_model, pi_video, "input_details = \"" + pi_model + "\"\n", ""),
       "string indices must be integers"},
  };
  for (const auto& c : cases) {
    json doc = Validate(c.stage, c.script);
    EXPECT_EQ(FailedLayer(doc), "run") << Codes(doc);
    EXPECT_FALSE(Has(doc, "harness.bug")) << Codes(doc);
    bool runtime = false;
    for (const auto& code : doc.value("codes", json::array())) {
      runtime = runtime || util::StartsWith(code.get<std::string>(), "runtime.");
    }
    EXPECT_TRUE(runtime) << Codes(doc);
    if (!c.message.empty()) {
      EXPECT_NE(doc.dump().find(c.message), std::string::npos) << doc.dump();
    }
  }
}

TEST_F(EdgeValidate, CorruptProjectFilesAreNamedNotBlamedOnTheScript) {
  // A copy of the project whose model, then video, is garbage.
  const std::string bad = *dir_ + "/bad";
  auto r = test::RunCli({"edge", "example", bad, "--frames", "4"}, {{}, "", 120});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ofstream(bad + "/pi.yaml") << "version: 1\npaths:\n  work_dir: " << bad << "/work\n"
                                  << "edge:\n  device: raspberry_pi_4b\n"
                                  << "  model: models/ssd-mobilenet_v1/detect.tflite\n"
                                  << "  labels: models/ssd-mobilenet_v1/labelmap.txt\n"
                                  << "  input: data/object_detection/sheeps.mp4\n"
                                  << "  output: results/out.mp4\n  validation_frames: 4\n";
  const std::string file = bad + "/ref.py";
  ASSERT_TRUE(util::WriteFileAtomic(file, *reference_).ok());
  auto validate = [&] {
    auto v = test::RunCli({"--json", "validate", "--stage", "psg", "--project", bad + "/pi.yaml", file}, {{}, "", 120});
    return json::parse(v.out, nullptr, false);
  };
  std::ofstream(bad + "/models/ssd-mobilenet_v1/detect.tflite", std::ios::trunc) << "not a flatbuffer at all";
  json model = validate();
  EXPECT_TRUE(Has(model, "env.misconfigured")) << Codes(model);
  EXPECT_NE(model.dump().find("edge.model"), std::string::npos) << model.dump();
  EXPECT_NE(model.dump().find("detect.tflite"), std::string::npos) << model.dump();
  r = test::RunCli({"edge", "example", bad, "--force", "--frames", "4"}, {{}, "", 120});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ofstream(bad + "/data/object_detection/sheeps.mp4", std::ios::trunc) << std::string(4096, 'x');
  json video = validate();
  EXPECT_TRUE(Has(video, "env.misconfigured")) << Codes(video);
  EXPECT_NE(video.dump().find("sheeps.mp4"), std::string::npos) << video.dump();
  EXPECT_FALSE(Has(video, "harness.bug")) << Codes(video);
}

}  // namespace
}  // namespace autopilot
