// End-to-end: real g++ builds and runs on the virtual board (first use compiles the SDK cache).

#include "autopilot/board/host_build.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "autopilot/board/board_run.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/sdk_tree.h"
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


// The current tflite-micro Arduino port (profile tflm_arduino): MicroPrintf, InitializeTarget,
// MicroMutableOpResolver, 4-argument MicroInterpreter, TFLITE_SCHEMA_VERSION from the interpreter.
const char* kModernSketch = R"(#include <TensorFlowLite.h>
#include "model.h"
#include <tensorflow/lite/micro/micro_mutable_op_resolver.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/micro/micro_log.h>
#include <tensorflow/lite/micro/system_setup.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <Arduino_APDS9960.h>

const char* kNames[] = {"Apple", "Banana", "Orange"};
tflite::MicroInterpreter* interpreter = nullptr;
alignas(16) uint8_t arena[8192];

void setup() {
  tflite::InitializeTarget();
  Serial.begin(9600);
  if (!APDS.begin()) { while (1) delay(100); }
  const tflite::Model* m = tflite::GetModel(model);
  if (m->version() != TFLITE_SCHEMA_VERSION) { MicroPrintf("schema %d", m->version()); while (1) delay(100); }
  static tflite::MicroMutableOpResolver<3> resolver;
  if (resolver.AddFullyConnected() != kTfLiteOk || resolver.AddSoftmax() != kTfLiteOk) { while (1) delay(100); }
  static tflite::MicroInterpreter static_interpreter(m, resolver, arena, sizeof(arena));
  interpreter = &static_interpreter;
  if (interpreter->AllocateTensors() != kTfLiteOk) { MicroPrintf("AllocateTensors() failed"); while (1) delay(100); }
}

void loop() {
  if (!APDS.proximityAvailable() || APDS.readProximity() != 0) { delay(20); return; }
  while (!APDS.colorAvailable()) delay(5);
  int r, g, b, c;
  APDS.readColor(r, g, b, c);
  float sum = r + g + b;
  TfLiteTensor* in = interpreter->input(0);
  in->data.f[0] = r / sum; in->data.f[1] = g / sum; in->data.f[2] = b / sum;
  if (interpreter->Invoke() != kTfLiteOk) { MicroPrintf("Invoke failed"); return; }
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
  void TearDown() override {
    for (const auto& b : builds_) RemoveBuild(b);
    util::RemoveTree(dir_);
  }

  BuildResult Build(const std::string& source, const std::string& name) {
    return BuildWith(profile_, source, name);
  }

  BuildResult BuildWith(const Profile& profile, const std::string& source, const std::string& name) {
    std::string path = dir_ + "/" + name + ".ino";
    EXPECT_TRUE(util::WriteFileAtomic(path, source).ok());
    BuildRequest req;
    req.sketch_path = path;
    req.model_header = header_;
    auto r = BuildSketch(profile, req, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return BuildResult{};
    builds_.push_back(*r);
    return *r;
  }

  RunReport Run(const BuildResult& b) {
    RunOptions o;
    o.scenario_path = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
    auto r = RunSketch(b, o, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : RunReport{};
  }

  Profile profile_;
  std::vector<BuildResult> builds_;
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
    auto r = BuildSketch(profile_, req, &runner_);
    ASSERT_TRUE(r.ok());
    builds_.push_back(*r);
    EXPECT_EQ(r->compiled, std::string(it[1]) == "pass") << it[0] << "\n" << r->compiler_output;
  }
}


TEST_F(boardHostBuild, ModernSketchBuildsAndPassesUnderTflmArduino) {
  auto arduino = LoadProfile("tflm_arduino");
  ASSERT_TRUE(arduino.ok()) << arduino.error().message;
  BuildResult b = BuildWith(*arduino, kModernSketch, "modern");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  EXPECT_EQ(b.libraries.front(), "Arduino_TensorFlowLite");
  RunReport r = Run(b);
  EXPECT_TRUE(r.ran);
  EXPECT_EQ(r.verdict, "pass") << r.reason << "\n" << r.serial;
  EXPECT_GE(r.invokes, 6);
  // The classic library has none of the port's headers.
  BuildResult classic = Build(kModernSketch, "modern_on_classic");
  EXPECT_FALSE(classic.compiled);
  EXPECT_EQ(classic.primary_code, "build.missing_header");
}

TEST_F(boardHostBuild, ClassicOnlyApiFailsUnderTflmArduino) {
  auto arduino = LoadProfile("tflm_arduino");
  ASSERT_TRUE(arduino.ok()) << arduino.error().message;
  // The classic sketch includes micro_error_reporter.h and all_ops_resolver.h: gone in the port.
  BuildResult classic = BuildWith(*arduino, kGoodSketch, "classic");
  EXPECT_FALSE(classic.compiled);
  EXPECT_EQ(classic.primary_code, "build.missing_header") << classic.compiler_output;

  std::string sketch = kModernSketch;
  auto swap = [](std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  };
  // MicroErrorReporter without its header: the type does not exist.
  BuildResult reporter = BuildWith(*arduino, swap(sketch, "alignas(16)", "tflite::MicroErrorReporter reporter;\nalignas(16)"), "reporter");
  EXPECT_FALSE(reporter.compiled);
  EXPECT_TRUE(reporter.primary_code == "build.undeclared" || reporter.primary_code == "build.api_mismatch")
      << reporter.primary_code << "\n" << reporter.compiler_output;

  // AllOpsResolver: no such class in the port.
  BuildResult all_ops = BuildWith(*arduino, swap(sketch, "static tflite::MicroMutableOpResolver<3> resolver;\n  if (resolver.AddFullyConnected() != kTfLiteOk || resolver.AddSoftmax() != kTfLiteOk) { while (1) delay(100); }",
                                                  "static tflite::AllOpsResolver resolver;"), "all_ops");
  EXPECT_FALSE(all_ops.compiled);
  EXPECT_TRUE(all_ops.primary_code == "build.undeclared" || all_ops.primary_code == "build.api_mismatch")
      << all_ops.primary_code << "\n" << all_ops.compiler_output;

  // The classic 5-argument constructor (an ErrorReporter* last): no matching constructor.
  std::string five = swap(sketch, "alignas(16)", "tflite::ErrorReporter* reporter = nullptr;\nalignas(16)");
  five = swap(five, "arena, sizeof(arena));", "arena, sizeof(arena), reporter);");
  BuildResult five_args = BuildWith(*arduino, five, "five_args");
  EXPECT_FALSE(five_args.compiled);
  EXPECT_EQ(five_args.primary_code, "build.api_mismatch") << five_args.compiler_output;

  // The classic resolver constructor took an ErrorReporter*; the port's takes nothing.
  std::string resolver_arg = swap(sketch, "MicroMutableOpResolver<3> resolver;", "MicroMutableOpResolver<3> resolver(nullptr);");
  BuildResult ra = BuildWith(*arduino, resolver_arg, "resolver_arg");
  EXPECT_FALSE(ra.compiled);
}

TEST_F(boardHostBuild, SdkCacheKeyFollowsTheSketchCompilersIdentity) {
  std::string gcc12 = "g++ (Debian 12.2.0-14) 12.2.0\n";
  std::string gcc13 = "g++ (Debian 13.2.0-4) 13.2.0\n";
  EXPECT_EQ(SdkCacheKey(profile_, gcc12), SdkCacheKey(profile_, gcc12));
  EXPECT_NE(SdkCacheKey(profile_, gcc12), SdkCacheKey(profile_, gcc13));
  // The identity in use is the sketch compiler's own --version, asked once and then reused.
  auto id = SketchCompilerIdentity(&runner_);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_NE(id->find("g++"), std::string::npos) << *id;
  EXPECT_EQ(SketchCompilerIdentity(nullptr).value(), *id);  // cached: the runner is not used again
  auto sdk = EnsureSdk(profile_, &runner_);
  ASSERT_TRUE(sdk.ok()) << sdk.error().message;
  EXPECT_EQ(*sdk, BoardCacheDir() + "/" + profile_.name + "-" + SdkCacheKey(profile_, *id));
}

// End to end through the exact mirror: a header deleted from the board data (as an overlay does
// to model an API the real library lacks) is gone from the mirror, so a sketch including it fails.
TEST_F(boardHostBuild, HeaderDeletedFromTheBoardDataFailsAfterTheMirror) {
  const std::string sketch =
      "#include <TensorFlowLite.h>\n#include <tensorflow/lite/version.h>\n"
      "int v = TFLITE_SCHEMA_VERSION;\nvoid setup() {}\nvoid loop() {}\n";
  BuildResult real = Build(sketch, "with_version");
  ASSERT_TRUE(real.compiled) << real.compiler_output;

  namespace fs = std::filesystem;
  auto tmp = util::MakeTempDir("mirror-test-", BoardCacheDir());
  ASSERT_TRUE(tmp.ok());
  struct Cleanup {
    std::string dir;
    ~Cleanup() { util::RemoveTree(dir); }
  } cleanup{*tmp};
  fs::permissions(*tmp, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec |
                            fs::perms::group_read | fs::perms::group_exec);
  std::string source = *tmp + "/source";
  std::string mirror = *tmp + "/mirror";
  fs::copy(BoardDataDir(), source, fs::copy_options::recursive);
  ASSERT_TRUE(MirrorTree(source, mirror).ok());
  const std::string header = "sdk/bases/tflm/src/tensorflow/lite/version.h";
  ASSERT_TRUE(util::PathExists(mirror + "/" + header));
  fs::remove(source + "/" + header);
  ASSERT_TRUE(MirrorTree(source, mirror).ok());
  EXPECT_FALSE(util::PathExists(mirror + "/" + header));

  auto profile = LoadProfileFrom(mirror, "harvard_tinymlx", BoardCacheDir());
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  BuildResult gone = BuildWith(*profile, sketch, "without_version");
  EXPECT_FALSE(gone.compiled);
  EXPECT_EQ(gone.primary_code, "build.missing_header") << gone.compiler_output;
  EXPECT_NE(gone.compiler_output.find("tensorflow/lite/version.h"), std::string::npos)
      << gone.compiler_output;
}

TEST_F(boardHostBuild, BuildsLiveInTheToolsWorkRootAndTouchNoOtherPermissions) {
  struct stat before {};
  ASSERT_EQ(::stat(dir_.c_str(), &before), 0);
  BuildResult b = Build("void setup(){}\nvoid loop(){}\n", "perms");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  EXPECT_EQ(b.workdir.rfind(BoardWorkRoot() + "/", 0), 0u) << b.workdir;
  struct stat after {};
  ASSERT_EQ(::stat(dir_.c_str(), &after), 0);
  EXPECT_EQ(before.st_mode, after.st_mode);  // the sketch's folder (0700) stays closed
  struct stat root {};
  ASSERT_EQ(::stat(BoardWorkRoot().c_str(), &root), 0);
  EXPECT_EQ(root.st_mode & 0777, 0711u);
  RemoveBuild(b);
  EXPECT_FALSE(util::PathExists(b.workdir));

  if (::geteuid() == 0) {
    // A caller-chosen folder the sandbox user cannot reach is refused, not opened up.
    BuildRequest req;
    req.sketch_path = dir_ + "/perms.ino";
    req.model_header = header_;
    req.workdir = dir_ + "/mine";
    auto r = BuildSketch(profile_, req, &runner_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "env.misconfigured");
    struct stat again {};
    ASSERT_EQ(::stat(dir_.c_str(), &again), 0);
    EXPECT_EQ(before.st_mode, again.st_mode);
  }
}

}  // namespace
}  // namespace autopilot::board
