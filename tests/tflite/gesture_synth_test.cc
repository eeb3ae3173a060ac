// The synthetic IMU gestures: GestureToEmoji's shape (119 readings per recording, g and deg/s in
// the sensor's range), reproducible, distinguishable, and a live stream whose trigger the
// feature pipeline finds right before each capture.

#include "autopilot/tflite/gesture_synth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace autopilot::tflite {
namespace {

TEST(GestureSynth, RecordingsHaveTheCaptureShapeAndStayInRange) {
  GestureSynthOptions o;
  o.recordings_per_class = 5;
  auto t = SynthesizeGestures(o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->header, (std::vector<std::string>{"recording", "t_ms", "ax", "ay", "az", "gx", "gy", "gz", "label"}));
  std::map<std::string, int> per_recording;
  for (const auto& r : t->rows) {
    ++per_recording[r[0]];
    for (int c = 2; c <= 4; ++c) EXPECT_LE(std::fabs(std::stod(r[static_cast<size_t>(c)])), 4.0);
    for (int c = 5; c <= 7; ++c) EXPECT_LE(std::fabs(std::stod(r[static_cast<size_t>(c)])), 2000.0);
  }
  EXPECT_EQ(per_recording.size(), 10u);
  for (const auto& [id, n] : per_recording) EXPECT_EQ(n, 119) << id;
  EXPECT_NEAR(std::stod(t->rows[1][1]), 1000.0 / 119, 1e-3) << "119 Hz time stamps";
  auto again = SynthesizeGestures(o);
  EXPECT_EQ(again->rows, t->rows) << "same seed, same table";
  o.seed = 2;
  EXPECT_NE(SynthesizeGestures(o)->rows, t->rows);
}

TEST(GestureSynth, PunchesPeakInXAndFlexesRotateAboutY) {
  GestureSynthOptions o;
  o.recordings_per_class = 8;
  auto t = SynthesizeGestures(o);
  ASSERT_TRUE(t.ok());
  std::map<std::string, double> peak_ax, peak_gy;
  for (const auto& r : t->rows) {
    peak_ax[r[8]] = std::max(peak_ax[r[8]], std::fabs(std::stod(r[2])));
    peak_gy[r[8]] = std::max(peak_gy[r[8]], std::fabs(std::stod(r[6])));
  }
  EXPECT_GT(peak_ax["punch"], 2.5);
  EXPECT_GT(peak_gy["flex"], 200);
  EXPECT_LT(peak_gy["punch"], 60);
}

TEST(GestureSynth, UnknownGesturesAreRefused) {
  GestureSynthOptions o;
  o.gestures = {"punch", "kick"};
  auto t = SynthesizeGestures(o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("unknown gesture 'kick'"), std::string::npos);
}

TEST(GestureSynth, TheStreamRestsTriggersAndReplaysEachCapture) {
  GestureSynthOptions o;
  o.recordings_per_class = 1;
  auto caps = SynthesizeGestures(o);
  ASSERT_TRUE(caps.ok());
  Table s = GestureStream(*caps, 119, 2.5, 500, 1000);
  EXPECT_EQ(s.header.front(), "t_ms");
  // The first reading above the trigger is the jolt; the next 119 are the first capture.
  size_t jolt = 0;
  for (; jolt < s.rows.size(); ++jolt) {
    double sum = 0;
    for (int c = 1; c <= 3; ++c) sum += std::fabs(std::stod(s.rows[jolt][static_cast<size_t>(c)]));
    if (sum >= 2.5) break;
  }
  ASSERT_LT(jolt, s.rows.size());
  EXPECT_NEAR(std::stod(s.rows[jolt][0]), 500, 10) << "after the lead at rest";
  for (size_t i = 0; i < 119; ++i) {
    EXPECT_EQ(s.rows[jolt + 1 + i][1], caps->rows[i][2]) << i;
    EXPECT_EQ(s.rows[jolt + 1 + i][6], caps->rows[i][7]) << i;
  }
  EXPECT_EQ(s.rows[jolt + 1][7], "punch");
}

}  // namespace
}  // namespace autopilot::tflite
