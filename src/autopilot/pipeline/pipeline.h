#pragma once
// The lifecycle pipeline: DP → train → MC → SG for one project, one LLM, one prompt format.
//
// Each LLM stage runs the attempt loop (attempt_loop.h) with its facts and its validator chain
// (stage/chains.h). Stages left out of a run take their inputs from the reference artifacts the
// built-in path makes (stage/reference.h), so `--stages sg` judges only the sketch generation —
// which is what the study's prompt-format sweeps measure. One pipeline run is one row in the run
// store's `runs` table, keyed by a RunKey, so sweeps resume by key.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/llm/backend.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/result.h"

namespace autopilot::pipeline {

/// Stage names in lifecycle order (the rows of Stages(), stages.h).
std::vector<std::string> StageNames();

/// Parses "dp,train,mc,sg" (any subset, any order; returned in lifecycle order). Error code
/// "usage" naming the unknown stage.
Result<std::vector<std::string>> ParseStages(const std::string& list);

/// How to run.
struct PipelineOptions {
  std::vector<std::string> stages = {"dp", "train", "mc", "sg"};
  std::string format;  ///< prompt format; "" = the project's prompt.format
  std::string preset;  ///< sampling preset; "" = the project's llm.preset
  /// Where the run's artifacts are written (train.csv, test.csv, float_model.tflite,
  /// model_int8.tflite, model.h, sketch/sketch.ino, scripts). "" = <work_dir>/runs/<run id>.
  std::string out_dir;
  /// Where the run is recorded (optional). The run is begun under `key`; when the key already
  /// exists the stored run is reused only if it is not finished (running or interrupted) — it is
  /// then cleared and run again; a finished run (passed, failed, error) is an error (code
  /// "store.exists"). A run that cannot start (reference data, output folder) is left
  /// interrupted, so that a rerun retries it.
  store::RunStore* store = nullptr;
  store::RunKey key;
  /// config_json stored with the run (e.g. the sweep cell); "" = a summary of the options.
  std::string config_json;
  /// One human-readable line per event (stage start, attempt verdict, stage end). Optional.
  std::function<void(const std::string&)> progress;
  /// Runs generated code; null = a SandboxRunner with the project's policy.
  exec::ProcessRunner* runner = nullptr;
  /// Set (e.g. by SIGINT) to stop before the next attempt; the run is left `interrupted`.
  const std::atomic<bool>* stop = nullptr;
  /// With a store and a key whose run is unfinished (running, interrupted): keep the stages that
  /// passed — when their artifacts are still in out_dir — and redo the rest, instead of
  /// starting over.
  bool resume = false;
};

/// What one stage did.
struct StageReport {
  std::string stage;        ///< dp | train | mc | sg
  bool passed = false;
  bool skipped = false;     ///< not requested: inputs came from the reference artifacts
  bool resumed = false;     ///< passed in an earlier, interrupted invocation; kept
  std::string stop_reason;  ///< passed | attempts | tokens | cost | time | transport | harness | error
  std::string code;         ///< taxonomy id of the final failure ("" when passed)
  int attempts = 0;
  int64_t tokens = 0;
  double cost_usd = 0;
  int64_t llm_ms = 0;   ///< time spent waiting for the LLM
  int64_t wall_ms = 0;  ///< whole stage
  std::vector<std::string> artifacts;  ///< files written to out_dir (relative names)
  std::string message;  ///< one line for people
};

/// The run's outcome.
struct PipelineResult {
  int64_t run_id = 0;  ///< 0 when no store
  bool passed = false;
  bool interrupted = false;  ///< stopped by `stop`; resumable
  std::string out_dir;
  std::vector<StageReport> stages;
  int64_t tokens = 0;
  double cost_usd = 0;
  int64_t wall_ms = 0;
  /// Store writes that failed ("code: message"); the run went on, but its record is incomplete.
  std::vector<std::string> store_errors;
};

/// Runs the requested stages. Errors are for what stops the run before it starts (bad options,
/// reference data that cannot be built, a store that refuses the run); stage failures are in the
/// result, with the run stored as failed.
Result<PipelineResult> RunPipeline(const config::ProjectConfig& project, llm::LlmBackend* backend,
                                   const PipelineOptions& options);

}  // namespace autopilot::pipeline
