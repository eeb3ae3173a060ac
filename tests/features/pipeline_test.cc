// The feature pipeline from its definition in the project file: per-reading features, windows
// (normalisation, order, statistics), the trigger, the live-stream window, recordings, prompts.

#include "autopilot/features/pipeline.h"

#include <gtest/gtest.h>

#include <cmath>

namespace autopilot::features {
namespace {

config::DatasetSettings Gesture(int samples = 3) {
  auto cfg = config::ParseProjectConfig(
      "version: 1\ndataset:\n  features:\n    kind: window\n    columns: [ax, ay, az, gx]\n"
      "    normalize:\n      ax: {offset: -4, scale: 8}\n      ay: {offset: -4, scale: 8}\n"
      "      az: {offset: -4, scale: 8}\n      gx: {offset: -2000, scale: 4000}\n"
      "    window:\n      samples: " + std::to_string(samples) + "\n      rate_hz: 119\n      recording: rec\n"
      "      trigger: {kind: abs_sum, channels: [ax, ay, az], threshold: 2.5}\n",
      "g.yaml", "/p");
  EXPECT_TRUE(cfg.ok()) << cfg.error().message;
  return cfg->dataset;
}

TEST(FeaturePipeline, WindowsAreNormalisedAndFlattenedSampleMajor) {
  const auto d = Gesture(2);
  Readings r = {{0, 0, 1, 0}, {4, -4, 0, 2000}, {1, 2, 3, -2000}};
  auto f = WindowFeatures(d, r, 1);
  ASSERT_TRUE(f.has_value());
  const std::vector<double> want = {1.0, 0.0, 0.5, 1.0, 5.0 / 8, 6.0 / 8, 7.0 / 8, 0.0};
  ASSERT_EQ(f->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_DOUBLE_EQ((*f)[i], want[i]) << i;
  EXPECT_EQ(f->size(), d.feature_names.size());
  EXPECT_FALSE(WindowFeatures(d, r, 2).has_value()) << "one reading short";
}

TEST(FeaturePipeline, ChannelMajorAndStatistics) {
  auto d = Gesture(2);
  d.window.order = "channel_major";
  Readings r = {{4, 0, 0, 0}, {-4, 0, 0, 0}};
  auto f = WindowFeatures(d, r);
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ((*f)[0], 1.0);  // ax reading 0
  EXPECT_DOUBLE_EQ((*f)[1], 0.0);  // ax reading 1
  EXPECT_DOUBLE_EQ((*f)[2], 0.5);  // ay reading 0
  d.window.stats = {"mean", "min", "max", "rms"};
  auto s = WindowFeatures(d, r);
  ASSERT_TRUE(s);
  ASSERT_EQ(s->size(), 16u);
  EXPECT_DOUBLE_EQ((*s)[0], 0.5);                      // ax mean of 1 and 0
  EXPECT_DOUBLE_EQ((*s)[1], 0.0);                      // min
  EXPECT_DOUBLE_EQ((*s)[2], 1.0);                      // max
  EXPECT_DOUBLE_EQ((*s)[3], std::sqrt(0.5));           // rms
}

TEST(FeaturePipeline, TheTriggerStartsTheLiveWindowAfterTheTriggeringReading) {
  const auto d = Gesture(2);
  Readings stream = {{0, 0, 1, 0}, {0.5, 0.5, 1, 0}, {1, 1, 1, 10}, {2, 0, 0, 20}, {3, 0, 0, 30}, {0, 0, 1, 0}};
  EXPECT_DOUBLE_EQ(TriggerValue(d, stream[2]), 3.0);
  ASSERT_EQ(FindTrigger(d, stream), std::optional<size_t>(2));
  size_t start = 0;
  auto w = StreamWindow(d, stream, 0, &start);
  ASSERT_TRUE(w);
  EXPECT_EQ(start, 3u) << "GestureToEmoji drops the triggering reading";
  EXPECT_DOUBLE_EQ((*w)[0], (2.0 + 4) / 8);
  EXPECT_FALSE(StreamWindow(d, stream, 5)) << "no trigger after reading 5";
  auto m = d;
  m.window.trigger.kind = "magnitude";
  EXPECT_DOUBLE_EQ(TriggerValue(m, {3, 4, 0, 0}), 5.0);
}

TEST(FeaturePipeline, RecordingsGroupByColumnAndRejectBadRowsWithTheirLine) {
  const auto d = Gesture(2);
  auto t = tflite::ParseCsv("rec,ax,ay,az,gx,label\nA,0,0,1,0,punch\nB,1,1,1,0,flex\nA,0,1,0,0,punch\n", "raw.csv");
  ASSERT_TRUE(t.ok());
  auto recs = GroupRecordings(*t, d, "raw.csv");
  ASSERT_TRUE(recs.ok()) << recs.error().message;
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[0].id, "A");
  EXPECT_EQ((*recs)[0].readings.size(), 2u);
  EXPECT_EQ((*recs)[1].label, "flex");
  auto bad = tflite::ParseCsv("rec,ax,ay,az,gx,label\nA,0,0,1,0,punch\nA,0,x,1,0,punch\n", "raw.csv");
  auto e = GroupRecordings(*bad, d, "raw.csv");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("raw.csv:3: 'ay' is not a number"), std::string::npos) << e.error().message;
  auto relabel = tflite::ParseCsv("rec,ax,ay,az,gx,label\nA,0,0,1,0,punch\nA,0,0,1,0,flex\n", "raw.csv");
  EXPECT_FALSE(GroupRecordings(*relabel, d, "raw.csv").ok());
}

TEST(FeaturePipeline, ReadingFeaturesForRatiosAndNormalisedColumns) {
  config::DatasetSettings d;  // the colour study's defaults
  auto f = ReadingFeatures(d, {10, 30, 60});
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ((*f)[2], 0.6);
  EXPECT_FALSE(ReadingFeatures(d, {0, 0, 0}));
  d.feature_kind = "columns";
  d.normalize = {{10, 2}, {0, 1}, {0, 1}};
  EXPECT_DOUBLE_EQ((*ReadingFeatures(d, {14, 3, 5}))[0], 2.0);
}

TEST(FeaturePipeline, DescribeStatesWhatTheSketchMustCompute) {
  const auto d = Gesture(119);
  const std::string s = Describe(d);
  EXPECT_NE(s.find("119 consecutive readings of ax, ay, az, gx at 119 Hz"), std::string::npos) << s;
  EXPECT_NE(s.find("|ax| + |ay| + |az| >= 2.5"), std::string::npos) << s;
  EXPECT_NE(s.find("ax → (ax + 4) / 8"), std::string::npos) << s;
  EXPECT_NE(s.find("gx → (gx + 2000) / 4000"), std::string::npos) << s;
  EXPECT_NE(s.find("476 inputs"), std::string::npos) << s;
  config::DatasetSettings colour;
  EXPECT_EQ(Describe(colour), "r_ratio = red / (red + green + blue), g_ratio = green / (red + green + blue), "
                              "b_ratio = blue / (red + green + blue)");
}

}  // namespace
}  // namespace autopilot::features
