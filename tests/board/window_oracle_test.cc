// The window oracle on a hand-built stream and event log: the windows it expects (trigger, start,
// normalised features), and its verdicts for right, misordered, missing and unreported inferences.
#include "autopilot/board/window_oracle.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autopilot/tflite/quantizer.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {

config::DatasetSettings Spec() {
  config::DatasetSettings d;
  d.feature_kind = "window";
  d.feature_columns = {"ax", "az"};
  d.normalize = {{-4, 8}, {-4, 8}};
  d.window.samples = 4;
  d.window.rate_hz = 10;
  d.window.order = "sample_major";
  d.window.trigger.kind = "abs_sum";
  d.window.trigger.channels = {"ax", "az"};
  d.window.trigger.threshold = 2.5;
  d.feature_names = config::WindowFeatureNames(d);
  d.classes = {"up", "down"};
  return d;
}

/// rest ×3, trigger, 4 readings "up" (ax rising), rest ×3, trigger, 4 readings "down", rest ×2.
SensorStream Stream() {
  SensorStream s;
  s.path = "imu.csv";
  s.columns = {"ax", "ay", "az"};
  double t = 0;
  auto row = [&](double ax, double az, const std::string& label) {
    s.rows.push_back({t, {ax, 0.0, az}, label, static_cast<int>(s.rows.size()) + 2});
    t += 100;
  };
  for (int i = 0; i < 3; ++i) row(0, 1, "");
  row(2, 1, "up");
  for (double v : {0.5, 1.0, 1.5, 2.0}) row(v, 1, "up");
  for (int i = 0; i < 3; ++i) row(0, 1, "");
  row(-2, 1, "down");
  for (double v : {-0.5, -1.0, -1.5, -2.0}) row(v, 1, "down");
  for (int i = 0; i < 2; ++i) row(0, 1, "");
  return s;
}

class WindowOracle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-window-oracle-");
    // A model that tells rising from falling ax (normalised 8 inputs, sample-major).
    std::vector<std::vector<float>> x;
    std::vector<int> y;
    for (int k = 0; k < 80; ++k) {
      const float sign = k % 2 ? -1.0f : 1.0f;
      const float jitter = 0.02f * static_cast<float>(k % 7);
      std::vector<float> f;
      for (int i = 0; i < 4; ++i) {
        f.push_back((sign * (0.5f * static_cast<float>(i + 1) + jitter) + 4) / 8);
        f.push_back((1 + 4) / 8.0f);  // az at rest: a constant feature the trainer must cope with
      }
      x.push_back(f);
      y.push_back(k % 2);
    }
    tflite::TrainOptions opts;
    opts.hidden = {6};
    opts.learning_rate = 0.05f;
    opts.epochs = 800;
    auto trained = tflite::TrainMlp(x, y, Spec().feature_names, {"up", "down"}, opts);
    ASSERT_TRUE(trained.ok()) << trained.error().message;
    ASSERT_GT(trained->train_accuracy, 0.99);
    auto q = tflite::QuantizeModel(trained->model, x, tflite::IoType::kInt8);
    ASSERT_TRUE(q.ok()) << q.error().message;
    model_ = dir_ + "/model.tflite";
    ASSERT_TRUE(tflite::SaveModel(*q, model_).ok());
  }
  void TearDown() override { util::RemoveTree(dir_); }

  /// An event log whose sketch invokes after each window on `inputs[i]` and prints scores.
  RunLog Log(const WindowPlan& plan, const std::vector<std::vector<double>>& inputs) {
    RunLog log;
    log.setup_done_us = 1000;
    for (size_t i = 0; i < inputs.size() && i < plan.windows.size(); ++i) {
      const int64_t t = log.setup_done_us + plan.windows[i].window_end_us + 5000;
      log.invokes.push_back({t, true, "i8", inputs[i], {}});
      const std::string other = plan.windows[i].expected_class == "up" ? "down" : "up";
      log.serial.push_back({t + 100, plan.windows[i].expected_class + ": 0.91"});
      log.serial.push_back({t + 200, other + ": 0.09"});
    }
    return log;
  }
  std::string dir_, model_;
};

TEST_F(WindowOracle, WindowsStartAfterEachTriggerAndAreNormalisedInOrder) {
  auto plan = ExpectWindows(Spec(), Stream(), model_, {"up", "down"});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->windows.size(), 2u);
  EXPECT_EQ(plan->windows[0].trigger_row, 3u);
  EXPECT_EQ(plan->windows[0].window_row, 4u);
  EXPECT_EQ(plan->windows[1].trigger_row, 11u);
  EXPECT_EQ(plan->windows[1].window_row, 12u);
  EXPECT_EQ(plan->windows[0].trigger_us, 300000);
  EXPECT_EQ(plan->windows[0].window_end_us, 700000);
  ASSERT_EQ(plan->windows[0].features.size(), 8u);
  EXPECT_DOUBLE_EQ(plan->windows[0].features[0], (0.5 + 4) / 8);  // ax of reading 0
  EXPECT_DOUBLE_EQ(plan->windows[0].features[1], (1 + 4) / 8.0);  // az of reading 0
  EXPECT_DOUBLE_EQ(plan->windows[0].features[6], (2.0 + 4) / 8);  // ax of reading 3
  EXPECT_EQ(plan->windows[0].label, "up");
  EXPECT_EQ(plan->windows[0].expected_class, "up");
  EXPECT_EQ(plan->windows[1].expected_class, "down");
  EXPECT_TRUE(plan->input_quantized);
  EXPECT_EQ(plan->windows[0].quantized.size(), 8u);
}

TEST_F(WindowOracle, RightInputsPassAndTheScoreTablePicksTheHighest) {
  auto plan = ExpectWindows(Spec(), Stream(), model_, {"up", "down"});
  ASSERT_TRUE(plan.ok());
  auto v = JudgeWindows(Log(*plan, {plan->windows[0].quantized, plan->windows[1].quantized}), Spec(), *plan,
                        {"up", "down"});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].verdict, "pass") << v[0].detail;
  EXPECT_EQ(v[1].verdict, "pass") << v[1].detail;
  EXPECT_EQ(v[1].reported, "down");
}

TEST_F(WindowOracle, SwappedChannelsAMissingInvokeAndAWrongReportAreEachNamed) {
  auto plan = ExpectWindows(Spec(), Stream(), model_, {"up", "down"});
  ASSERT_TRUE(plan.ok());
  std::vector<double> swapped = plan->windows[0].quantized;
  for (size_t i = 0; i + 1 < swapped.size(); i += 2) std::swap(swapped[i], swapped[i + 1]);
  RunLog log = Log(*plan, {swapped});  // and no Invoke for the second window
  auto v = JudgeWindows(log, Spec(), *plan, {"up", "down"});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].verdict, "semantic.wrong_input");
  EXPECT_NE(v[0].detail.find("the channels are in the order az, ax"), std::string::npos) << v[0].detail;
  EXPECT_NE(v[0].detail.find("input[0] (ax_0)"), std::string::npos) << v[0].detail;
  EXPECT_EQ(v[1].verdict, "semantic.no_inference");

  // The right input, but the sketch reports the other class.
  RunLog lying = Log(*plan, {plan->windows[0].quantized});
  lying.serial = {{lying.invokes[0].t_us + 100, "Prediction: down"}};
  auto w = JudgeWindows(lying, Spec(), *plan, {"up", "down"});
  EXPECT_EQ(w[0].verdict, "semantic.wrong_output");
  EXPECT_EQ(w[0].reported, "down");
  // No report at all.
  lying.serial.clear();
  EXPECT_EQ(JudgeWindows(lying, Spec(), *plan, {"up", "down"})[0].verdict, "semantic.no_result");
}

TEST_F(WindowOracle, AWindowOneReadingLateStillCountsAndAColumnTheStreamLacksIsAnError) {
  auto plan = ExpectWindows(Spec(), Stream(), model_, {"up", "down"});
  ASSERT_TRUE(plan.ok());
  // Started one reading late: readings 5..8 of the stream (the last is at rest).
  config::DatasetSettings d = Spec();
  std::vector<double> late;
  for (size_t r = 5; r < 9; ++r) {
    for (double raw : {Stream().rows[r].values[0], Stream().rows[r].values[2]}) {
      late.push_back(std::round((raw + 4) / 8 / plan->input_scale) + static_cast<double>(plan->input_zero_point));
    }
  }
  auto v = JudgeWindows(Log(*plan, {late, plan->windows[1].quantized}), d, *plan, {"up", "down"});
  EXPECT_TRUE(v[0].input_ok) << v[0].detail;

  d.feature_columns = {"ax", "gz"};
  auto bad = ExpectWindows(d, Stream(), model_, {"up", "down"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'gz' is not in the stream"), std::string::npos) << bad.error().message;
}

TEST(ReportedClassOfLines, ScoresPickTheHighestAndAnnouncementsTheLast) {
  EXPECT_EQ(ReportedClassOfLines({"punch: 0.20", "flex: 0.80"}, {"punch", "flex"}, {}), "flex");
  EXPECT_EQ(ReportedClassOfLines({"punch = 0.7", "flex = 0.3"}, {"punch", "flex"}, {}), "punch");
  EXPECT_EQ(ReportedClassOfLines({"Prediction: punch"}, {"punch", "flex"}, {}), "punch");
  EXPECT_EQ(ReportedClassOfLines({"Prediction: punch", "Prediction: flex"}, {"punch", "flex"}, {}), "flex");
  EXPECT_EQ(ReportedClassOfLines({"waiting for motion"}, {"punch", "flex"}, {}), "");
}

}  // namespace
}  // namespace autopilot::board
