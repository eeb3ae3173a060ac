// The gesture case study end to end (#14): the SG window oracle on the real example project —
// the reference sketch passes, each hand-made broken sketch (examples/gesture/broken) fails with
// semantic.wrong_input and the reason it must give; the recorded session repairs its SG attempts;
// the Rev2 board refuses the Rev1 IMU library, names its own, and judges a Rev2 sketch.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

const std::string kExample = std::string(AUTOPILOT_SOURCE_DIR) + "/examples/gesture";

class GestureExample : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = *util::MakeTempDir("ap-gesture-"); }
  void TearDown() override { util::RemoveTree(dir_); }

  test::CliRun Cli(const std::vector<std::string>& args) { return test::RunCli(args, {{}, "", 240}); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }
  /// The example's project file with its own store and work folder, on `board` at `rate_hz`.
  std::string Project(const std::string& board = "nano33ble_sense", const std::string& rate = "119") {
    std::string text = *util::ReadFile(kExample + "/autopilot.yaml");
    text = std::regex_replace(text, std::regex("store: [^\n]*"), "store: " + dir_ + "/runs.db");
    text = std::regex_replace(text, std::regex("work_dir: [^\n]*"), "work_dir: " + dir_ + "/work");
    text = std::regex_replace(text, std::regex("raw_csv: data/"), "raw_csv: " + kExample + "/data/");
    text = std::regex_replace(text, std::regex("model: nano33ble_sense "), "model: " + board + " ");
    text = std::regex_replace(text, std::regex("rate_hz: 119"), "rate_hz: " + rate);
    return Write(board + "-" + rate + ".yaml", text);
  }
  json Validate(const std::string& project, const std::string& sketch, int* code) {
    auto r = Cli({"--json", "validate", "--stage", "sg", "--project", project, sketch});
    *code = r.code;
    auto doc = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc.is_discarded() ? json::object() : doc;
  }
  static std::string Messages(const json& doc) {
    std::string all;
    for (const auto& l : doc.value("layers", json::array())) {
      for (const auto& d : l.value("diagnostics", json::array())) {
        all += d.value("message", "") + " | " + d.value("hint", "") + "\n";
      }
    }
    return all;
  }
  std::string dir_;
};

TEST_F(GestureExample, TheReferenceSketchPassesAndEachBrokenSketchIsCaughtWithItsReason) {
  const std::string project = Project();
  int code = -1;
  json ok = Validate(project, kExample + "/reference_sketch.ino", &code);
  EXPECT_EQ(code, 0) << ok.dump(1);
  EXPECT_TRUE(ok.value("passed", false));

  const struct {
    const char* file;
    const char* reason;
  } kBroken[] = {
      {"wrong_normalisation.ino", "the values are the raw readings"},
      {"axis_order.ino", "the channels are in the order gx, gy, gz, ax, ay, az"},
      {"short_window.ino", "only the first 100 of the 119 readings"},
      {"no_trigger_wait.ino", "the sketch does not wait for the trigger"},
  };
  for (const auto& b : kBroken) {
    SCOPED_TRACE(b.file);
    json doc = Validate(project, kExample + "/broken/" + b.file, &code);
    EXPECT_EQ(code, 1);
    EXPECT_EQ(doc.value("codes", json::array()), json::array({"semantic.wrong_input"})) << doc.dump(1);
    // It built and ran: the failure is the semantic layer's, on every window.
    ASSERT_EQ(doc["layers"].size(), 5u) << doc.dump(1);
    EXPECT_TRUE(doc["layers"][3].value("passed", false));
    EXPECT_NE(Messages(doc).find(b.reason), std::string::npos) << Messages(doc);
    EXPECT_NE(Messages(doc).find("4/4 windows failed"), std::string::npos) << Messages(doc);
  }
}

TEST_F(GestureExample, TheRecordedSessionRepairsSgFromTheBuildAndTheOraclesFeedback) {
  const std::string project = Project();
  auto run = Cli({"--json", "run", project, "--llm", "replay:" + kExample + "/demo-session.jsonl", "--out",
                  dir_ + "/out"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  auto doc = json::parse(run.out);
  json sg;
  for (const auto& s : doc["stages"]) {
    if (s["stage"] == "sg") sg = s;
  }
  ASSERT_FALSE(sg.is_null()) << run.out;
  EXPECT_TRUE(sg.value("passed", false));
  EXPECT_EQ(sg.value("attempts", 0), 3) << "the Nano 33 IoT's IMU header, then raw readings, then right";
  EXPECT_NE(run.err.find("attempt 1 failed at build (build.missing_header)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("attempt 2 failed at semantic (semantic.wrong_input)"), std::string::npos) << run.err;
  EXPECT_TRUE(util::PathExists(dir_ + "/out/sketch/sketch.ino"));
}

TEST_F(GestureExample, Rev2RefusesTheRev1ImuLibraryNamesItsOwnAndJudgesARev2Sketch) {
  // The Rev2's IMU delivers 99.84 Hz: a 119 Hz window is valid but warned about.
  const std::string at119 = Project("nano33ble_sense_rev2", "119");
  auto check = Cli({"--json", "config", "check", at119});
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.out.find("delivers 99.84 Hz"), std::string::npos) << check.out;

  const std::string project = Project("nano33ble_sense_rev2", "99.84");
  auto quiet = Cli({"--json", "config", "check", project});
  EXPECT_EQ(json::parse(quiet.out).value("warnings", json::array()).size(), 0u) << quiet.out;
  int code = -1;
  json rev1 = Validate(project, kExample + "/reference_sketch.ino", &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(rev1.value("codes", json::array()), json::array({"build.missing_header"})) << rev1.dump(1);
  EXPECT_NE(Messages(rev1).find("<Arduino_BMI270_BMM150.h> (IMU, object IMU)"), std::string::npos) << Messages(rev1);

  std::string sketch = *util::ReadFile(kExample + "/reference_sketch.ino");
  sketch.replace(sketch.find("#include <Arduino_LSM9DS1.h>"), 28, "#include <Arduino_BMI270_BMM150.h>");
  json rev2 = Validate(project, Write("rev2.ino", sketch), &code);
  EXPECT_EQ(code, 0) << rev2.dump(1);
}

}  // namespace
}  // namespace autopilot
