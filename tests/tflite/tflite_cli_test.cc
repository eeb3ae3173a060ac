// End-to-end: the real binary through the fruit pipeline and the inspect/header/run contracts.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using test::CliRun;

class tflite_Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("tflite-cli-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
  }
  void TearDown() override { util::RemoveTree(dir_); }
  CliRun Cli(std::vector<std::string> args) {
    test::CliCall call;
    call.workdir = dir_;
    call.timeout_s = 120;
    return test::RunCli(args, call);
  }
  nlohmann::json Json(const CliRun& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }
  std::string dir_;
};

const char* kFeatures = "red/(red+green+blue),green/(red+green+blue),blue/(red+green+blue)";

TEST_F(tflite_Cli, FruitPipelineKeepsAccuracyWithinTwoPoints) {
  ASSERT_EQ(Cli({"data", "synth", "fruit", "--rows", "1500", "--seed", "7", "-o", "train.csv"}).code, 0);
  ASSERT_EQ(Cli({"data", "synth", "fruit", "--rows", "800", "--seed", "99", "-o", "test.csv"}).code, 0);
  auto train = Cli({"model", "train", "train.csv", "--features", kFeatures, "--label", "label",
                    "--hidden", "8,5", "--seed", "3", "-o", "float.tflite"});
  ASSERT_EQ(train.code, 0) << train.err;
  auto quant = Cli({"model", "quantize", "float.tflite", "--representative", "train.csv", "--io",
                    "uint8", "-o", "int8.tflite", "--json"});
  ASSERT_EQ(quant.code, 0) << quant.err;
  auto fe = Json(Cli({"model", "eval", "float.tflite", "--data", "test.csv", "--features", kFeatures,
                      "--label", "label", "--json"}));
  auto qe = Json(Cli({"model", "eval", "int8.tflite", "--data", "test.csv", "--json"}));
  const double fa = fe["accuracy"], qa = qe["accuracy"];
  EXPECT_GT(fa, 0.85);
  EXPECT_LE(std::abs(fa - qa), 0.02) << "float " << fa << " int8 " << qa;
  EXPECT_EQ(qe["classes"], (nlohmann::json{"apple", "banana", "orange"}));
  EXPECT_EQ(qe["confusion"].size(), 3u);

  auto ins = Cli({"model", "inspect", "int8.tflite", "--json"});
  ASSERT_EQ(ins.code, 0);
  auto j = Json(ins);
  EXPECT_EQ(j["schema_version"], 3);
  EXPECT_EQ(j["subgraphs"][0]["inputs"][0]["dtype"], "UINT8");
  EXPECT_EQ(j["subgraphs"][0]["outputs"][0]["quantization"]["zero_point"][0], 0);
  EXPECT_EQ(j["op_set"], (nlohmann::json{"QUANTIZE", "FULLY_CONNECTED", "SOFTMAX"}));
  EXPECT_EQ(j["tflm_resolver"]["calls"], (nlohmann::json{"AddQuantize", "AddFullyConnected", "AddSoftmax"}));
  bool per_channel = false;
  for (const auto& t : j["subgraphs"][0]["tensors"]) {
    if (t["quantization"].is_object() && t["quantization"]["kind"] == "per_channel") per_channel = true;
  }
  EXPECT_TRUE(per_channel);
  EXPECT_GT(j["arena"]["suggested_bytes"].get<int>(), 0);

  // Same data and seed → same file.
  ASSERT_EQ(Cli({"data", "synth", "fruit", "--rows", "1500", "--seed", "7", "-o", "again.csv"}).code, 0);
  EXPECT_EQ(*util::ReadFile(dir_ + "/train.csv"), *util::ReadFile(dir_ + "/again.csv"));

  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/in.csv", "138,76,41\n200,10,3\n").ok());
  auto run = Cli({"model", "run", "int8.tflite", "--inputs", "in.csv", "--quantized-input"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 2);
  auto runj = Json(Cli({"model", "run", "int8.tflite", "--inputs", "in.csv", "--quantized-input", "--dequantize", "--json"}));
  ASSERT_EQ(runj["rows"].size(), 2u);
  double sum = 0;
  for (const auto& v : runj["rows"][0]) sum += v.get<double>();
  EXPECT_NEAR(sum, 1.0, 0.02);  // softmax probabilities
}

TEST_F(tflite_Cli, HeaderHasGuardAlignmentAndLength) {
  ASSERT_EQ(Cli({"data", "synth", "fruit", "--rows", "200", "-o", "d.csv"}).code, 0);
  ASSERT_EQ(Cli({"model", "train", "d.csv", "--features", "red,green,blue", "--epochs", "5", "-o", "m.tflite"}).code, 0);
  auto h = Cli({"model", "header", "m.tflite", "--symbol", "model", "-o", "model.h"});
  ASSERT_EQ(h.code, 0) << h.err;
  const std::string text = *util::ReadFile(dir_ + "/model.h");
  const auto size = util::ReadFile(dir_ + "/m.tflite")->size();
  EXPECT_NE(text.find("#ifndef AUTOPILOT_MODEL_MODEL_H_"), std::string::npos);
  EXPECT_NE(text.find("alignas(16) const unsigned char model[] = {"), std::string::npos);
  EXPECT_NE(text.find("const unsigned int model_len = " + std::to_string(size) + ";"), std::string::npos);
  EXPECT_EQ(Cli({"model", "header", "m.tflite", "--symbol", "9bad"}).code, 2);
}

TEST_F(tflite_Cli, CorruptModelsFailCleanly) {
  ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/bad.tflite", std::string("\x10\0\0\0TFL3garbage", 15)).ok());
  auto r = Cli({"model", "inspect", "bad.tflite", "--json"});
  EXPECT_EQ(r.code, 1);
  auto j = Json(r);
  EXPECT_EQ(j["valid"], false);
  EXPECT_EQ(j["error"]["code"], "ml.schema_mismatch");
  auto t = Cli({"model", "inspect", "missing.tflite"});
  EXPECT_EQ(t.code, 1);
  EXPECT_NE(t.err.find("missing.tflite"), std::string::npos);
}

}  // namespace
}  // namespace autopilot
