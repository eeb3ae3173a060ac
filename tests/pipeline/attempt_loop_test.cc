// The attempt loop with a scripted backend: repairs carry precise feedback, repeated failures are
// called out, budgets stop the loop, transport failures are not repair attempts, all is recorded.

#include "autopilot/pipeline/attempt_loop.h"

#include <gtest/gtest.h>

#include "autopilot/util/files.h"

namespace autopilot::pipeline {
namespace {

/// Answers from a script, in order; remembers every request.
class ScriptedBackend : public llm::LlmBackend {
 public:
  explicit ScriptedBackend(std::vector<std::string> replies) : replies_(std::move(replies)) {}
  std::vector<llm::LlmRequest> requests;
  std::optional<Error> fail_with;
  Result<llm::PingInfo> Ping() override { return llm::PingInfo{}; }
  std::string Describe() const override { return "scripted"; }

 protected:
  llm::LlmResult DoComplete(const llm::LlmRequest& request, const llm::StreamObserver&) override {
    requests.push_back(request);
    llm::LlmResult r;
    r.provider = "scripted";
    r.requested_model = "scripted";
    if (fail_with) {
      r.error = fail_with;
      return r;
    }
    r.text = next_ < replies_.size() ? replies_[next_++] : "";
    r.usage.input_tokens = 100;
    r.usage.output_tokens = 50;
    r.cost_usd = 0.01;
    return r;
  }

 private:
  std::vector<std::string> replies_;
  size_t next_ = 0;
};

nlohmann::json McFacts() {
  return {{"app", {{"name", "fruit"}}},
          {"model", {{"float_path", "float_model.tflite"}, {"output_path", "model_int8.tflite"}}},
          {"data", {{"representative_path", "representative.csv"}, {"rows", 100}}},
          {"features", {{"names", "r,g,b"}}},
          {"io", {{"input_dtype", "int8"}, {"output_dtype", "int8"}}},
          {"profile", {{"name", "portable"}, {"instructions", "use numpy"}}},
          {"budget", {{"flash_kb", 1024}}}};
}

/// A validator that passes code containing "GOOD" and fails with a run error otherwise.
std::vector<validate::LayerResult> FakeValidate(const std::string& code) {
  validate::LayerResult run{"run", true, {}, 1};
  if (code.find("GOOD") == std::string::npos) {
    run.passed = false;
    run.diagnostics.push_back({"run", "runtime.undefined_name", "NameError: name 'np' is not defined", "script.py", 3, "import numpy as np"});
    run.diagnostics.push_back({"run", "runtime.undefined_name", "NameError: name 'np' is not defined", "script.py", 3, "import numpy as np"});
  }
  return {validate::LayerResult{"static", true, {}, 1}, run};
}

class AttemptLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lib = prompt::PromptLibrary::Load(std::string(AUTOPILOT_SOURCE_DIR) + "/prompts");
    ASSERT_TRUE(lib.ok());
    lib_ = std::move(*lib);
    spec_.stage = "mc";
    spec_.lang = extract::Lang::kPython;
    spec_.facts = McFacts();
    spec_.validate = FakeValidate;
  }
  prompt::PromptLibrary lib_;
  StageSpec spec_;
};

TEST_F(AttemptLoop, RepairsUntilThePassAndFeedsBackPreciseErrors) {
  ScriptedBackend llm({"I would convert it with TensorFlow.",                  // no code
                       "```python\nx = np.zeros(3)\n```",                      // NameError
                       "```python\nx = np.zeros(3)\n```",                      // same again
                       "```python\nimport numpy as np  # GOOD\n```"});
  Budget budget;
  auto out = RunStage(spec_, lib_, "markdown", &llm, budget);
  ASSERT_TRUE(out.passed);
  ASSERT_EQ(out.attempts.size(), 4u);
  EXPECT_EQ(out.attempts[0].primary_code, "format.no_code");
  EXPECT_EQ(out.attempts[1].primary_code, "runtime.undefined_name");
  EXPECT_EQ(out.stop_reason, "passed");
  EXPECT_EQ(out.tokens, 600);
  EXPECT_NEAR(out.cost_usd, 0.04, 1e-9);
  // Attempt 3's prompt names the layer, code and the deduplicated diagnostic with file:line.
  const std::string& third = llm.requests[2].messages[1].content;
  EXPECT_NE(third.find("Layer: run"), std::string::npos) << third;
  EXPECT_NE(third.find("script.py:3: runtime.undefined_name: NameError"), std::string::npos) << third;
  EXPECT_EQ(third.find("NameError", third.find("NameError") + 1), std::string::npos) << "not deduplicated";
  EXPECT_NE(third.find("x = np.zeros(3)"), std::string::npos);  // previous code quoted
  EXPECT_EQ(third.find("same failure"), std::string::npos);
  // Attempt 4 follows an identical failure: said plainly.
  EXPECT_NE(llm.requests[3].messages[1].content.find("Same failure as last time"), std::string::npos);
  EXPECT_EQ(llm.requests[3].tag.attempt, 4);
}

TEST_F(AttemptLoop, MinimalFormatGivesNoFeedback) {
  ScriptedBackend llm({"```python\nx = 1\n```", "```python\nx = 2 # GOOD\n```"});
  auto out = RunStage(spec_, lib_, "minimal", &llm, Budget{});
  ASSERT_TRUE(out.passed);
  EXPECT_EQ(llm.requests[1].messages[1].content, llm.requests[0].messages[1].content);
}

TEST_F(AttemptLoop, AttemptBudgetIsEnforced) {
  ScriptedBackend llm({"```python\nx = 1\n```", "```python\nx = 1\n```", "```python\nx = 1\n```"});
  Budget b;
  b.max_attempts = 2;
  auto out = RunStage(spec_, lib_, "json", &llm, b);
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.attempts.size(), 2u);
  EXPECT_EQ(llm.requests.size(), 2u);
  EXPECT_EQ(out.stop_reason, "attempts");
}

TEST_F(AttemptLoop, TokenAndCostBudgetsStopTheLoop) {
  ScriptedBackend llm({"```python\nx = 1\n```", "```python\nx = 1\n```", "```python\nx = 1\n```"});
  Budget b;
  b.max_tokens = 300;  // two attempts of 150 tokens
  auto out = RunStage(spec_, lib_, "prose", &llm, b);
  EXPECT_EQ(out.attempts.size(), 2u);
  EXPECT_EQ(out.stop_reason, "tokens");
  ScriptedBackend llm2({"```python\nx = 1\n```", "```python\nx = 1\n```"});
  Budget c;
  c.max_cost_usd = 0.005;
  auto out2 = RunStage(spec_, lib_, "prose", &llm2, c);
  EXPECT_EQ(out2.attempts.size(), 1u);
  EXPECT_EQ(out2.stop_reason, "cost");
}

TEST_F(AttemptLoop, TransportFailureIsNotARepairAttempt) {
  ScriptedBackend llm({});
  llm.fail_with = Error{"transport.quota_exhausted", "HTTP 429 insufficient_quota"};
  auto out = RunStage(spec_, lib_, "markdown", &llm, Budget{});
  EXPECT_FALSE(out.passed);
  EXPECT_EQ(out.stop_reason, "transport");
  ASSERT_EQ(out.attempts.size(), 1u);
  EXPECT_EQ(out.attempts[0].primary_code, "transport.quota_exhausted");
}

TEST_F(AttemptLoop, EverythingIsRecordedInTheStore) {
  auto dir = util::MakeTempDir("ap-loop-");
  ASSERT_TRUE(dir.ok());
  auto store = store::RunStore::Open(*dir + "/runs.db");
  ASSERT_TRUE(store.ok());
  auto run = store->BeginRun(store::RunKey{"t", "mc", "scripted", "markdown", "default", 0});
  ScriptedBackend llm({"```python\nx = 1\n```", "```python\nimport numpy  # GOOD\n```"});
  auto out = RunStage(spec_, lib_, "markdown", &llm, Budget{}, Recorder{&*store, run->id, {}, {}});
  ASSERT_TRUE(out.passed);
  EXPECT_EQ(*store->db().QueryInt("SELECT COUNT(*) FROM attempts"), 2);
  EXPECT_EQ(*store->db().QueryInt("SELECT COUNT(*) FROM llm_calls"), 2);
  EXPECT_EQ(*store->db().QueryText("SELECT code FROM attempts WHERE number = 1"), "runtime.undefined_name");
  EXPECT_EQ(*store->db().QueryText("SELECT status FROM attempts WHERE number = 2"), "passed");
  EXPECT_EQ(*store->db().QueryInt("SELECT COUNT(*) FROM validations WHERE passed = 0"), 1);
  EXPECT_EQ(*store->db().QueryInt("SELECT COUNT(*) FROM artifacts WHERE kind = 'code'"), 2);
  EXPECT_TRUE(store->CheckIntegrity().ok());
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::pipeline
