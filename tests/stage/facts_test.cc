// The computed facts satisfy every prompt format of their stage, and carry the model's real values.

#include "autopilot/stage/facts.h"

#include <gtest/gtest.h>

#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

class Facts : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-facts-");
    auto cfg = config::ParseProjectConfig(
        "version: 1\ndataset:\n  raw_csv: " + std::string(AUTOPILOT_SOURCE_DIR) +
            "/examples/fruit/data/fruit.csv\n  classes: [apple, banana, orange]\n",
        "p.yaml", dir_);
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    cfg_ = *cfg;
    auto ref = BuildReference(cfg_, dir_ + "/ref");
    ASSERT_TRUE(ref.ok()) << ref.error().message;
    ref_ = *ref;
    auto lib = prompt::PromptLibrary::LoadDefault();
    ASSERT_TRUE(lib.ok());
    lib_ = std::move(*lib);
  }
  void TearDown() override { util::RemoveTree(dir_); }
  void RendersEveryFormat(const std::string& stage, const nlohmann::json& facts) {
    for (const auto& f : prompt::KnownFormats()) {
      auto p = lib_.RenderTask(stage, f, facts);
      EXPECT_TRUE(p.ok()) << stage << "/" << f << ": " << (p.ok() ? "" : p.error().message);
    }
  }
  std::string dir_;
  config::ProjectConfig cfg_;
  ReferenceArtifacts ref_;
  prompt::PromptLibrary lib_;
};

TEST_F(Facts, DpAndMcFactsRenderInEveryFormat) {
  RendersEveryFormat("dp", DpFacts(cfg_));
  RendersEveryFormat("mc", McFacts(cfg_, 100));
  auto dp = lib_.RenderTask("dp", "markdown", DpFacts(cfg_));
  EXPECT_NE(dp->user.find("r_ratio = red / (red + green + blue)"), std::string::npos) << dp->user;
  EXPECT_NE(dp->user.find("below 10"), std::string::npos);
}

TEST_F(Facts, TwoStepDpFactsRenderInTheirFormatsWithTheOperationsFiles) {
  std::vector<DpOperation> plan = {{"clean", "drop dark rows"}, {"split", "ratios and split"}};
  for (const std::string stage : {"dp_plan", "dp_op"}) {
    for (const auto& f : lib_.Formats(stage)) {
      auto facts = stage == "dp_plan" ? DpPlanFacts(cfg_) : DpOperationFacts(cfg_, plan, 1);
      auto task = lib_.RenderTask(stage, f, facts);
      EXPECT_TRUE(task.ok()) << stage << "/" << f << ": " << (task.ok() ? "" : task.error().message);
      facts["repair"] = {{"attempt", 1}, {"layer", "run"}, {"code", "runtime.value_error"},
                         {"diagnostics", {"x"}}, {"previous_code", "print(1)"}, {"repeated", false}};
      auto repair = lib_.RenderRepair(stage, f, facts);
      EXPECT_TRUE(repair.ok()) << stage << "/" << f << ": " << (repair.ok() ? "" : repair.error().message);
    }
  }
  auto first = lib_.RenderTask("dp_op", "markdown", DpOperationFacts(cfg_, plan, 1));
  ASSERT_TRUE(first.ok());
  EXPECT_NE(first->user.find("Writes: `step1.csv`"), std::string::npos) << first->user;
  auto last = lib_.RenderTask("dp_op", "markdown", DpOperationFacts(cfg_, plan, 2));
  ASSERT_TRUE(last.ok());
  EXPECT_NE(last->user.find("Reads: `step1.csv`"), std::string::npos) << last->user;
  EXPECT_NE(last->user.find("`train.csv` and `test.csv`"), std::string::npos) << last->user;
}

TEST_F(Facts, SgFactsComeFromTheModelFile) {
  auto facts = SgFacts(cfg_, ref_.int8_model);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  RendersEveryFormat("sg", *facts);
  EXPECT_EQ((*facts)["model"]["input"]["dtype"], "int8");
  EXPECT_EQ((*facts)["model"]["input"]["shape"], "[1, 3]");
  EXPECT_NE((*facts)["model"]["input"]["scale"], "none (float)");
  EXPECT_EQ((*facts)["model"]["symbol"], "g_model");
  EXPECT_NE((*facts)["model"]["ops"].dump().find("AddFullyConnected"), std::string::npos);
  EXPECT_GT((*facts)["model"]["arena_bytes"].get<int64_t>(), 0);
  auto fl = SgFacts(cfg_, ref_.float_model);
  ASSERT_TRUE(fl.ok());
  EXPECT_EQ((*fl)["model"]["input"]["dtype"], "float32");
  EXPECT_FALSE(SgFacts(cfg_, dir_ + "/missing.tflite").ok());
}

}  // namespace
}  // namespace autopilot::stage
