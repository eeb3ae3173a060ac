// End-to-end: sketches on both boards read time-stamped sensor streams in virtual time (real g++
// builds and runs; the first use of a board compiles its SDK cache).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "autopilot/board/board_run.h"
#include "autopilot/board/board_spec.h"
#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace {

constexpr const char* kRev1 = "nano33ble_sense";
constexpr const char* kRev2 = "nano33ble_sense_rev2";

// IMU_Capture's shape: wait for |aX|+|aY|+|aZ| >= 2.5 g, then print 119 samples of
// accelerometer and gyroscope, each when both are available.
std::string CaptureSketch(const std::string& include, const std::string& extra_setup) {
  return "#include <" + include + ">\n" + R"(
const float accelerationThreshold = 2.5;
const int numSamples = 119;
int samplesRead = numSamples;

void setup() {
  Serial.begin(9600);
  while (!Serial);
  if (!IMU.begin()) {
    Serial.println("Failed to initialize IMU!");
    while (1) delay(10);
  }
)" + extra_setup +
         R"(
  Serial.print("Accelerometer sample rate = ");
  Serial.println(IMU.accelerationSampleRate());
  Serial.println("aX,aY,aZ,gX,gY,gZ");
}

void loop() {
  float aX, aY, aZ, gX, gY, gZ;
  while (samplesRead == numSamples) {
    if (IMU.accelerationAvailable()) {
      IMU.readAcceleration(aX, aY, aZ);
      float aSum = fabs(aX) + fabs(aY) + fabs(aZ);
      if (aSum >= accelerationThreshold) {
        samplesRead = 0;
        break;
      }
    }
  }
  while (samplesRead < numSamples) {
    if (IMU.accelerationAvailable() && IMU.gyroscopeAvailable()) {
      IMU.readAcceleration(aX, aY, aZ);
      IMU.readGyroscope(gX, gY, gZ);
      samplesRead++;
      Serial.print(aX, 3); Serial.print(',');
      Serial.print(aY, 3); Serial.print(',');
      Serial.print(aZ, 3); Serial.print(',');
      Serial.print(gX, 3); Serial.print(',');
      Serial.print(gY, 3); Serial.print(',');
      Serial.print(gZ, 3);
      Serial.println();
      if (samplesRead == numSamples) Serial.println();
    }
  }
}
)";
}

std::string Fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

/// An IMU stream at `rate_hz`: `lead` rows at rest, a triggering jolt, 119 distinct gesture rows
/// (one beyond the accelerometer's and one beyond the gyroscope's full scale), `tail` rows at rest.
struct ImuStream {
  std::string csv;
  std::vector<double> t_ms;  ///< each row's time as written
  size_t jolt_row = 0;
  std::vector<std::string> expected;  ///< the capture's lines as the sketch prints them (clipped)
};

ImuStream MakeImuStream(double rate_hz, size_t lead = 240, size_t tail = 240) {
  ImuStream s;
  s.csv = "t_ms,ax,ay,az,gx,gy,gz,label\n";
  size_t row = 0;
  auto add = [&](double ax, double ay, double az, double gx, double gy, double gz,
                 const char* label) {
    const std::string t = Fixed3(static_cast<double>(row) * 1000.0 / rate_hz);
    s.t_ms.push_back(std::strtod(t.c_str(), nullptr));
    s.csv += t;
    for (double v : {ax, ay, az, gx, gy, gz}) s.csv += "," + Fixed3(v);
    s.csv += std::string(",") + label + "\n";
    ++row;
  };
  for (size_t i = 0; i < lead; ++i) add(0, 0, 1, 0, 0, 0, "");
  s.jolt_row = row;
  add(2.6, 0, 1, 0, 0, 0, "punch");
  for (int k = 0; k < 119; ++k) {
    double ax = (k % 50) * 0.01 - 0.24, ay = -k * 0.003, az = 1 + (k % 7) * 0.125;
    double gx = k * 1.5, gy = -k * 2.25, gz = 12.5;
    if (k == 40) ax = 5.5;      // beyond ±4 g: the sensor saturates
    if (k == 80) gy = -2600.0;  // beyond ±2000 dps
    add(ax, ay, az, gx, gy, gz, "punch");
    auto clip = [](double v, double r) { return std::max(-r, std::min(r, v)); };
    s.expected.push_back(Fixed3(clip(ax, 4)) + "," + Fixed3(ay) + "," + Fixed3(az) + "," +
                         Fixed3(gx) + "," + Fixed3(clip(gy, 2000)) + "," + Fixed3(gz));
  }
  for (size_t i = 0; i < tail; ++i) add(0, 0, 1, 0, 0, 0, "");
  return s;
}

class boardSensorStream : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = util::MakeTempDir("stream-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
  }
  void TearDown() override {
    for (const auto& b : builds_) RemoveBuild(b);
    util::RemoveTree(dir_);
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }

  BuildResult BuildOn(const std::string& board, const std::string& source,
                      const std::string& name) {
    auto profile = LoadProfile("harvard_tinymlx", board);
    EXPECT_TRUE(profile.ok()) << profile.error().message;
    if (!profile.ok()) return BuildResult{};
    BuildRequest req;
    req.sketch_path = Write(name + ".ino", source);
    auto r = BuildSketch(*profile, req, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return BuildResult{};
    builds_.push_back(*r);
    return *r;
  }

  RunReport RunOn(const BuildResult& b, const std::vector<std::string>& streams) {
    RunOptions o;
    o.stream_paths = streams;
    auto r = RunSketch(b, o, &runner_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : RunReport{};
  }

  /// The board's rate for a quantity, from its data.
  static double RateOf(const std::string& board, const std::string& sensor,
                       const std::string& quantity) {
    auto spec = LoadBoard(board);
    EXPECT_TRUE(spec.ok()) << spec.error().message;
    if (!spec.ok() || !spec->Sensor(sensor) || !spec->Sensor(sensor)->Quantity(quantity)) return 0;
    return spec->Sensor(sensor)->Quantity(quantity)->rate_hz;
  }

  /// Captures on `board`: the printed samples are the stream's rows after the jolt, each read
  /// once, at the sensor's rate.
  void ExpectExactCapture(const std::string& board, const std::string& include,
                          const std::string& extra_setup) {
    const double rate = RateOf(board, "IMU", "acceleration");
    ASSERT_GT(rate, 0);
    ImuStream stream = MakeImuStream(rate);
    BuildResult b = BuildOn(board, CaptureSketch(include, extra_setup), "capture");
    ASSERT_TRUE(b.compiled) << b.compiler_output;
    EXPECT_EQ(b.compiler_output.find("warning"), std::string::npos)
        << b.compiler_output;  // -Wall -Wextra
    EXPECT_EQ(b.board, board);
    RunReport r = RunOn(b, {Write("imu.csv", stream.csv)});
    ASSERT_TRUE(r.ran) << r.reason << "\n" << r.serial;
    EXPECT_FALSE(r.judged);
    EXPECT_EQ(r.verdict, "unjudged") << r.reason;
    EXPECT_TRUE(r.codes.empty()) << util::Join(r.codes, ",");
    EXPECT_EQ(r.end_reason, "scenario_end");

    // What the sketch printed: the reported rate, then exactly the 119 rows after the jolt.
    std::vector<std::string> lines;
    for (const auto& l : r.log.serial) lines.push_back(l.text);
    char rate_text[32];
    std::snprintf(rate_text, sizeof rate_text, "%.2f", rate);
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[0], std::string("Accelerometer sample rate = ") + rate_text);
    auto header = std::find(lines.begin(), lines.end(), "aX,aY,aZ,gX,gY,gZ");
    ASSERT_NE(header, lines.end()) << r.serial;
    std::vector<std::string> captured(header + 1, lines.end());
    ASSERT_GE(captured.size(), stream.expected.size()) << r.serial;
    captured.resize(stream.expected.size());
    EXPECT_EQ(captured, stream.expected);

    // What it read (the read log): every row from the jolt on, once each, at the sensor's rate.
    std::vector<const SensorRead*> accel, gyro;
    for (const auto& read : r.log.reads) {
      if (read.quantity == "acceleration" && read.row >= static_cast<long>(stream.jolt_row))
        accel.push_back(&read);
      if (read.quantity == "gyroscope" && read.row >= 0) gyro.push_back(&read);
      EXPECT_EQ(read.object, "IMU");
    }
    ASSERT_GE(accel.size(), 120u);
    ASSERT_EQ(gyro.size(), 119u);
    for (size_t i = 0; i < 120; ++i) {
      EXPECT_EQ(accel[i]->row, static_cast<long>(stream.jolt_row + i)) << i;
      EXPECT_EQ(accel[i]->unit, "g");
    }
    for (size_t i = 0; i < 119; ++i) {
      EXPECT_EQ(gyro[i]->row, accel[i + 1]->row) << i;
      EXPECT_EQ(gyro[i]->unit, "deg/s");
      ASSERT_EQ(gyro[i]->values.size(), 3u);
    }
    EXPECT_FLOAT_EQ(static_cast<float>(accel[41]->values[0]), 4.0f);     // 5.5 g saturates at 4 g
    EXPECT_FLOAT_EQ(static_cast<float>(gyro[80]->values[1]), -2000.0f);  // -2600 dps at -2000
    EXPECT_EQ(r.log.read_counts.at("gyroscope"), 119);
    // Over the whole run (the sketch reads every sample while it waits): every row once, in
    // order, each a few I2C transactions after its own time stamp — a sensor running at another
    // rate than the stream's (99.84 Hz against 100 Hz) drifts away from the stamps.
    std::vector<const SensorRead*> all;
    for (const auto& read : r.log.reads) {
      if (read.quantity == "acceleration" && read.row >= 0) all.push_back(&read);
    }
    ASSERT_EQ(all.size(), stream.t_ms.size());
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i]->row, static_cast<long>(i));
      double lag_us =
          static_cast<double>(all[i]->t_us - r.log.setup_done_us) - stream.t_ms[i] * 1000.0;
      EXPECT_GE(lag_us, 0) << "row " << i;
      EXPECT_LT(lag_us, 3500) << "row " << i;
    }
    double span_s = static_cast<double>(all.back()->t_us - all.front()->t_us) / 1e6;
    EXPECT_NEAR(static_cast<double>(all.size() - 1) / span_s, rate, rate * 0.0005);
  }

  std::string dir_;
  std::vector<BuildResult> builds_;
  exec::SandboxRunner runner_;
};

TEST_F(boardSensorStream, Rev1CaptureGetsTheStreamsSamplesAt119Hz) {
  EXPECT_DOUBLE_EQ(RateOf(kRev1, "IMU", "acceleration"), 119.0);
  ExpectExactCapture(kRev1, "Arduino_LSM9DS1.h", "  IMU.setOneShotMode();\n");
}

TEST_F(boardSensorStream, Rev2CaptureGetsTheStreamsSamplesAt99_84HzWithBmi270) {
  EXPECT_DOUBLE_EQ(RateOf(kRev2, "IMU", "acceleration"), 99.84);
  ExpectExactCapture(kRev2, "Arduino_BMI270_BMM150.h", "  IMU.oneShotMode();\n");
}

// Each board's libraries are the only ones a sketch can include: the other revision's header is
// missing with the compiler's own message, and the other revision's method names do not exist.
TEST_F(boardSensorStream, TheOtherRevisionsLibrariesAreMissing) {
  struct Case {
    const char* board;
    const char* header;
  } cases[] = {{kRev2, "Arduino_LSM9DS1.h"},
               {kRev1, "Arduino_BMI270_BMM150.h"},
               {kRev2, "Arduino_HTS221.h"},
               {kRev1, "Arduino_HS300x.h"}};
  for (const auto& c : cases) {
    std::string sketch =
        std::string("#include <") + c.header + ">\nvoid setup() {}\nvoid loop() {}\n";
    BuildResult b = BuildOn(c.board, sketch, "cross");
    EXPECT_FALSE(b.compiled) << c.board << " " << c.header;
    EXPECT_EQ(b.primary_code, "build.missing_header") << b.compiler_output;
    EXPECT_NE(b.compiler_output.find(std::string(c.header) + ": No such file or directory"),
              std::string::npos)
        << b.compiler_output;
  }
  // Rev1's setOneShotMode() is oneShotMode() on Rev2, and the other way round.
  BuildResult rev2 = BuildOn(
      kRev2, CaptureSketch("Arduino_BMI270_BMM150.h", "  IMU.setOneShotMode();\n"), "rev1_api");
  EXPECT_FALSE(rev2.compiled);
  EXPECT_EQ(rev2.primary_code, "build.api_mismatch") << rev2.compiler_output;
  BuildResult rev1 =
      BuildOn(kRev1, CaptureSketch("Arduino_LSM9DS1.h", "  IMU.oneShotMode();\n"), "rev2_api");
  EXPECT_FALSE(rev1.compiled);
  EXPECT_EQ(rev1.primary_code, "build.api_mismatch") << rev1.compiler_output;
  // The shared sensors build on both.
  const std::string shared =
      "#include <Arduino_APDS9960.h>\n#include <Arduino_LPS22HB.h>\n#include <ArduinoBLE.h>\n"
      "void setup() { APDS.begin(); BARO.begin(); BLE.begin(); }\nvoid loop() {}\n";
  EXPECT_TRUE(BuildOn(kRev1, shared, "shared1").compiled);
  EXPECT_TRUE(BuildOn(kRev2, shared, "shared2").compiled);
}

/// A sketch printing temperature (°C and °F), humidity and pressure once a second.
std::string ClimateSketch(const std::string& include, const std::string& object) {
  return "#include <" + include + ">\n#include <Arduino_LPS22HB.h>\n" + R"(
void setup() {
  Serial.begin(9600);
  while (!Serial);
  if (!)" +
         object + R"(.begin() || !BARO.begin()) {
    Serial.println("Failed to initialize sensors!");
    while (1) delay(10);
  }
}

void loop() {
  float t = )" +
         object + R"(.readTemperature();
  float f = )" +
         object + R"(.readTemperature(FAHRENHEIT);
  float h = )" +
         object + R"(.readHumidity();
  float p = BARO.readPressure();
  Serial.print(t, 2); Serial.print(' ');
  Serial.print(f, 2); Serial.print(' ');
  Serial.print(h, 2); Serial.print(' ');
  Serial.println(p, 3);
  delay(1000);
}
)";
}

void ExpectClimate(const RunReport& r, double max_temperature, const std::string& object) {
  ASSERT_TRUE(r.ran) << r.reason << "\n" << r.serial;
  EXPECT_EQ(r.verdict, "unjudged") << r.reason;
  std::vector<std::string> lines;
  for (const auto& l : r.log.serial) lines.push_back(l.text);
  // Rows at 0, 1, 2, 3 s; the stream ends at 4 s. The last row is beyond both sensors' ranges.
  ASSERT_EQ(lines.size(), 4u) << r.serial;
  EXPECT_EQ(lines[0], "21.50 70.70 40.00 101.325");
  EXPECT_EQ(lines[1], "22.25 72.05 41.50 100.900");
  EXPECT_EQ(lines[2], "23.00 73.40 43.00 99.500");
  char hot[64];
  std::snprintf(hot, sizeof hot, "%.2f %.2f 100.00 126.000", max_temperature,
                max_temperature * 9 / 5 + 32);
  EXPECT_EQ(lines[3], hot);
  std::map<std::string, int> per_quantity;
  for (const auto& read : r.log.reads) {
    per_quantity[read.quantity]++;
    EXPECT_EQ(read.object, read.quantity == "pressure" ? "BARO" : object);
    EXPECT_EQ(read.row, static_cast<long>((read.t_us - r.log.setup_done_us) / 1000000))
        << read.quantity;
  }
  EXPECT_EQ(per_quantity["temperature"], 8);
  EXPECT_EQ(per_quantity["humidity"], 4);
  EXPECT_EQ(per_quantity["pressure"], 4);
}

constexpr const char* kClimate =
    "t_ms,temperature,humidity,pressure\n"
    "0,21.5,40.0,101.325\n"
    "1000,22.25,41.5,100.9\n"
    "2000,23.0,43.0,99.5\n"
    "3000,130.0,104.0,130.0\n";

TEST_F(boardSensorStream, TemperatureHumidityAndPressureFollowTheStreamOnBothBoards) {
  BuildResult rev1 = BuildOn(kRev1, ClimateSketch("Arduino_HTS221.h", "HTS"), "climate1");
  ASSERT_TRUE(rev1.compiled) << rev1.compiler_output;
  ExpectClimate(RunOn(rev1, {Write("climate.csv", kClimate)}), 120.0,
                "HTS");  // HTS221: up to 120 °C

  BuildResult rev2 = BuildOn(kRev2, ClimateSketch("Arduino_HS300x.h", "HS300x"), "climate2");
  ASSERT_TRUE(rev2.compiled) << rev2.compiler_output;
  ExpectClimate(RunOn(rev2, {Write("climate.csv", kClimate)}), 125.0, "HS300x");  // HS3003: 125 °C
}

// Without a stream the sensors are at rest: gravity on z, no rotation, a quiet room. The IMU
// stream and the climate stream combine (each column from one file).
TEST_F(boardSensorStream, SensorsRestWithoutAStreamAndStreamsCombine) {
  const std::string sketch = R"(#include <Arduino_LSM9DS1.h>
#include <Arduino_HTS221.h>
void setup() { Serial.begin(9600); IMU.begin(); HTS.begin(); }
void loop() {
  float x, y, z;
  while (!IMU.accelerationAvailable()) {}
  IMU.readAcceleration(x, y, z);
  Serial.print(x, 2); Serial.print(' '); Serial.print(y, 2); Serial.print(' '); Serial.print(z, 2);
  Serial.print(' '); Serial.println(HTS.readTemperature(), 2);
  delay(400);
}
)";
  BuildResult b = BuildOn(kRev1, sketch, "rest");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  const std::string imu =
      Write("imu.csv", "t_ms,ax,ay,az,gx,gy,gz\n0,0.5,0.25,0.75,0,0,0\n500,0.5,0.25,0.75,0,0,0\n");
  const std::string climate =
      Write("climate.csv", "t_ms,temperature,humidity\n0,30.5,50\n1000,30.5,50\n2000,30.5,50\n");
  RunReport r = RunOn(b, {imu, climate});
  ASSERT_TRUE(r.ran) << r.reason;
  std::vector<std::string> lines;
  for (const auto& l : r.log.serial) lines.push_back(l.text);
  // The IMU stream ends at 1 s (last row + one interval): at rest from then on.
  ASSERT_GE(lines.size(), 5u) << r.serial;
  EXPECT_EQ(lines[0], "0.50 0.25 0.75 30.50");
  EXPECT_EQ(lines[2], "0.50 0.25 0.75 30.50");
  EXPECT_EQ(lines[3], "0.00 0.00 1.00 30.50");
  EXPECT_EQ(r.end_reason, "scenario_end");  // at the climate stream's end (3 s)
  EXPECT_GE(r.log.setup_done_us + 3000000, r.log.serial.back().t_us);

  // A stream the sketch never reads is a misused sensor.
  const std::string climate_only = R"(#include <Arduino_HTS221.h>
void setup() { HTS.begin(); }
void loop() { delay(100); }
)";
  BuildResult g = BuildOn(kRev1, climate_only, "unread");
  ASSERT_TRUE(g.compiled) << g.compiler_output;
  RunReport u = RunOn(g, {imu});
  EXPECT_EQ(u.verdict, "fail");
  EXPECT_NE(std::find(u.codes.begin(), u.codes.end(), "semantic.sensor_misuse"), u.codes.end());
  EXPECT_NE(u.reason.find("never read the streamed acceleration/gyroscope"), std::string::npos)
      << u.reason;
}

// Continuous mode: the LSM9DS1's FIFO holds the samples a slow loop would miss, up to 32.
TEST_F(boardSensorStream, ContinuousModeQueuesSamplesInTheFifo) {
  const std::string sketch = R"(#include <Arduino_LSM9DS1.h>
void setup() { Serial.begin(9600); IMU.begin(); IMU.setContinuousMode(); }
void loop() {
  delay(100);
  int n = 0;
  float x, y, z;
  while (IMU.accelerationAvailable()) { IMU.readAcceleration(x, y, z); n++; }
  Serial.println(n);
}
)";
  BuildResult b = BuildOn(kRev1, sketch, "fifo");
  ASSERT_TRUE(b.compiled) << b.compiler_output;
  ImuStream stream = MakeImuStream(119.0, 60, 60);
  RunReport r = RunOn(b, {Write("imu.csv", stream.csv)});
  ASSERT_TRUE(r.ran) << r.reason;
  ASSERT_GT(r.log.reads.size(), 100u);
  for (size_t i = 1; i < r.log.reads.size(); ++i) {
    EXPECT_EQ(r.log.reads[i].row, r.log.reads[i - 1].row + 1) << i;  // none lost, none twice
  }
  for (const auto& l : r.log.serial) {
    int n = std::atoi(l.text.c_str());
    // 100 ms at 119 Hz, plus what arrives while the loop drains and prints.
    EXPECT_GE(n, 11) << l.text;
    EXPECT_LE(n, 16) << l.text;
  }
}

}  // namespace
}  // namespace autopilot::board
