#pragma once
// Study-compatible DP and MC chains: the generated scripts of the original prototype run in a
// folder laid out like the prototype's repository, so the paths they hard-code resolve as they
// did for the authors (research/reference_anatomy.md §2.1, §2.2):
//   DP  reads and writes CSVs in data/fruit_to_emoji/playground/ (fruit_data.csv copied in first;
//       the operations of one run share the playground, as in the prototype);
//   MC  converts models/fruit_to_emoji/og_model/model.keras into
//       models/fruit_to_emoji/tflite_model/model_quant.tflite (float32 in, uint8 out asked).
// The files come from a study folder the user brings (the prototype's public repository, or
// the parts of it listed in examples/study/rejudge.md).

#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/stage/chains.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// The prototype's paths, relative to its repository root.
inline constexpr const char* kStudySampleData = "data/fruit_to_emoji/SampleData";
inline constexpr const char* kStudyPlayground = "data/fruit_to_emoji/playground";
inline constexpr const char* kStudyKerasModel = "models/fruit_to_emoji/og_model/model.keras";
inline constexpr const char* kStudyQuantModel = "models/fruit_to_emoji/tflite_model/model_quant.tflite";

/// What is missing in `study_root` for `stage` (dp: SampleData/fruit_data.csv; mc: also
/// og_model/model.keras); "" when the stage can run.
std::string StudyMissing(const std::string& study_root, const std::string& stage);

/// DP in the study's layout. `playground` is the run's playground folder (the caller fills it
/// with fruit_data.csv before the first operation); after the script exits 0 every CSV it left
/// in the playground is copied back there, so the next operation sees it. Semantic layer: the
/// script wrote at least one CSV into the playground, and every CSV it wrote parses with a header
/// and at least one row.
std::vector<validate::LayerResult> StudyDpChain(const config::ProjectConfig& cfg, const std::string& study_root,
                                                const std::string& playground, const std::string& code,
                                                exec::ProcessRunner* runner);

/// MC in the study's layout; the semantic layer is the MC one on model_quant.tflite with the
/// study's requested dtypes (float32 input, uint8 output), judged against `in.float_model` and
/// `in.test_csv` (the project's reference).
std::vector<validate::LayerResult> StudyMcChain(const config::ProjectConfig& cfg, const std::string& study_root,
                                                const McInputs& in, const std::string& code,
                                                exec::ProcessRunner* runner);

}  // namespace autopilot::stage
