#pragma once
// The validator chain of each LLM stage after the format layer: static → run → semantic for the
// Python stages (DP, MC), static → build → run → semantic for the sketch (SG). `autopilot
// validate` and the pipeline's attempt loop run the same chains, so a verdict means the same
// thing wherever it is given.

#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/stage/contracts.h"
#include "autopilot/stage/facts.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// Modules a generated data/conversion script may import.
const std::vector<std::string>& AllowedPythonModules();

/// Format layer for a file a user hands in: a script or sketch as is (by extension), anything
/// else as a raw LLM reply to extract from. Left-over placeholders are format.placeholder_left.
validate::LayerResult FormatLayerForFile(const std::string& text, const std::string& path,
                                         extract::Lang lang, std::string* code);

/// Placeholder check on extracted code (part of the format layer).
void CheckPlaceholders(const std::string& code, const std::string& file, validate::LayerResult* layer);

/// Where a chain keeps what the code produced when it passes (absolute paths; "" = discard).
struct Keep {
  std::string dir;  ///< files the stage produced are copied here on success
};

/// DP: the script runs in a fresh folder holding raw.csv and must write train.csv and test.csv.
/// On success they are copied to `keep.dir` (when set).
std::vector<validate::LayerResult> DpChain(const config::ProjectConfig& cfg, const std::string& raw_csv,
                                           const std::string& code, exec::ProcessRunner* runner,
                                           const Keep& keep = {});

/// DP two-step, step 1: the plan as JSON {"operations": [{"name", "description"}, ...]} with 1 to
/// kMaxDpOperations entries. A static layer: format.structured_invalid naming what is wrong.
validate::LayerResult DpPlanCheck(const std::string& json_text, std::vector<DpOperation>* plan);

/// DP two-step, step 2: operation `index` of `count` runs in a fresh folder holding raw.csv and
/// its input (the previous operation's output, kept in `keep.dir`). Intermediate outputs must
/// exist, be fresh and parse as CSV with rows; the last operation's split is judged like the
/// single-script DP. Outputs are copied to `keep.dir` (required).
std::vector<validate::LayerResult> DpOperationChain(const config::ProjectConfig& cfg, const std::string& raw_csv,
                                                    size_t index, size_t count, const std::string& code,
                                                    exec::ProcessRunner* runner, const Keep& keep);

/// MC inputs: the float model and the splits the conversion is judged on.
struct McInputs {
  std::string float_model;
  std::string train_csv;  ///< becomes representative.csv in the script's folder
  std::string test_csv;
};
/// MC: the script runs in a fresh folder holding float_model.tflite, representative.csv and the
/// portable helper (autopilot_tflite.py) and must write model_int8.tflite. On success it is
/// copied to `keep.dir`.
std::vector<validate::LayerResult> McChain(const config::ProjectConfig& cfg, const McInputs& in,
                                           const std::string& code, exec::ProcessRunner* runner,
                                           const Keep& keep = {});

/// SG inputs: the int8 model, the model.h the sketch includes ("" = written from the model with
/// the project's header symbol and SYMBOL_len), and the sensor scenario it is run over.
struct SgInputs {
  std::string int8_model;
  std::string model_header;
  std::string scenario_csv;
  std::string raw_csv;  ///< the raw readings the contracts' feature vectors come from ("" = the project's)
};
/// SG: static (libclang over the board SDK) → build → run on the virtual board → semantic
/// oracle. On success the sketch and model.h are copied to `keep.dir`.
std::vector<validate::LayerResult> SgChain(const config::ProjectConfig& cfg, const SgInputs& in,
                                           const std::string& code, exec::ProcessRunner* runner,
                                           const Keep& keep = {});

/// model.h text for `model_path`: SYMBOL[] and SYMBOL_len, as the SG prompt's facts say.
Result<std::string> ModelHeaderFor(const config::ProjectConfig& cfg, const std::string& model_path);

}  // namespace autopilot::stage
