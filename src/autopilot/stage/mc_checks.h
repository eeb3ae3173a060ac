#pragma once
// The MC stage's semantic layer: the converted model exists, is fresh, verifies, has the I/O
// dtypes that were asked, is really quantized, keeps the float model's accuracy on the test split
// within a tolerance (reference interpreter), and fits the flash budget.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// What the MC script was asked to produce, and what to judge it against.
struct McContract {
  std::string output_model;  ///< the .tflite the script must write (absolute)
  std::string float_model;   ///< the float model it converted (absolute)
  std::string test_csv;      ///< test split: feature columns + label
  std::vector<std::string> feature_names;
  std::string label = "label";
  std::vector<std::string> classes;  ///< in model output order
  std::string input_dtype = "int8";  ///< int8 | uint8 | float32
  std::string output_dtype = "int8";
  double accuracy_tolerance = 0.02;
  int64_t flash_kb = 1024;
};

/// Measured facts, filled as far as the checks got.
struct McReport {
  double float_accuracy = -1;
  double model_accuracy = -1;
  int64_t size_bytes = 0;
  std::string input_dtype;
  std::string output_dtype;
};

validate::LayerResult CheckMcOutput(const McContract& contract, int64_t started_ns,
                                    McReport* report);

/// Accuracy of a model on a CSV of feature columns + label (argmax of output 0).
Result<double> ModelAccuracy(const std::string& model_path, const std::string& csv,
                             const std::vector<std::string>& feature_names,
                             const std::string& label, const std::vector<std::string>& classes);

}  // namespace autopilot::stage
