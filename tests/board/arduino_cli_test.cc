// arduino-cli's JSON parsed into taxonomy ids, and the real path driven end to end against the
// stand-in (tests/data/arduino-cli), which compiles with the host g++ against the board SDK.

#include "autopilot/board/arduino_cli.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/arduino_fixture.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {

TEST(boardArduinoCliJson, SuccessKeepsSectionsAndLibraries) {
  auto r = ParseCompileJson(R"({"compiler_out":"Sketch uses 1 bytes","compiler_err":"",
    "builder_result":{"build_path":"/b","used_libraries":[{"name":"Arduino_LSM9DS1"}],
    "executable_sections_size":[{"name":"text","size":120000,"max_size":983040},{"name":"data","size":50000,"max_size":262144}],
    "diagnostics":[]},"upload_result":{},"success":true})", 0);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->primary_code, "");
  ASSERT_EQ(r->sections.size(), 2u);
  EXPECT_EQ(r->sections[0].name, "text");
  EXPECT_EQ(r->sections[0].size, 120000);
  EXPECT_EQ(r->sections[1].max_size, 262144);
  EXPECT_EQ(r->libraries, std::vector<std::string>{"Arduino_LSM9DS1"});
}

TEST(boardArduinoCliJson, DiagnosticsMapToTaxonomyIds) {
  auto r = ParseCompileJson(R"({"compiler_out":"","compiler_err":"...","builder_result":{"diagnostics":[
    {"severity":"WARNING","message":"unused variable 'x'","file":"/s/s.ino","line":2,"column":7},
    {"severity":"FATAL","message":"Arduino_LSM9DS1.h: No such file or directory","file":"/s/s.ino","line":1,"column":10,
     "context":[],"notes":[]}]},"upload_result":{},"success":false,"error":"Error during build: exit status 1"})", 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->success);
  ASSERT_EQ(r->diagnostics.size(), 2u);
  EXPECT_EQ(r->diagnostics[0].severity, "warning");
  EXPECT_EQ(r->diagnostics[0].code, "");
  EXPECT_EQ(r->diagnostics[1].severity, "fatal error");
  EXPECT_EQ(r->diagnostics[1].line, 1);
  EXPECT_EQ(r->diagnostics[1].code, "build.missing_header");
  EXPECT_EQ(r->primary_code, "build.missing_header");
}

TEST(boardArduinoCliJson, FallsBackToCompilerErrText) {
  // A compiler arduino-cli does not parse diagnostics for: only the stderr text.
  auto r = ParseCompileJson(R"({"compiler_out":"","compiler_err":"/s/s.ino: In function 'void loop()':\n/s/s.ino:3:5: error: 'foo' was not declared in this scope\n",
    "builder_result":null,"upload_result":{},"success":false,"error":"Error during build: exit status 1"})", 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r->diagnostics.empty());
  EXPECT_EQ(r->diagnostics[0].line, 3);
  EXPECT_EQ(r->primary_code, "build.undeclared");
}

TEST(boardArduinoCliJson, SectionOverMaxIsMemoryOverflowNamingSizeAndMax) {
  auto r = ParseCompileJson(R"({"compiler_out":"","compiler_err":"","builder_result":{
    "executable_sections_size":[{"name":"text","size":90000,"max_size":983040},{"name":"data","size":300000,"max_size":262144}]},
    "upload_result":{},"success":false,"error":"Error during build: data section exceeds available space in board"})", 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->primary_code, "build.memory_overflow");
  ASSERT_EQ(r->diagnostics.size(), 1u);
  EXPECT_NE(r->diagnostics[0].message.find("data"), std::string::npos);
  EXPECT_NE(r->diagnostics[0].message.find("300000"), std::string::npos);
  EXPECT_NE(r->diagnostics[0].message.find("262144"), std::string::npos);
}

TEST(boardArduinoCliJson, OverflowEvenWhenSuccessIsClaimed) {
  auto r = ParseCompileJson(R"({"builder_result":{"executable_sections_size":[{"name":"text","size":983041,"max_size":983040}]},"success":true})", 0);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->primary_code, "build.memory_overflow");
}

TEST(boardArduinoCliJson, PlatformNotInstalledIsEnvMisconfigured) {
  auto r = ParseCompileJson(R"({"compiler_out":"","compiler_err":"","builder_result":null,"upload_result":{},"success":false,
    "error":"Error during build: Platform 'arduino:mbed_nano' not found: platform not installed"})", 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->primary_code, "env.misconfigured");
  ASSERT_EQ(r->diagnostics.size(), 1u);
  EXPECT_NE(r->diagnostics[0].message.find("arduino:mbed_nano"), std::string::npos);
}

TEST(boardArduinoCliJson, NotJsonIsAnError) {
  auto r = ParseCompileJson("Sketch uses 1 bytes", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("did not print JSON"), std::string::npos);
}

TEST(boardArduinoCliJson, CoreAndLibLists) {
  auto cores = ParseCoreList(R"({"platforms":[{"id":"arduino:mbed_nano","installed_version":"4.1.1"}]})");
  ASSERT_TRUE(cores.ok());
  ASSERT_EQ(cores->size(), 1u);
  EXPECT_EQ((*cores)[0].name, "arduino:mbed_nano");
  EXPECT_EQ((*cores)[0].version, "4.1.1");
  auto none = ParseCoreList("{}");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto libs = ParseLibList(R"({"installed_libraries":[{"library":{"name":"Arduino_LSM9DS1","version":"1.1.1"}}]})");
  ASSERT_TRUE(libs.ok());
  ASSERT_EQ(libs->size(), 1u);
  EXPECT_EQ((*libs)[0].name, "Arduino_LSM9DS1");
  EXPECT_EQ(CoreOfFqbn("arduino:mbed_nano:nano33ble"), "arduino:mbed_nano");
}

TEST(boardArduinoCliJson, NeedsOfTheProjectsBoard) {
  auto n = ArduinoNeedsOf("nano33ble_sense", {"IMU"}, "harvard_tinymlx");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->fqbn, "arduino:mbed_nano:nano33ble");
  EXPECT_EQ(n->core, "arduino:mbed_nano");
  EXPECT_EQ(n->libraries, (std::vector<std::string>{"Arduino_LSM9DS1", "Harvard_TinyMLx"}));
  auto rev2 = ArduinoNeedsOf("nano33ble_sense_rev2", {"IMU", "APDS9960"}, "tflm_arduino");
  ASSERT_TRUE(rev2.ok()) << rev2.error().message;
  EXPECT_EQ(rev2->libraries, (std::vector<std::string>{"Arduino_BMI270_BMM150", "Arduino_APDS9960", "Arduino_TensorFlowLite"}));
}

const char* kImuSketch = R"(#include <TensorFlowLite.h>
#include <Arduino_LSM9DS1.h>
#include "model.h"

void setup() {
  Serial.begin(9600);
  if (!IMU.begin()) { while (1) delay(100); }
}

void loop() {
  float x, y, z;
  if (IMU.accelerationAvailable()) {
    IMU.readAcceleration(x, y, z);
    Serial.println(x + model[0]);
  }
}
)";

class boardArduinoCliStandIn : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fixture_.Make("harvard_tinymlx", "nano33ble_sense", {"Harvard_TinyMLx", "Arduino_LSM9DS1"}));
    cli_ = {fixture_.program, fixture_.data_dir, fixture_.user_dir};
    auto spec = LoadBoard("nano33ble_sense");
    ASSERT_TRUE(spec.ok());
    board_ = *spec;
    auto bytes = tflite::SerializeModel(StudyEquivalentModel());
    ASSERT_TRUE(bytes.ok());
    header_ = fixture_.root + "/model.h";
    ASSERT_TRUE(util::WriteFileAtomic(header_, ModelHeaderText(*bytes, "model", "")).ok());
  }
  Result<CliCompileResult> Compile(const std::string& source, const std::string& name) {
    std::string path = fixture_.root + "/" + name + ".ino";
    EXPECT_TRUE(util::WriteFileAtomic(path, source).ok());
    exec::SandboxRunner runner;
    return CompileWithArduinoCli(cli_, board_, path, header_, &runner);
  }
  test::ArduinoFixture fixture_;
  ArduinoCliSettings cli_;
  BoardSpec board_;
  std::string header_;
};

TEST_F(boardArduinoCliStandIn, CompilesAndReportsSectionsAgainstTheBoardsLimits) {
  auto r = Compile(kImuSketch, "imu");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->success) << r->compiler_err << r->error;
  ASSERT_EQ(r->sections.size(), 2u);
  EXPECT_EQ(r->sections[0].name, "text");
  EXPECT_EQ(r->sections[0].max_size, 983040);
  EXPECT_EQ(r->sections[1].name, "data");
  EXPECT_EQ(r->sections[1].max_size, 262144);
  EXPECT_GT(r->sections[0].size, 0);
  EXPECT_EQ(r->libraries, (std::vector<std::string>{"Harvard_TinyMLx", "Arduino_LSM9DS1"}));
}

TEST_F(boardArduinoCliStandIn, MissingLibraryIsMissingHeaderAtTheSketchsLine) {
  std::string sketch = std::string("#include <Arduino_APDS9960.h>\n") + kImuSketch;
  auto r = Compile(sketch, "colour");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->primary_code, "build.missing_header");
  ASSERT_FALSE(r->diagnostics.empty());
  EXPECT_EQ(r->diagnostics[0].line, 1);
  EXPECT_EQ(r->diagnostics[0].file, fixture_.root + "/colour.ino");
}

TEST_F(boardArduinoCliStandIn, UndeclaredNameIsUndeclared) {
  auto r = Compile("void setup() { Serial.begin(9600); }\nvoid loop() { blink_twice(); }\n", "undeclared");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->primary_code, "build.undeclared");
  EXPECT_EQ(r->diagnostics[0].line, 2);
}

TEST_F(boardArduinoCliStandIn, ArenaTooBigForRamIsMemoryOverflow) {
  auto r = Compile("alignas(16) uint8_t tensor_arena[300 * 1024];\nvoid setup() { tensor_arena[0] = 1; }\nvoid loop() { Serial.println(tensor_arena[0]); }\n",
                   "big");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->success);
  EXPECT_EQ(r->primary_code, "build.memory_overflow");
  EXPECT_NE(r->error.find("data section exceeds available space in board"), std::string::npos);
  bool named = false;
  for (const auto& d : r->diagnostics) named = named || d.message.find("262144") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST_F(boardArduinoCliStandIn, MissingCoreIsEnvMisconfigured) {
  BoardSpec other = board_;
  other.fqbn = "arduino:samd:nano_33_iot";
  std::string path = fixture_.root + "/blink.ino";
  ASSERT_TRUE(util::WriteFileAtomic(path, "void setup() {}\nvoid loop() {}\n").ok());
  exec::SandboxRunner runner;
  auto r = CompileWithArduinoCli(cli_, other, path, "", &runner);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->primary_code, "env.misconfigured");
  EXPECT_NE(r->error.find("arduino:samd"), std::string::npos);
}

TEST_F(boardArduinoCliStandIn, ListsWhatIsInstalled) {
  exec::SandboxRunner runner;
  auto cores = ListInstalled(cli_, "core", &runner);
  ASSERT_TRUE(cores.ok()) << cores.error().message;
  ASSERT_EQ(cores->size(), 1u);
  EXPECT_EQ((*cores)[0].name, "arduino:mbed_nano");
  auto libs = ListInstalled(cli_, "lib", &runner);
  ASSERT_TRUE(libs.ok()) << libs.error().message;
  std::vector<std::string> names;
  for (const auto& l : *libs) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"Arduino_LSM9DS1", "Harvard_TinyMLx"}));
}

TEST_F(boardArduinoCliStandIn, UploadNeedsAnExistingPort) {
  std::string path = fixture_.root + "/imu.ino";
  ASSERT_TRUE(util::WriteFileAtomic(path, kImuSketch).ok());
  exec::SandboxRunner runner;
  auto bad = UploadWithArduinoCli(cli_, board_, path, header_, fixture_.root + "/no-such-tty", &runner);
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_FALSE(bad->success);
  EXPECT_EQ(bad->exit_code, 1);
  std::string port = fixture_.root + "/ttyACM0";
  ASSERT_TRUE(util::WriteFileAtomic(port, "").ok());
  auto good = UploadWithArduinoCli(cli_, board_, path, header_, port, &runner);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_TRUE(good->success) << good->output;
  auto log = util::ReadFile(fixture_.user_dir + "/standin-uploads.log");
  ASSERT_TRUE(log.ok());
  EXPECT_NE(log->find("arduino:mbed_nano:nano33ble " + port), std::string::npos);
}

}  // namespace
}  // namespace autopilot::board
