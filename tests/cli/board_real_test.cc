// The real board path through the binary (#19), against the arduino-cli stand-in and a
// pseudo-terminal: board build --toolchain arduino-cli, validate --toolchain arduino-cli (the
// build layer is arduino-cli's, the run stays the virtual board), board size, board flash,
// board monitor, and doctor's list of what the project's board needs.

#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/exec/which.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/files.h"
#include "common/arduino_fixture.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

const std::string kExample = std::string(AUTOPILOT_SOURCE_DIR) + "/examples/gesture";

class BoardReal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fixture_.Make("harvard_tinymlx", "nano33ble_sense", {"Harvard_TinyMLx", "Arduino_LSM9DS1"}));
    dir_ = fixture_.root;
    auto bytes = tflite::SerializeModel(board::StudyEquivalentModel());
    ASSERT_TRUE(bytes.ok());
    header_ = Write("model.h", board::ModelHeaderText(*bytes, "model", ""));
  }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }
  test::CliRun Cli(const std::vector<std::string>& args) { return test::RunCli(args, {fixture_.Env(), "", 240}); }
  static json Parse(const test::CliRun& r) {
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc.is_discarded() ? json::object() : doc;
  }
  test::ArduinoFixture fixture_;
  std::string dir_, header_;
};

const char* kSketch = R"(#include <Arduino_LSM9DS1.h>
#include "model.h"
void setup() { Serial.begin(9600); IMU.begin(); }
void loop() { float x, y, z; if (IMU.accelerationAvailable()) { IMU.readAcceleration(x, y, z); Serial.println(x + model[1]); } }
)";

TEST_F(BoardReal, BuildWithArduinoCliReportsSectionsAndCodes) {
  std::string ok = Write("imu.ino", kSketch);
  auto r = Cli({"--json", "board", "build", ok, "--model-header", header_, "--toolchain", "arduino-cli",
                "--arduino-cli", fixture_.program});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto doc = Parse(r);
  EXPECT_EQ(doc.value("toolchain", ""), "arduino-cli");
  EXPECT_TRUE(doc.value("compiled", false));
  ASSERT_EQ(doc["sections"].size(), 2u) << r.out;
  EXPECT_EQ(doc["sections"][0]["max_size"], 983040);

  std::string rev2 = Write("rev2.ino", std::regex_replace(std::string(kSketch), std::regex("Arduino_LSM9DS1"), "Arduino_BMI270_BMM150"));
  auto bad = Cli({"--json", "board", "build", rev2, "--model-header", header_, "--toolchain", "arduino-cli",
                  "--arduino-cli", fixture_.program});
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  auto bdoc = Parse(bad);
  EXPECT_EQ(bdoc.value("code", ""), "build.missing_header");
  EXPECT_EQ(bdoc["diagnostics"][0]["file"], rev2);
  EXPECT_EQ(bdoc["diagnostics"][0]["line"], 1);
}

TEST_F(BoardReal, RunWithArduinoCliStopsAtTheRealBuildAndOtherwiseRunsOnTheVirtualBoard) {
  const std::string scenario = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
  std::string colour = Write("colour.ino", std::string("#include <Arduino_APDS9960.h>\n") + kSketch);
  auto bad = Cli({"--json", "board", "run", colour, "--model-header", header_, "--scenario", scenario, "--toolchain",
                  "arduino-cli", "--arduino-cli", fixture_.program});
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  auto bdoc = Parse(bad);
  EXPECT_FALSE(bdoc.value("ran", true));
  EXPECT_EQ(bdoc["codes"], json::array({"build.missing_header"})) << bad.out;
  std::string ok = Write("imu.ino", kSketch);
  auto r = Cli({"--json", "board", "run", ok, "--model-header", header_, "--scenario", scenario, "--toolchain",
                "arduino-cli", "--arduino-cli", fixture_.program});
  auto doc = Parse(r);
  EXPECT_TRUE(doc.value("ran", false)) << r.out << r.err;
  EXPECT_EQ(doc.value("run_target", ""), "virtual");
  EXPECT_EQ(doc.value("toolchain", ""), "arduino-cli");
  EXPECT_EQ(doc["sections"].size(), 2u);
}

TEST_F(BoardReal, MissingArduinoCliIsAnEnvironmentError) {
  std::string ok = Write("imu.ino", kSketch);
  auto r = Cli({"board", "build", ok, "--model-header", header_, "--toolchain", "arduino-cli", "--arduino-cli",
                dir_ + "/no-such-arduino-cli"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("arduino-cli not found"), std::string::npos) << r.err;
}

TEST_F(BoardReal, ValidateUsesArduinoCliForTheBuildLayerAndTheVirtualBoardForTheRun) {
  std::string text = *util::ReadFile(kExample + "/autopilot.yaml");
  text = std::regex_replace(text, std::regex("store: [^\n]*"), "store: " + dir_ + "/runs.db");
  text = std::regex_replace(text, std::regex("work_dir: [^\n]*"), "work_dir: " + dir_ + "/work");
  text = std::regex_replace(text, std::regex("raw_csv: data/"), "raw_csv: " + kExample + "/data/");
  text = std::regex_replace(text, std::regex("profile: harvard_tinymlx"),
                            "profile: harvard_tinymlx\n  toolchain: arduino-cli\n  arduino_cli: " + fixture_.program);
  std::string project = Write("gesture.yaml", text);
  auto r = Cli({"--json", "validate", "--stage", "sg", "--project", project, kExample + "/reference_sketch.ino"});
  auto doc = Parse(r);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  bool saw_build = false, saw_run = false;
  for (const auto& l : doc["layers"]) {
    if (l["layer"] == "build") {
      saw_build = true;
      EXPECT_TRUE(l.value("passed", false)) << l.dump();
    }
    if (l["layer"] == "run") saw_run = l.value("passed", false);
  }
  EXPECT_TRUE(saw_build);
  EXPECT_TRUE(saw_run);
  std::string notes = doc["notes"].dump();
  EXPECT_NE(notes.find("arduino-cli: text"), std::string::npos) << notes;
  EXPECT_NE(notes.find("of 983040 bytes"), std::string::npos) << notes;

  // --toolchain overrides the project: the virtual build gives the estimate note instead.
  auto v = Cli({"--json", "validate", "--stage", "sg", "--project", project, "--toolchain", "virtual",
                kExample + "/reference_sketch.ino"});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  std::string vnotes = Parse(v)["notes"].dump();
  EXPECT_EQ(vnotes.find("arduino-cli:"), std::string::npos) << vnotes;
  if (!exec::Which("arm-none-eabi-g++").empty()) {
    EXPECT_NE(vnotes.find("estimate: flash"), std::string::npos) << vnotes;
  }

  // A library the fixture has not installed fails the real build layer, named like the virtual one.
  std::string iot = Write("iot.ino", std::regex_replace(*util::ReadFile(kExample + "/reference_sketch.ino"),
                                                        std::regex("Arduino_LSM9DS1\\.h"), "Arduino_LSM6DS3.h"));
  auto m = Cli({"--json", "validate", "--stage", "sg", "--project", project, iot});
  EXPECT_EQ(m.code, 1);
  auto mdoc = Parse(m);
  std::string codes = mdoc["codes"].dump();
  EXPECT_NE(codes.find("build.missing_header"), std::string::npos) << m.out;
}

TEST_F(BoardReal, SizeEstimate) {
  if (exec::Which("arm-none-eabi-g++").empty()) GTEST_SKIP() << "gcc-arm-none-eabi not installed";
  std::string ok = Write("imu.ino", kSketch);
  auto r = Cli({"--json", "board", "size", ok, "--model-header", header_});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto doc = Parse(r);
  EXPECT_TRUE(doc.value("estimate", false));
  EXPECT_TRUE(doc.value("fits", false));
  EXPECT_GT(doc.value("flash_bytes", 0), 0);
  EXPECT_EQ(doc.value("max_ram_bytes", 0), 262144);
  auto t = Cli({"board", "size", ok, "--model-header", header_});
  EXPECT_NE(t.out.find("estimate: flash "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find(" of 983040 B (960 KB), RAM "), std::string::npos) << t.out;
}

TEST_F(BoardReal, FlashUploadsToThePort) {
  std::string ok = Write("imu.ino", kSketch);
  std::string port = Write("ttyACM0", "");
  auto r = Cli({"--json", "board", "flash", ok, "--model-header", header_, "--port", port, "--arduino-cli", fixture_.program});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Parse(r).value("uploaded", false));
  auto bad = Cli({"board", "flash", ok, "--model-header", header_, "--port", dir_ + "/ttyACM9", "--arduino-cli", fixture_.program});
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("upload failed on"), std::string::npos) << bad.out;
}

TEST_F(BoardReal, MonitorMatchesWithinTheLimitOrFails) {
  int master = -1, slave = -1;
  char name[256] = {0};
  ASSERT_EQ(::openpty(&master, &slave, name, nullptr, nullptr), 0);
  std::thread board([master] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (const char* l : {"IMU ready\r\n", "punch\r\n"}) {
      if (::write(master, l, std::strlen(l)) < 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto r = Cli({"--json", "board", "monitor", "--port", name, "--expect", "^(punch|flex)$", "--seconds", "5"});
  board.join();
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto doc = Parse(r);
  EXPECT_EQ(doc.value("target", ""), "hardware");
  EXPECT_EQ(doc.value("layer", ""), "run");
  EXPECT_EQ(doc.value("matched_line", ""), "punch");
  auto miss = Cli({"board", "monitor", "--port", name, "--expect", "flex", "--seconds", "1"});
  EXPECT_EQ(miss.code, 1) << miss.out << miss.err;
  EXPECT_NE(miss.out.find("not seen within 1 s"), std::string::npos) << miss.out;
  ::close(master);
  ::close(slave);
}

TEST_F(BoardReal, DoctorNamesWhatTheProjectsBoardNeeds) {
  std::string project = Write("p.yaml", "version: 1\nboard:\n  model: nano33ble_sense\n  sensors: [IMU, APDS9960]\n  profile: harvard_tinymlx\n");
  auto r = Cli({"--json", "--config", project, "doctor", "--arduino-cli", fixture_.program});
  auto doc = Parse(r);
  std::map<std::string, json> checks;
  for (const auto& c : doc["checks"]) checks[c.value("name", "")] = c;
  ASSERT_TRUE(checks.count("core arduino:mbed_nano")) << r.out;
  EXPECT_TRUE(checks["core arduino:mbed_nano"].value("found", false));
  EXPECT_TRUE(checks["library Arduino_LSM9DS1"].value("found", false)) << r.out;
  EXPECT_TRUE(checks["library Harvard_TinyMLx"].value("found", false)) << r.out;
  ASSERT_TRUE(checks.count("library Arduino_APDS9960")) << r.out;
  EXPECT_FALSE(checks["library Arduino_APDS9960"].value("found", true));
  EXPECT_EQ(checks["library Arduino_APDS9960"].value("detail", ""), "missing: arduino-cli lib install \"Arduino_APDS9960\"");
  // An empty data folder: the core is missing, with its install command.
  test::ArduinoFixture empty;
  ASSERT_TRUE(empty.Make("harvard_tinymlx", "nano33ble_sense", {}));
  util::RemoveTree(empty.data_dir + "/packages");
  auto e = test::RunCli({"--json", "--config", project, "doctor", "--arduino-cli", empty.program}, {empty.Env(), "", 240});
  auto edoc = Parse(e);
  for (const auto& c : edoc["checks"]) {
    if (c.value("name", "") == "core arduino:mbed_nano") {
      EXPECT_EQ(c.value("detail", ""), "missing: arduino-cli core install arduino:mbed_nano");
    }
  }
}

}  // namespace
}  // namespace autopilot
