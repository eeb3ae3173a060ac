// Every code the DP semantic layer can emit, each triggered by a small hand-written artifact,
// and a passing case.

#include "autopilot/stage/dp_checks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <fstream>

#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

// Raw rows: red,green,blue,clear,proximity,label. Row 4 is dark, row 5 far, row 6 a duplicate.
const char* kRaw =
    "red,green,blue,clear,proximity,label\n"
    "100,50,50,200,0,apple\n"
    "60,60,30,150,0,banana\n"
    "120,50,30,210,0,orange\n"
    "3,2,1,5,0,apple\n"
    "100,40,60,200,200,apple\n"
    "100,50,50,200,0,apple\n"
    "90,45,45,180,0,apple\n"
    "70,66,34,160,0,banana\n"
    "130,60,20,230,0,orange\n"
    "110,40,50,190,0,apple\n";

class DpChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-dp-");
    c_.raw_csv = dir_ + "/raw.csv";
    c_.train_csv = dir_ + "/train.csv";
    c_.test_csv = dir_ + "/test.csv";
    c_.dataset.classes = {"apple", "banana", "orange"};
    c_.dataset.test_fraction = 0.25;
    std::ofstream(c_.raw_csv) << kRaw;
    started_ = FileClockNowNs(dir_);
  }
  void TearDown() override { util::RemoveTree(dir_); }

  static std::string Row(double r, double g, double b, const char* label) {
    double s = r + g + b;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.6f,%.6f,%.6f,%s\n", r / s, g / s, b / s, label);
    return buf;
  }
  void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  void WriteGood() {
    std::string h = "r_ratio,g_ratio,b_ratio,label\n";
    Write(c_.train_csv, h + Row(100, 50, 50, "apple") + Row(60, 60, 30, "banana") +
                            Row(120, 50, 30, "orange") + Row(90, 45, 45, "apple") +
                            Row(130, 60, 20, "orange") + Row(110, 40, 50, "apple"));
    Write(c_.test_csv, h + Row(70, 66, 34, "banana"));
  }
  bool Has(const validate::LayerResult& r, const std::string& code) {
    for (const auto& d : r.diagnostics) {
      if (d.code == code) return true;
    }
    return false;
  }
  std::string All(const validate::LayerResult& r) {
    std::string s;
    for (const auto& d : r.diagnostics) s += d.code + ": " + d.message + "\n";
    return s;
  }

  std::string dir_;
  DpContract c_;
  int64_t started_ = 0;
};

TEST_F(DpChecks, ExpectedRowsApplyCleaningAndRatios) {
  auto rows = ExpectedDpRows(c_.dataset, c_.raw_csv);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->size(), 7u);  // 10 minus dark, far, duplicate
  EXPECT_NEAR((*rows)[0].features[0], 0.5, 1e-9);
}

TEST_F(DpChecks, CorrectOutputsPass) {
  c_.dataset.test_fraction = 0.15;
  WriteGood();
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(r.passed) << All(r);
}

TEST_F(DpChecks, MissingOutput) {
  Write(c_.train_csv, "r_ratio,g_ratio,b_ratio,label\n");
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "semantic.artifact_missing")) << All(r);
}

TEST_F(DpChecks, StaleOutput) {
  WriteGood();
  struct utimbuf old {1000000000, 1000000000};
  ::utime(c_.test_csv.c_str(), &old);
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "semantic.artifact_stale")) << All(r);
}

TEST_F(DpChecks, MissingColumnIsDataSchema) {
  WriteGood();
  Write(c_.test_csv, "red_ratio,g_ratio,b_ratio,label\n" + Row(70, 66, 34, "banana"));
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "data.schema")) << All(r);
}

TEST_F(DpChecks, IndexColumnNanAndBadLabelAreInvalid) {
  WriteGood();
  Write(c_.test_csv, ",r_ratio,g_ratio,b_ratio,label\n0," + Row(70, 66, 34, "banana"));
  auto idx = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(idx, "semantic.artifact_invalid")) << All(idx);
  EXPECT_NE(All(idx).find("index"), std::string::npos);
  Write(c_.test_csv, "r_ratio,g_ratio,b_ratio,label\nnan,0.3,0.2,banana\n");
  EXPECT_TRUE(Has(CheckDpOutputs(c_, started_), "semantic.artifact_invalid"));
  Write(c_.test_csv, "r_ratio,g_ratio,b_ratio,label\n0.4,0.4,0.2,kiwi\n");
  auto label = CheckDpOutputs(c_, started_);
  EXPECT_NE(All(label).find("kiwi"), std::string::npos) << All(label);
}

TEST_F(DpChecks, OverlapIsDataLeakage) {
  WriteGood();
  Write(c_.test_csv, "r_ratio,g_ratio,b_ratio,label\n" + Row(70, 66, 34, "banana") + Row(100, 50, 50, "apple"));
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "semantic.data_leakage")) << All(r);
}

TEST_F(DpChecks, WrongMathsIsCaught) {
  // Min-max scaled counts instead of ratios: plausible ranges, wrong features.
  std::string h = "r_ratio,g_ratio,b_ratio,label\n";
  Write(c_.train_csv, h + "0.5,0.2,0.5,apple\n0.1,0.9,0.2,banana\n0.9,0.2,0.1,orange\n");
  Write(c_.test_csv, h + "0.2,0.8,0.3,banana\n");
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "semantic.artifact_invalid")) << All(r);
  EXPECT_NE(All(r).find("match no cleaned input sample"), std::string::npos) << All(r);
}

TEST_F(DpChecks, SkippedCleaningIsCaught) {
  WriteGood();
  // The dark sample (3,2,1) kept.
  std::string h = "r_ratio,g_ratio,b_ratio,label\n";
  Write(c_.test_csv, h + Row(70, 66, 34, "banana") + Row(3, 2, 1, "apple"));
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_TRUE(Has(r, "semantic.artifact_invalid")) << All(r);
}

TEST_F(DpChecks, DroppedSamplesAndWrongSplitAreCaught) {
  std::string h = "r_ratio,g_ratio,b_ratio,label\n";
  Write(c_.train_csv, h + Row(100, 50, 50, "apple") + Row(60, 60, 30, "banana") + Row(120, 50, 30, "orange"));
  Write(c_.test_csv, h + Row(70, 66, 34, "banana"));
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_NE(All(r).find("missing from the outputs"), std::string::npos) << All(r);
}

TEST_F(DpChecks, MissingClassInTraining) {
  std::string h = "r_ratio,g_ratio,b_ratio,label\n";
  Write(c_.train_csv, h + Row(100, 50, 50, "apple") + Row(60, 60, 30, "banana") + Row(90, 45, 45, "apple") +
                          Row(110, 40, 50, "apple") + Row(70, 66, 34, "banana"));
  Write(c_.test_csv, h + Row(120, 50, 30, "orange") + Row(130, 60, 20, "orange"));
  auto r = CheckDpOutputs(c_, started_);
  EXPECT_NE(All(r).find("class 'orange' is missing"), std::string::npos) << All(r);
}

}  // namespace
}  // namespace autopilot::stage
