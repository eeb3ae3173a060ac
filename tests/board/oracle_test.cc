#include "autopilot/board/oracle.h"

#include <gtest/gtest.h>

namespace autopilot::board {
namespace {

const std::vector<std::string> kClasses = {"apple", "banana", "orange"};
const std::vector<std::string> kEmojis = {"\xF0\x9F\x8D\x8E", "\xF0\x9F\x8D\x8C", "\xF0\x9F\x8D\x8A"};

TEST(boardOracle, ReportedClassFromNamesEmojisAndScoreLines) {
  EXPECT_EQ(ReportedClass("Detected: BANANA", kClasses, kEmojis), "banana");
  EXPECT_EQ(ReportedClass("\xF0\x9F\x8D\x8A", kClasses, kEmojis), "orange");
  EXPECT_EQ(ReportedClass("Apple=0.10 Banana=0.80 Orange=0.10", kClasses, kEmojis), "");
  EXPECT_EQ(ReportedClass("RGB 0.5 -> Pred: Orange (scores: Apple=0.1, Orange=0.8)", kClasses, kEmojis), "orange");
  EXPECT_EQ(ReportedClass("r=0.5 g=0.3", kClasses, kEmojis), "");
  EXPECT_EQ(ReportedClass("\xF0\x9F\x8D\x8C Banana | scores: Apple=0.1, Banana=0.8, Orange=0.1", kClasses, kEmojis), "banana");
}

TEST(boardOracle, ParsesEventLog) {
  RunLog log = ParseEventLog(
      "R 0 reset\nS 10 Hello\\r\\n\nS 20 par\nS 25 t\\r\\n\nM 30 ok\nA 40 ok arena=8192 needed=900\n"
      "B 50 setup_done\nI 700000 ok in=f:0.5,0.3,0.2 out=f:0.1,0.8,0.1\nO 700010 0\n"
      "X 900000 color_reads=7 proximity_reads=0\nE 900000 scenario_end\n");
  ASSERT_EQ(log.serial.size(), 2u);
  EXPECT_EQ(log.serial[0].text, "Hello");
  EXPECT_EQ(log.serial[1].text, "part");
  EXPECT_EQ(log.serial[1].t_us, 20);
  EXPECT_EQ(log.allocations_ok, 1);
  EXPECT_EQ(log.setup_done_us, 50);
  ASSERT_EQ(log.invokes.size(), 1u);
  EXPECT_EQ(log.invokes[0].in_type, "f");
  EXPECT_DOUBLE_EQ(log.invokes[0].in[1], 0.3);
  EXPECT_EQ(log.output_reads, 1);
  EXPECT_EQ(log.color_reads, 7);
  EXPECT_EQ(log.end_reason, "scenario_end");
}

TEST(boardOracle, ParsesSensorReadsAndTheirCounts) {
  RunLog log = ParseEventLog(
      "B 50 setup_done\n"
      "D 15021 acceleration IMU 0 g 0,0,1\n"
      "D 527731 acceleration IMU 61 g -0.25,0.00300000003,1\n"
      "D 528561 gyroscope IMU 61 deg/s 0,0,12.5\n"
      "D 600000 temperature HS300x -1 F 71.5999985\n"
      "D 700000 color APDS 3 counts 342,141,126,640\n"
      "X 900000 color_reads=1 proximity_reads=0 acceleration_reads=2 gyroscope_reads=1 temperature_reads=1 reads_logged=5\n"
      "E 900000 scenario_end\n");
  ASSERT_EQ(log.reads.size(), 5u);
  EXPECT_EQ(log.reads[1].t_us, 527731);
  EXPECT_EQ(log.reads[1].quantity, "acceleration");
  EXPECT_EQ(log.reads[1].object, "IMU");
  EXPECT_EQ(log.reads[1].row, 61);
  EXPECT_EQ(log.reads[1].unit, "g");
  ASSERT_EQ(log.reads[1].values.size(), 3u);
  EXPECT_FLOAT_EQ(static_cast<float>(log.reads[1].values[1]), 0.003f);
  EXPECT_EQ(log.reads[3].row, -1);
  EXPECT_EQ(log.reads[3].unit, "F");
  EXPECT_EQ(log.reads[4].values.size(), 4u);
  EXPECT_EQ(log.color_reads, 1);
  EXPECT_EQ(log.read_counts.at("acceleration"), 2);
  EXPECT_EQ(log.read_counts.at("proximity"), 0);
  EXPECT_EQ(log.read_counts.count("reads_logged"), 0u);
  EXPECT_EQ(log.read_counts.size(), 5u);
}

TEST(boardOracle, JudgesEachSample) {
  Timeline t;  // sample 0: 0.5–2.0 s after setup, sample 1: 3.0–4.5 s, sample 2: 5.5–7.0 s
  RunLog log;
  log.setup_done_us = 0;
  log.invokes.push_back({600000, true, "f", {0.5, 0.3, 0.2}, {}});
  log.serial.push_back({600100, "Prediction: banana"});
  log.invokes.push_back({3100000, true, "f", {120, 80, 50}, {}});
  log.serial.push_back({3100100, "Prediction: apple"});
  std::vector<Expectation> e(3);
  e[0].features = {0.5f, 0.3f, 0.2f};
  e[0].expected_class = "banana";
  e[1].features = {0.48f, 0.32f, 0.2f};
  e[1].expected_class = "apple";
  e[2].features = {0.6f, 0.3f, 0.1f};
  e[2].expected_class = "orange";
  auto v = JudgeSamples(log, t, e, kClasses, kEmojis);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].verdict, "pass");
  EXPECT_EQ(v[1].verdict, "semantic.wrong_input");
  EXPECT_EQ(v[2].verdict, "semantic.no_inference");
  log.serial[0].text = "Prediction: orange";
  EXPECT_EQ(JudgeSamples(log, t, e, kClasses, kEmojis)[0].verdict, "semantic.wrong_output");
  log.serial[0].text = "done";
  EXPECT_EQ(JudgeSamples(log, t, e, kClasses, kEmojis)[0].verdict, "semantic.no_result");
}

TEST(boardOracle, QuantizedInputsCompareInStoredUnits) {
  Timeline t;
  RunLog log;
  log.setup_done_us = 0;
  log.invokes.push_back({600000, true, "u8", {128, 77, 51}, {}});
  log.serial.push_back({600100, "apple"});
  std::vector<Expectation> e(1);
  e[0].features = {0.5f, 0.3f, 0.2f};
  e[0].input_quantized = true;
  e[0].quantized = {128, 77, 51};
  e[0].expected_class = "apple";
  EXPECT_EQ(JudgeSamples(log, t, e, kClasses, kEmojis)[0].verdict, "pass");
  log.invokes[0].in = {0, 0, 1};
  EXPECT_EQ(JudgeSamples(log, t, e, kClasses, kEmojis)[0].verdict, "semantic.wrong_input");
}

}  // namespace
}  // namespace autopilot::board
