#pragma once
// What a .tflite file contains, as the facts later stages (prompts, sketch checks) rely on.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/tflite/model.h"

namespace autopilot::tflite {

/// TFLM `MicroMutableOpResolver` calls a sketch needs for the model ("AddFullyConnected", …),
/// in first-use order.
std::vector<std::string> ResolverCalls(const Model& model);

/// Tensor arena estimate for TFLM: a greedy first-fit plan of the non-constant tensors by
/// lifetime (16-byte aligned) plus a per-tensor/per-operator bookkeeping allowance.
struct ArenaEstimate {
  size_t planned_bytes = 0;   ///< activations with memory reuse
  size_t naive_bytes = 0;     ///< activations without reuse
  size_t overhead_bytes = 0;  ///< allowance for TFLM's runtime structures
  size_t suggested_bytes = 0; ///< planned + overhead, rounded up to 1 KiB
};
ArenaEstimate EstimateArena(const Model& model);

/// The full inspection report (the `model inspect --json` document).
nlohmann::ordered_json InspectModel(const Model& model, size_t file_size);
/// The report as readable text.
std::string FormatInspect(const nlohmann::ordered_json& report);

}  // namespace autopilot::tflite
