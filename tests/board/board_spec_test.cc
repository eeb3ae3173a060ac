// Boards as data: the shipped boards, their errors, profiles combined with a board, and a third
// board that is only a folder.

#include "autopilot/board/board_spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {
namespace fs = std::filesystem;

bool Has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> LibraryNames(const Profile& p) {
  std::vector<std::string> names;
  for (const auto& d : p.library_dirs) names.push_back(fs::path(d).filename().string());
  return names;
}

TEST(boardSpec, ShippedBoardsDescribeRev1AndRev2) {
  EXPECT_TRUE(Has(BoardNames(), "nano33ble_sense"));
  EXPECT_TRUE(Has(BoardNames(), "nano33ble_sense_rev2"));

  auto rev1 = LoadBoard("nano33ble_sense");
  ASSERT_TRUE(rev1.ok()) << rev1.error().message;
  EXPECT_EQ(rev1->display_name, "Arduino Nano 33 BLE Sense");
  EXPECT_EQ(rev1->fqbn, "arduino:mbed_nano:nano33ble");
  EXPECT_EQ(rev1->flash_kb, 1024);
  EXPECT_EQ(rev1->ram_kb, 256);
  EXPECT_EQ(rev1->max_sketch_bytes, 983040);
  const SensorSpec* imu = rev1->Sensor("IMU");
  ASSERT_NE(imu, nullptr);
  EXPECT_EQ(imu->chip, "LSM9DS1");
  EXPECT_EQ(imu->library.library, "Arduino_LSM9DS1");
  EXPECT_EQ(imu->library.include, "Arduino_LSM9DS1.h");
  EXPECT_EQ(imu->library.object, "IMU");
  EXPECT_TRUE(Has(imu->library.methods, "void setOneShotMode()"));
  EXPECT_TRUE(util::PathExists(imu->library.library_dir + "/src/Arduino_LSM9DS1.h"));
  EXPECT_TRUE(util::PathExists(imu->library.runtime));
  const QuantitySpec* accel = imu->Quantity("acceleration");
  ASSERT_NE(accel, nullptr);
  EXPECT_EQ(accel->columns, (std::vector<std::string>{"ax", "ay", "az"}));
  EXPECT_EQ(accel->unit, "g");
  EXPECT_EQ(accel->range, (ValueRange{-4, 4}));
  EXPECT_DOUBLE_EQ(accel->rate_hz, 119);
  EXPECT_EQ(imu->Quantity("gyroscope")->range, (ValueRange{-2000, 2000}));
  EXPECT_EQ(imu->Quantity("gyroscope")->unit, "deg/s");
  EXPECT_EQ(rev1->Sensor("TEMPERATURE_HUMIDITY")->library.object, "HTS");
  EXPECT_EQ(rev1->Sensor("PRESSURE")->library.library, "Arduino_LPS22HB");
  EXPECT_EQ(rev1->Sensor("APDS9960")->library.object, "APDS");
  EXPECT_EQ(rev1->Sensor("MICROPHONE"), nullptr);

  auto rev2 = LoadBoard("nano33ble_sense_rev2");
  ASSERT_TRUE(rev2.ok()) << rev2.error().message;
  EXPECT_EQ(rev2->fqbn, rev1->fqbn);
  const SensorSpec* bosch = rev2->Sensor("IMU");
  ASSERT_NE(bosch, nullptr);
  EXPECT_EQ(bosch->library.library, "Arduino_BMI270_BMM150");
  EXPECT_EQ(bosch->library.include, "Arduino_BMI270_BMM150.h");
  EXPECT_EQ(bosch->library.class_name, "BoschSensorClass");
  EXPECT_EQ(bosch->library.object, "IMU");
  EXPECT_TRUE(Has(bosch->library.methods, "int begin(CfgBoshSensor_t cfg = BOSCH_ACCEL_AND_MAGN)"));
  EXPECT_TRUE(Has(bosch->library.methods, "void oneShotMode()"));
  EXPECT_DOUBLE_EQ(bosch->Quantity("acceleration")->rate_hz, 99.84);
  EXPECT_DOUBLE_EQ(bosch->Quantity("gyroscope")->rate_hz, 99.84);
  const QuantitySpec* mag = bosch->Quantity("magnetic_field");
  EXPECT_EQ(mag->RangeOf("mx"), (ValueRange{-1300, 1300}));
  EXPECT_EQ(mag->RangeOf("mz"), (ValueRange{-2500, 2500}));
  EXPECT_EQ(rev2->Sensor("TEMPERATURE_HUMIDITY")->library.object, "HS300x");
  EXPECT_EQ(rev2->Sensor("TEMPERATURE_HUMIDITY")->library.library, "Arduino_HS300x");
  EXPECT_EQ(rev2->Sensor("PRESSURE")->library.library, "Arduino_LPS22HB");
  EXPECT_EQ(rev2->Sensor("APDS9960")->library.library, "Arduino_APDS9960");
  // Libraries a build may include: the sensors' (in the board's order), then the radio.
  std::vector<std::string> all;
  for (const LibrarySpec* l : rev2->AllLibraries()) all.push_back(l->library);
  EXPECT_EQ(all, (std::vector<std::string>{"Arduino_APDS9960", "Arduino_BMI270_BMM150",
                                           "Arduino_HS300x", "Arduino_LPS22HB", "ArduinoBLE"}));
}

TEST(boardSpec, UnknownBoardsNameTheBoardsThereAre) {
  auto r = LoadBoard("nano33ble_sense_rev3");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::kUsage);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("unknown board 'nano33ble_sense_rev3'"), std::string::npos) << m;
  EXPECT_NE(m.find("boards/nano33ble_sense_rev3/board.json"), std::string::npos) << m;
  EXPECT_NE(m.find("nano33ble_sense, nano33ble_sense_rev2"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'nano33ble_sense_rev2'?"), std::string::npos) << m;
  EXPECT_FALSE(LoadProfile("harvard_tinymlx", "uno").ok());
}

// A build combines the toolchain profile with the board: the board's libraries only.
TEST(boardSpec, ProfilesCombineWithTheBoardsLibraries) {
  auto rev1 = LoadProfile("harvard_tinymlx");
  ASSERT_TRUE(rev1.ok()) << rev1.error().message;
  EXPECT_EQ(rev1->board, kDefaultBoard);
  EXPECT_EQ(LibraryNames(*rev1),
            (std::vector<std::string>{"Harvard_TinyMLx", "Arduino_APDS9960", "Arduino_LSM9DS1",
                                      "Arduino_HTS221", "Arduino_LPS22HB", "ArduinoBLE"}));
  auto rev2 = LoadProfile("tflm_arduino", "nano33ble_sense_rev2");
  ASSERT_TRUE(rev2.ok()) << rev2.error().message;
  EXPECT_EQ(rev2->board, "nano33ble_sense_rev2");
  EXPECT_EQ(rev2->fqbn, "arduino:mbed_nano:nano33ble");
  EXPECT_EQ(LibraryNames(*rev2),
            (std::vector<std::string>{"Arduino_TensorFlowLite", "Arduino_APDS9960",
                                      "Arduino_BMI270_BMM150", "Arduino_HS300x", "Arduino_LPS22HB",
                                      "ArduinoBLE"}));
  std::vector<std::string> runtime;
  for (const auto& s : rev2->runtime_sources) runtime.push_back(fs::path(s).filename().string());
  EXPECT_TRUE(Has(runtime, "bmi270_bmm150.cpp"));
  EXPECT_TRUE(Has(runtime, "hs300x.cpp"));
  EXPECT_TRUE(Has(runtime, "tflm_arduino.cpp"));
  EXPECT_FALSE(Has(runtime, "lsm9ds1.cpp"));
  // Another board, another SDK build.
  EXPECT_NE(SdkCacheKey(*rev2, "g++"), SdkCacheKey(*LoadProfile("tflm_arduino"), "g++"));
}

/// A board data folder of its own: the real profiles and SDK, boards written by the test.
class boardSpecData : public ::testing::Test {
 protected:
  void SetUp() override {
    // Under the cache (reachable by the sandbox user) so a sketch can be built against it.
    auto tmp = util::MakeTempDir("board-spec-test-", BoardCacheDir());
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    fs::create_directory_symlink(BoardDataDir() + "/sdk", dir_ + "/sdk");
    fs::copy(BoardDataDir() + "/profiles", dir_ + "/profiles");
    auto text = util::ReadFile(BoardDataDir() + "/boards/nano33ble_sense/board.json");
    ASSERT_TRUE(text.ok());
    rev1_ = nlohmann::json::parse(*text);
  }
  void TearDown() override {
    for (const auto& b : builds_) RemoveBuild(b);
    for (const auto& s : sdks_) util::RemoveTree(s);
    util::RemoveTree(dir_);
  }

  void Put(const std::string& name, const std::string& json) {
    fs::create_directories(dir_ + "/boards/" + name);
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/boards/" + name + "/board.json", json).ok());
  }
  /// The Rev1 board.json with `edit` applied, as board `name`.
  void PutEdited(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = rev1_;
    j["name"] = name;
    edit(j);
    Put(name, j.dump(2));
  }
  std::string ErrorOf(const std::string& name) {
    auto r = LoadBoardFrom(dir_, name, BoardCacheDir());
    EXPECT_FALSE(r.ok()) << name;
    if (r.ok()) return "";
    EXPECT_NE(r.error().message.find(dir_ + "/boards/" + name + "/board.json: "), std::string::npos)
        << r.error().message;
    return r.error().message;
  }

  std::string dir_;
  nlohmann::json rev1_;
  std::vector<BuildResult> builds_;
  std::vector<std::string> sdks_;
};

TEST_F(boardSpecData, MistakesInBoardJsonNameTheFileAndTheKey) {
  PutEdited("same", [](nlohmann::json&) {});
  auto same = LoadBoardFrom(dir_, "same", BoardCacheDir());
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->Sensor("IMU")->library.include, "Arduino_LSM9DS1.h");

  PutEdited("typo", [](nlohmann::json& j) { j["flash"] = 1024; });
  std::string e = ErrorOf("typo");
  EXPECT_NE(e.find("flash is not a known key (known: "), std::string::npos) << e;

  PutEdited("nolib", [](nlohmann::json& j) { j["sensors"][1]["library"] = "Arduino_LSM9DS2"; });
  e = ErrorOf("nolib");
  EXPECT_NE(e.find("sensors[1] (IMU).library 'Arduino_LSM9DS2' is not a library folder"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("Arduino_LSM9DS1"), std::string::npos) << e;  // names the libraries there are

  PutEdited("noheader", [](nlohmann::json& j) { j["sensors"][1]["include"] = "LSM9DS1.h"; });
  e = ErrorOf("noheader");
  EXPECT_NE(e.find("sensors[1] (IMU).include 'LSM9DS1.h' is not a header of Arduino_LSM9DS1"),
            std::string::npos)
      << e;

  PutEdited("rate", [](nlohmann::json& j) { j["sensors"][1]["quantities"][0]["rate_hz"] = "119"; });
  e = ErrorOf("rate");
  EXPECT_NE(e.find("sensors[1] (IMU).quantities[0].rate_hz must be a number"), std::string::npos)
      << e;

  PutEdited("range", [](nlohmann::json& j) {
    j["sensors"][1]["quantities"][0]["range"] = {4, -4};
  });
  e = ErrorOf("range");
  EXPECT_NE(e.find("quantities[0].range must be [min, max]"), std::string::npos) << e;

  PutEdited("runtime",
            [](nlohmann::json& j) { j["libraries"][0]["runtime"] = "runtime/radio.cpp"; });
  e = ErrorOf("runtime");
  EXPECT_NE(e.find("libraries[0].runtime 'runtime/radio.cpp' is not a file"), std::string::npos)
      << e;

  PutEdited("twice", [](nlohmann::json& j) { j["sensors"][2]["id"] = "IMU"; });
  e = ErrorOf("twice");
  EXPECT_NE(e.find("sensors[2] (IMU).id 'IMU' appears twice"), std::string::npos) << e;

  PutEdited("renamed", [](nlohmann::json& j) { j["name"] = "other"; });
  e = ErrorOf("renamed");
  EXPECT_NE(e.find("name is 'other' but the folder is 'renamed'"), std::string::npos) << e;

  PutEdited("missing", [](nlohmann::json& j) { j.erase("fqbn"); });
  EXPECT_NE(ErrorOf("missing").find("fqbn is required"), std::string::npos);

  Put("broken", "{\"name\": \"broken\",");
  EXPECT_NE(ErrorOf("broken").find("not valid JSON"), std::string::npos);

  // The profile names the board file when the board is wrong.
  auto p = LoadProfileFrom(dir_, "harvard_tinymlx", BoardCacheDir(), "nolib");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("nolib/board.json"), std::string::npos) << p.error().message;
}

// A third board is a folder, not code: the Nano 33 BLE (no Sense) has the LSM9DS1 and the radio
// only, so an APDS9960 sketch does not build on it and an IMU sketch does.
TEST_F(boardSpecData, AThirdBoardIsAFolder) {
  PutEdited("nano33ble", [](nlohmann::json& j) {
    j["display_name"] = "Arduino Nano 33 BLE";
    j["description"] = "nRF52840 with an LSM9DS1 IMU, no environmental sensors";
    nlohmann::json imu;
    for (const auto& s : j["sensors"]) {
      if (s["id"] == "IMU") imu = s;
    }
    j["sensors"] = nlohmann::json::array({imu});
  });
  EXPECT_EQ(BoardNamesIn(dir_), (std::vector<std::string>{"nano33ble"}));
  auto profile = LoadProfileFrom(dir_, "harvard_tinymlx", BoardCacheDir(), "nano33ble");
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  EXPECT_EQ(profile->board, "nano33ble");
  EXPECT_EQ(LibraryNames(*profile),
            (std::vector<std::string>{"Harvard_TinyMLx", "Arduino_LSM9DS1", "ArduinoBLE"}));

  exec::SandboxRunner runner;
  auto build = [&](const std::string& name, const std::string& source) {
    std::string path = dir_ + "/" + name + ".ino";
    EXPECT_TRUE(util::WriteFileAtomic(path, source).ok());
    BuildRequest req;
    req.sketch_path = path;
    auto r = BuildSketch(*profile, req, &runner);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return BuildResult{};
    builds_.push_back(*r);
    return *r;
  };
  if (auto sdk = EnsureSdk(*profile, &runner); sdk.ok()) sdks_.push_back(*sdk);  // this test's own
  BuildResult imu =
      build("imu", "#include <Arduino_LSM9DS1.h>\nvoid setup() { IMU.begin(); }\nvoid loop() {}\n");
  EXPECT_TRUE(imu.compiled) << imu.compiler_output;
  BuildResult apds = build(
      "apds", "#include <Arduino_APDS9960.h>\nvoid setup() { APDS.begin(); }\nvoid loop() {}\n");
  EXPECT_FALSE(apds.compiled);
  EXPECT_EQ(apds.primary_code, "build.missing_header");
  EXPECT_NE(apds.compiler_output.find("Arduino_APDS9960.h: No such file or directory"),
            std::string::npos)
      << apds.compiler_output;
}

}  // namespace
}  // namespace autopilot::board
