// Every code the MC semantic layer can emit, each triggered by a real model file, and a pass.

#include "autopilot/stage/mc_checks.h"

#include <gtest/gtest.h>
#include <utime.h>

#include <fstream>
#include <random>

#include "autopilot/stage/dp_checks.h"
#include "autopilot/tflite/fruit_synth.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

const std::vector<std::string> kSpecs = {"red/(red+green+blue)", "green/(red+green+blue)",
                                         "blue/(red+green+blue)"};
const std::vector<std::string> kClasses = {"apple", "banana", "orange"};

/// One trained float model and its quantized variants, shared by the tests (training is the slow
/// part).
class McChecks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(*util::MakeTempDir("ap-mc-"));
    auto table = tflite::SynthesizeFruit(600, 3);
    // Keep only valid samples (near, bright) for training and testing.
    tflite::Table clean;
    clean.header = table.header;
    for (const auto& row : table.rows) {
      if (std::stoi(row[3]) >= 10 && std::stoi(row[4]) == 0) clean.rows.push_back(row);
    }
    tflite::Table train = clean, test = clean;
    train.rows.assign(clean.rows.begin(), clean.rows.begin() + static_cast<long>(clean.rows.size() * 4 / 5));
    test.rows.assign(clean.rows.begin() + static_cast<long>(clean.rows.size() * 4 / 5), clean.rows.end());
    std::ofstream(*dir_ + "/test.csv") << tflite::FormatCsv(test);
    auto x = *tflite::ExtractFeatures(train, kSpecs);
    std::vector<std::string> cls = kClasses;
    auto y = *tflite::ExtractLabels(train, "label", &cls);
    tflite::TrainOptions opts;
    opts.epochs = 150;
    auto trained = tflite::TrainMlp(x, y, kSpecs, kClasses, opts);
    ASSERT_TRUE(trained.ok()) << trained.error().message;
    float_model_ = new tflite::Model(trained->model);
    ASSERT_TRUE(tflite::SaveModel(*float_model_, *dir_ + "/float.tflite").ok());
    auto q = tflite::QuantizeModel(*float_model_, x, tflite::IoType::kInt8);
    ASSERT_TRUE(q.ok()) << q.error().message;
    ASSERT_TRUE(tflite::SaveModel(*q, *dir_ + "/good_int8.tflite").ok());
    // Calibrated on noise far outside the feature range: the study's random-data mistake.
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> wild(-40.f, 40.f);
    std::vector<std::vector<float>> noise(64, std::vector<float>(3));
    for (auto& r : noise) {
      for (auto& v : r) v = wild(rng);
    }
    auto bad = tflite::QuantizeModel(*float_model_, noise, tflite::IoType::kInt8);
    ASSERT_TRUE(bad.ok());
    ASSERT_TRUE(tflite::SaveModel(*bad, *dir_ + "/noise_int8.tflite").ok());
    auto u8 = tflite::QuantizeModel(*float_model_, x, tflite::IoType::kUInt8);
    ASSERT_TRUE(u8.ok());
    ASSERT_TRUE(tflite::SaveModel(*u8, *dir_ + "/uint8.tflite").ok());
  }
  static void TearDownTestSuite() {
    util::RemoveTree(*dir_);
    delete dir_;
    delete float_model_;
  }

  /// Copies a prepared model to the output path (so it is fresh) and checks it.
  validate::LayerResult Check(const std::string& source, McContract* c = nullptr) {
    McContract local = Contract();
    if (!c) c = &local;
    int64_t started = FileClockNowNs(*dir_);
    auto bytes = util::ReadFile(*dir_ + "/" + source);
    EXPECT_TRUE(bytes.ok());
    util::WriteFileAtomic(c->output_model, *bytes).ok();
    return CheckMcOutput(*c, started, &report_);
  }
  McContract Contract() {
    McContract c;
    c.output_model = *dir_ + "/out.tflite";
    c.float_model = *dir_ + "/float.tflite";
    c.test_csv = *dir_ + "/test.csv";
    c.feature_names = kSpecs;
    c.classes = kClasses;
    return c;
  }
  static std::string Codes(const validate::LayerResult& r) {
    std::string s;
    for (const auto& d : r.diagnostics) s += d.code + " (" + d.message + ") ";
    return s;
  }

  static std::string* dir_;
  static tflite::Model* float_model_;
  McReport report_;
};
std::string* McChecks::dir_ = nullptr;
tflite::Model* McChecks::float_model_ = nullptr;

TEST_F(McChecks, ProperlyQuantizedModelPasses) {
  auto r = Check("good_int8.tflite");
  EXPECT_TRUE(r.passed) << Codes(r);
  EXPECT_EQ(report_.input_dtype, "int8");
  EXPECT_GT(report_.float_accuracy, 0.8);
  EXPECT_GE(report_.model_accuracy + 0.02, report_.float_accuracy);
}

TEST_F(McChecks, MissingAndStale) {
  auto c = Contract();
  c.output_model = *dir_ + "/never-written.tflite";
  EXPECT_EQ(CheckMcOutput(c, FileClockNowNs(*dir_), nullptr).diagnostics.at(0).code, "semantic.artifact_missing");
  c.output_model = *dir_ + "/good_int8.tflite";  // written before "this run" started
  struct utimbuf old {1000000000, 1000000000};
  ::utime(c.output_model.c_str(), &old);
  EXPECT_EQ(CheckMcOutput(c, FileClockNowNs(*dir_), nullptr).diagnostics.at(0).code, "semantic.artifact_stale");
}

TEST_F(McChecks, CorruptFileIsASchemaMismatch) {
  std::ofstream(*dir_ + "/junk.tflite") << "definitely not a flatbuffer";
  auto r = Check("junk.tflite");
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.diagnostics.at(0).code, "ml.schema_mismatch");
}

TEST_F(McChecks, FloatModelIsNotQuantizedAndHasTheWrongDtypes) {
  auto r = Check("float.tflite");
  ASSERT_FALSE(r.passed);
  std::string codes = Codes(r);
  EXPECT_NE(codes.find("ml.conversion_config"), std::string::npos) << codes;
  EXPECT_NE(codes.find("ml.not_quantized"), std::string::npos) << codes;
}

TEST_F(McChecks, WrongIoTypeIsConversionConfig) {
  auto r = Check("uint8.tflite");
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.diagnostics.at(0).code, "ml.conversion_config");
  EXPECT_NE(r.diagnostics.at(0).message.find("uint8"), std::string::npos);
}

TEST_F(McChecks, CalibrationOnNoiseDegradesAccuracy) {
  auto r = Check("noise_int8.tflite");
  ASSERT_FALSE(r.passed) << "accuracy " << report_.model_accuracy << " vs " << report_.float_accuracy;
  EXPECT_EQ(r.diagnostics.at(0).code, "ml.accuracy_degraded");
}

TEST_F(McChecks, FlashBudget) {
  auto c = Contract();
  c.flash_kb = 1;
  auto r = Check("good_int8.tflite", &c);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.diagnostics.at(0).code, "build.memory_overflow");
}

}  // namespace
}  // namespace autopilot::stage
