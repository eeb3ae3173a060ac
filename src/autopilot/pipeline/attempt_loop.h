#pragma once
// The attempt loop of one stage: render the prompt (format), call the LLM, extract, run the
// validator layers, and on failure build a repair prompt with precise feedback — within the
// attempt, token, cost and time budgets, which the tool enforces itself.

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/exec/redact.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/llm/backend.h"
#include "autopilot/prompt/prompt_set.h"
#include "autopilot/store/run_store.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::pipeline {

/// Limits for one stage (0 = unlimited for tokens/cost/time).
struct Budget {
  int max_attempts = 5;
  int64_t max_tokens = 0;
  double max_cost_usd = 0;
  double max_time_s = 0;
  /// Set (e.g. by SIGINT) to stop before the next attempt: stop_reason "interrupted".
  const std::atomic<bool>* stop = nullptr;
};

/// What a stage is: its prompts' facts, the language it wants, and its layers after `format`.
struct StageSpec {
  std::string stage;   ///< dp | mc | sg (or a sub-step such as dp.plan, dp.op2): store and tag name
  std::string prompt_stage;  ///< prompts/<prompt_stage>/…; "" = `stage`
  extract::Lang lang = extract::Lang::kPython;
  nlohmann::json facts;
  llm::Sampling sampling;
  /// Runs static → … → semantic on extracted code; stops at the first failing layer.
  std::function<std::vector<validate::LayerResult>(const std::string& code)> validate;
  /// Scrubs what goes back into repair prompts; null = exec::ProcessRedactor().
  const exec::Redactor* redactor = nullptr;
};

struct Attempt;
/// Called after each attempt (progress lines); optional.
using AttemptObserver = std::function<void(const std::string& stage, const Attempt& attempt)>;

/// One attempt as it happened.
struct Attempt {
  int number = 0;
  prompt::Prompt prompt;
  llm::LlmResult llm;
  std::string code;
  std::vector<validate::LayerResult> layers;
  bool passed = false;
  std::string primary_code;  ///< taxonomy id of the first failing diagnostic
  int64_t wall_ms = 0;
};

/// The stage's outcome.
struct StageOutcome {
  bool passed = false;
  std::vector<Attempt> attempts;
  std::string code;         ///< the passing code (or the last attempt's)
  std::string stop_reason;  ///< passed | attempts | tokens | cost | time | transport | error | interrupted
  int64_t tokens = 0;
  double cost_usd = 0;
};

/// Where the loop records what it does (optional).
struct Recorder {
  store::RunStore* store = nullptr;
  int64_t run_id = 0;
  AttemptObserver observer;
  /// Told when an attempt cannot be recorded (the stage goes on); optional.
  std::function<void(const Error&)> on_store_error;
};

/// The first few distinct diagnostics of the failing layer, as the repair prompt shows them.
std::vector<std::string> FeedbackLines(const validate::LayerResult& failing, size_t max_lines = 5);

/// The `repair` facts of the prompt after a failed attempt: attempt, layer, code, diagnostics,
/// previous_code, repeated (filled in by the loop) and `redacted`, true when a diagnostic or the
/// previous code held something that looked like a secret (replaced here or upstream).
nlohmann::json RepairFacts(const Attempt& attempt, const validate::LayerResult& failing,
                           const exec::Redactor& redactor);

/// Runs the loop. Never throws; transport failures end the stage with stop_reason "transport".
/// Every diagnostic and previous code quoted in a repair prompt passes the spec's redactor.
StageOutcome RunStage(const StageSpec& spec, const prompt::PromptLibrary& prompts,
                      const std::string& format, llm::LlmBackend* backend, const Budget& budget,
                      const Recorder& recorder = {});

}  // namespace autopilot::pipeline
