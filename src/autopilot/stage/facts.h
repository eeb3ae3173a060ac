#pragma once
// The facts each stage's prompt carries — computed from the project and the artifacts, never
// guessed by the LLM. Keys match the templates in prompts/<stage>/<format>/ (a test renders every
// format with these facts, so a template can never ask for a fact that is not computed here).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/util/result.h"

namespace autopilot::stage {

/// DP: the input file name in the script's working directory and the outputs it must write.
nlohmann::json DpFacts(const config::ProjectConfig& project, const std::string& raw_name = "raw.csv",
                       const std::string& train_name = "train.csv",
                       const std::string& test_name = "test.csv");

/// One operation of a two-step DP plan.
struct DpOperation {
  std::string name;
  std::string description;
};
inline constexpr int kMaxDpOperations = 6;

/// DP two-step, step 1: DpFacts plus the plan's format limits.
nlohmann::json DpPlanFacts(const config::ProjectConfig& project);
/// DP two-step, step 2: DpFacts plus the whole plan and operation `index` (1-based): the file it
/// reads (raw.csv, else step<index-1>.csv) and the files it writes (step<index>.csv, or the
/// train/test split for the last operation).
nlohmann::json DpOperationFacts(const config::ProjectConfig& project, const std::vector<DpOperation>& plan,
                                size_t index);
/// The file names of operation `index` (1-based) of a plan of `count` operations.
std::string DpOperationInput(size_t index);
std::vector<std::string> DpOperationOutputs(size_t index, size_t count);

/// MC: the float model, the representative data and the output the script works with.
nlohmann::json McFacts(const config::ProjectConfig& project, int64_t representative_rows,
                       const std::string& float_name = "float_model.tflite",
                       const std::string& output_name = "model_int8.tflite",
                       const std::string& representative_name = "representative.csv");

/// SG: everything about the model read from the .tflite (I/O shapes, dtypes, quantization, ops,
/// arena), the header symbol, the TFLM profile's headers, the sensor API, classes and features.
Result<nlohmann::json> SgFacts(const config::ProjectConfig& project, const std::string& model_path);

}  // namespace autopilot::stage
