// End-to-end: real g++ builds and runs on the virtual board (first use compiles the SDK cache).

#include "autopilot/board/host_build.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "autopilot/board/board_run.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {

const char* kGoodSketch = R"(#include <TensorFlowLite.h>
#include "model.h"
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>
#include <Arduino_APDS9960.h>

const char* kNames[] = {"Apple", "Banana", "Orange"};
tflite::MicroErrorReporter reporter;
tflite::AllOpsResolver resolver;
tflite::MicroInterpreter* interpreter = nullptr;
alignas(16) uint8_t arena[8192];

void setup() {
  Serial.begin(9600);
  while (!Serial) {}
  if (!APDS.begin()) { while (1) delay(100); }
  const tflite::Model* m = tflite::GetModel(model);
  if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }
  interpreter = new tflite::MicroInterpreter(m, resolver, arena, sizeof(arena), &reporter);
  if (interpreter->AllocateTensors() != kTfLiteOk) { Serial.println("alloc failed"); while (1) delay(100); }
}

void loop() {
  if (!APDS.proximityAvailable() || APDS.readProximity() != 0) { delay(20); return; }
  while (!APDS.colorAvailable()) delay(5);
  int r, g, b, c;
  APDS.readColor(r, g, b, c);
  float sum = r + g + b;
  TfLiteTensor* in = interpreter->input(0);
  in->data.f[0] = r / sum; in->data.f[1] = g / sum; in->data.f[2] = b / sum;
  interpreter->Invoke();
  TfLiteTensor* out = interpreter->output(0);
  int best = 0;
  for (int i = 1; i < 3; i++) if (out->data.f[i] > out->data.f[best]) best = i;
  Serial.println(kNames[best]);
  while (APDS.proximityAvailable() && APDS.readProximity() == 0) delay(50);
  delay(200);
}
)";

class boardHostBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = LoadProfile("harvard_tinymlx");
    ASSERT_TRUE(p.ok()) << p.error().message;
    profile_ = *p;
    auto tmp = util::MakeTempDir("board-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
    auto bytes = tflite::SerializeModel(StudyEquivalentModel());
    ASSERT_TRUE(bytes.ok());
    header_ = dir_ + "/model.h";
    ASSERT_TRUE(util::WriteFileAtomic(header_, ModelHeaderText(*bytes, "model", "")).ok());
  }
  void TearDown() override { util::RemoveTree(dir_); }

  BuildResult Build(const std::string& source, const std::string& name) {
    std::string path = dir_ + "/" + name + ".ino";
    EXPECT_TRUE(util::WriteFileAtomic(path, source).ok());
    BuildRequest req;
    req.sketch_path = path;
    req.model_header = header_;
    req.workdir = dir_ + "/" + name;
    auto r = BuildSketch(profile_, req, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : BuildResult{};
  }

  RunReport Run(const BuildResult& b) {
    RunOptions o;
    o.scenario_path = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
    auto r = RunSketch(b, o, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : RunReport{};
  }

  Profile profile_;
  std::string dir_;
  std::string header_;
  exec::SandboxRunner runner_;
};

TEST_F(boardHostBuild, CorrectSketchCompilesRunsAndPasses) {
  BuildResult b = Build(kGoodSketch, "good");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  RunReport r = Run(b);
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.verdict, "pass") << r.reason << "\n" << r.serial;
  EXPECT_EQ(r.samples.size(), 6u);
  EXPECT_GE(r.invokes, 6);
}

TEST_F(boardHostBuild, HallucinatedApisFailLikeOnHardware) {
  std::string enable_color = kGoodSketch;
  enable_color.replace(enable_color.find("APDS.begin()"), 12, "APDS.enableColor()");
  BuildResult b = Build(enable_color, "enable_color");
  EXPECT_FALSE(b.compiled);
  EXPECT_EQ(b.primary_code, "build.api_mismatch");

  BuildResult g = Build("#include <TensorFlowLite.h>\n#include \"model.h\"\nvoid setup(){ tflite::GetModel(g_model); }\nvoid loop(){}\n", "gmodel");
  EXPECT_FALSE(g.compiled);
  EXPECT_EQ(g.primary_code, "build.undeclared");

  // Nested TFLM headers before the library's top-level header are not found (library discovery).
  BuildResult n = Build("#include <tensorflow/lite/micro/all_ops_resolver.h>\n#include <TensorFlowLite.h>\nvoid setup(){}\nvoid loop(){}\n", "nested");
  EXPECT_FALSE(n.compiled);
  EXPECT_EQ(n.primary_code, "build.missing_header");

  // The current port's 4-argument constructor does not exist in the classic API.
  std::string four = kGoodSketch;
  four.replace(four.find(", &reporter)"), 12, ")");
  BuildResult f = Build(four, "four_args");
  EXPECT_FALSE(f.compiled);
  EXPECT_EQ(f.primary_code, "build.api_mismatch");

  BuildResult top = Build("#include <Arduino.h>\nint x = 1;\nif (x) { x = 2; }\nvoid setup(){}\nvoid loop(){}\n", "toplevel");
  EXPECT_FALSE(top.compiled);
  EXPECT_EQ(top.primary_code, "build.toplevel_statement");
  ASSERT_FALSE(top.diagnostics.empty());
  EXPECT_EQ(top.diagnostics[0].line, 3);  // #line points into the .ino
}

TEST_F(boardHostBuild, SketchThatNeverInvokesIsNoInference) {
  BuildResult b = Build("#include <Arduino_APDS9960.h>\nvoid setup(){ Serial.begin(9600); APDS.begin(); }\n"
                        "void loop(){ int r,g,b; if (APDS.colorAvailable()) { APDS.readColor(r,g,b); Serial.println(\"Apple\"); } delay(100); }\n",
                        "noinfer");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  RunReport r = Run(b);
  EXPECT_EQ(r.verdict, "fail");
  ASSERT_FALSE(r.samples.empty());
  EXPECT_EQ(r.samples[0].verdict, "semantic.no_inference");
}

TEST_F(boardHostBuild, CrashAndHangAreContained) {
  BuildResult crash = Build("void setup(){ volatile int* p = nullptr; *p = 1; }\nvoid loop(){}\n", "crash");
  ASSERT_TRUE(crash.compiled) << crash.compiler_output;
  RunReport rc = Run(crash);
  EXPECT_FALSE(rc.ran);
  EXPECT_NE(std::find(rc.codes.begin(), rc.codes.end(), "runtime.crash"), rc.codes.end());

  BuildResult hang = Build("void setup(){ volatile int x = 0; while (true) { x++; } }\nvoid loop(){}\n", "hang");
  ASSERT_TRUE(hang.compiled);
  RunOptions o;
  o.scenario_path = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
  o.wall_timeout_s = 1;
  auto rh = RunSketch(hang, o, &runner_);
  ASSERT_TRUE(rh.ok());
  EXPECT_NE(std::find(rh->codes.begin(), rh->codes.end(), "runtime.timeout"), rh->codes.end());
}

TEST_F(boardHostBuild, CorpusSampleAgreesWithTheRealToolchain) {
  std::string manifest = std::string(AUTOPILOT_SHARED_DIR) + "/corpus/manifest.jsonl";
  if (!util::PathExists(manifest)) GTEST_SKIP() << "corpus not present at " << AUTOPILOT_SHARED_DIR;
  // A small fixed sample: the compiled sketches of one run and two classic failures.
  const char* items[][2] = {{"02.03_gpt5-MPU__a2812aef__code_a2.ino", "pass"},
                            {"02.02_qw32_MCU__02a25177__code_a1.ino", "fail"},
                            {"02.02_qw32_MCU__02a25177__code_a2.ino", "fail"}};
  for (const auto& it : items) {
    std::string path = std::string(AUTOPILOT_SHARED_DIR) + "/corpus/sg_sketches/" + it[0];
    if (!util::PathExists(path)) GTEST_SKIP() << path << " missing";
    BuildRequest req;
    req.sketch_path = path;
    req.model_header = header_;
    req.workdir = dir_ + "/corpus_" + std::string(it[1]) + std::to_string(&it - &items[0]);
    auto r = BuildSketch(profile_, req, &runner_);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->compiled, std::string(it[1]) == "pass") << it[0] << "\n" << r->compiler_output;
  }
}

}  // namespace
}  // namespace autopilot::board
