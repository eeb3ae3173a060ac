#pragma once
// The lifecycle's stages as one table. A row says what a stage is called, which prompts and
// language it uses, what it writes to the run's folder (and which of those files proves it
// finished, for resumption), which budget bounds its attempts, and the one function that runs
// it. RunPipeline (pipeline.cc) is a loop over the rows; a new stage is a row and its function.

#include <functional>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/llm/backend.h"
#include "autopilot/pipeline/attempt_loop.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/reference.h"

namespace autopilot::pipeline {

/// The files that flow from stage to stage; a stage not run takes the reference's.
struct StageInputs {
  std::string train_csv, test_csv, float_model, int8_model;
};

/// One file a stage leaves in the run's folder when it passes.
struct StageOutput {
  const char* name;  ///< relative to the run's folder
  const char* kind;  ///< the artifact kind recorded in the store
  /// The input it becomes for later stages (null: none).
  std::string StageInputs::*feeds;
};

struct StageRun;

/// One stage.
struct StageDef {
  const char* name;          ///< dp | train | mc | sg: the store's and the CLI's name
  const char* prompt_stage;  ///< prompts/<prompt_stage>/…; null for a stage without an LLM
  extract::Lang lang;        ///< what the LLM writes
  std::vector<StageOutput> outputs;
  /// Files the stage records besides its outputs (made by the tool from them, e.g. model.h):
  /// removed with them when a resumed run redoes the stage.
  std::vector<const char*> also_recorded;
  const char* proof;  ///< the output whose recorded hash proves the stage finished
  int64_t config::BudgetSettings::*attempts;  ///< its attempt budget (null: one attempt)
  /// Runs the stage: true when it passed. It reports into `rep`; the loop records its outputs.
  bool (*run)(StageRun& ctx, StageReport* rep);
};

/// Every stage, in lifecycle order.
const std::vector<StageDef>& Stages();

/// The row named `name`, or null.
const StageDef* FindStage(const std::string& name);

/// What a stage function gets: the project, the run's services and the inputs so far.
struct StageRun {
  const config::ProjectConfig& cfg;
  const stage::ReferenceArtifacts& ref;
  const llm::Sampling& sampling;
  exec::ProcessRunner* runner;
  std::string out;  ///< the run's folder
  StageInputs& inputs;
  /// Runs one LLM stage (or sub-step) through the attempt loop, adding into `rep`.
  std::function<bool(const StageSpec& spec, int64_t attempts, StageReport* rep)> run_llm;
  /// Records a tool-run stage's single attempt and its one layer in the store (train).
  std::function<void(const std::string& stage, const validate::LayerResult& layer,
                     const StageReport& rep)>
      record_tool_attempt;
  /// Lists and records the stage's outputs and makes them the inputs of later stages (the loop
  /// does it when the stage passes, unless the stage did it already to add files after them).
  std::function<void(StageReport* rep)> publish;
  /// Records a file of the run's folder as a run artifact.
  std::function<void(const std::string& kind, const std::string& name)> record_file;
  std::function<void(const std::string& line)> say;
};

}  // namespace autopilot::pipeline
