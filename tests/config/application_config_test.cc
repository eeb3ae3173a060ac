// The application as data: sensors, boards and the feature pipeline in the project file, and the
// strict errors (file:line, the allowed values) for what the tool does not know.

#include <gtest/gtest.h>

#include "autopilot/config/project_config.h"

namespace autopilot::config {
namespace {

constexpr const char* kGesture = R"(version: 1
board:
  model: nano33ble_sense_rev2
  sensors: [IMU]
dataset:
  raw_csv: gestures.csv
  classes: [punch, flex]
  features:
    kind: window
    columns: [ax, ay, az, gx, gy, gz]
    normalize:
      ax: {offset: -4, scale: 8}
      ay: {offset: -4, scale: 8}
      az: {offset: -4, scale: 8}
      gx: {offset: -2000, scale: 4000}
      gy: {offset: -2000, scale: 4000}
      gz: {offset: -2000, scale: 4000}
    window:
      samples: 119
      rate_hz: 119
      recording: recording
      trigger: {kind: abs_sum, channels: [ax, ay, az], threshold: 2.5}
)";

TEST(ApplicationConfig, AWindowPipelineIsReadAndItsNamesDerived) {
  auto cfg = ParseProjectConfig(kGesture, "gesture.yaml", "/p");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const auto& d = cfg->dataset;
  EXPECT_EQ(d.feature_kind, "window");
  EXPECT_EQ(d.window.samples, 119);
  EXPECT_DOUBLE_EQ(d.window.rate_hz, 119);
  EXPECT_EQ(d.window.trigger.kind, "abs_sum");
  EXPECT_DOUBLE_EQ(d.window.trigger.threshold, 2.5);
  ASSERT_EQ(d.normalize.size(), 6u);
  EXPECT_DOUBLE_EQ(d.normalize[0].offset, -4);
  EXPECT_DOUBLE_EQ(d.normalize[3].scale, 4000);
  ASSERT_EQ(d.feature_names.size(), 119u * 6u);
  EXPECT_EQ(d.feature_names[0], "ax_0");
  EXPECT_EQ(d.feature_names[5], "gz_0");
  EXPECT_EQ(d.feature_names[6], "ax_1") << "sample-major by default, as GestureToEmoji";
  EXPECT_EQ(cfg->board.model, "nano33ble_sense_rev2");
  EXPECT_EQ(cfg->board.sensors, std::vector<std::string>{"IMU"});
  EXPECT_EQ(cfg->board.sensor, "IMU");
}

TEST(ApplicationConfig, ChannelMajorAndStatisticsNameTheirFeatures) {
  std::string text = kGesture;
  text.replace(text.find("      recording:"), 0, "      order: channel_major\n");
  auto cm = ParseProjectConfig(text, "g.yaml", "/p");
  ASSERT_TRUE(cm.ok()) << cm.error().message;
  EXPECT_EQ(cm->dataset.feature_names[1], "ax_1");
  EXPECT_EQ(cm->dataset.feature_names[119], "ay_0");
  std::string stats = kGesture;
  stats.replace(stats.find("      recording:"), 0, "      stats: [mean, rms]\n");
  auto st = ParseProjectConfig(stats, "g.yaml", "/p");
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->dataset.feature_names, (std::vector<std::string>{"ax_mean", "ax_rms", "ay_mean", "ay_rms", "az_mean", "az_rms",
                                                                  "gx_mean", "gx_rms", "gy_mean", "gy_rms", "gz_mean", "gz_rms"}));
}

TEST(ApplicationConfig, TheColourStudyStillReadsAsBefore) {
  auto cfg = ParseProjectConfig("version: 1\n", "a.yaml", "/p");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->dataset.feature_kind, "ratio");
  EXPECT_EQ(cfg->dataset.feature_names, (std::vector<std::string>{"r_ratio", "g_ratio", "b_ratio"}));
  EXPECT_EQ(cfg->board.sensors, std::vector<std::string>{"APDS9960"});
  EXPECT_EQ(cfg->board.model, "nano33ble_sense");
  EXPECT_TRUE(cfg->dataset.normalize.empty());
}

void ExpectError(const std::string& text, const std::string& line, const std::string& what) {
  auto cfg = ParseProjectConfig(text, "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok()) << text;
  EXPECT_NE(cfg.error().message.find("p.yaml:" + line), std::string::npos) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find(what), std::string::npos) << cfg.error().message;
}

TEST(ApplicationConfig, UnknownSensorsBoardsAndKindsNameFileLineAndTheAllowedValues) {
  ExpectError("version: 1\nboard:\n  sensors: [APDS9960, GPS]\n", "3", "unknown sensor 'GPS'; expected one of: APDS9960, IMU");
  ExpectError("version: 1\nboard:\n  model: nano33iot\n", "3", "nano33ble_sense");
  ExpectError("version: 1\ndataset:\n  features:\n    kind: fft\n", "4", "expected one of: ratio, columns, window");
  std::string stats = kGesture;
  stats.replace(stats.find("      recording:"), 0, "      stats: [mean, median]\n");
  ExpectError(stats, "21", "unknown statistic 'median'");
}

TEST(ApplicationConfig, AnInconsistentPipelineIsRefusedWithTheReason) {
  std::string trig = kGesture;
  trig.replace(trig.find("channels: [ax, ay, az], threshold"), std::string("channels: [ax, ay, az]").size(),
               "channels: [ax, ay, mag]");
  ExpectError(trig, "22", "'mag' is not a feature column");
  std::string norm = kGesture;
  norm.replace(norm.find("      ax: {offset: -4, scale: 8}"), std::string("      ax: {offset: -4, scale: 8}").size(),
               "      ax: {offset: -4, scale: 0}");
  ExpectError(norm, "12", "must not be 0");
  std::string nowin = kGesture;
  nowin = nowin.substr(0, nowin.find("    window:"));
  ExpectError(nowin, "", "kind window needs window: {samples, rate_hz}");
  std::string names = kGesture;
  names.replace(names.find("    normalize:"), 0, "    names: [a, b]\n");
  ExpectError(names, "", "are derived for kind window");
}

}  // namespace
}  // namespace autopilot::config
