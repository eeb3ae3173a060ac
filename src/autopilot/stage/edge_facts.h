#pragma once
// The facts of the edge stages' prompts (psg: Raspberry Pi 4B, CPU; tpusg: Coral Dev Board,
// Edge TPU), computed from the project's `edge:` section, the detector model and its labels file.
// Keys match prompts/psg and prompts/tpusg; every path is the one the script sees (`as`).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/util/result.h"

namespace autopilot::stage {

/// psg or tpusg: the device, its runtime and delegate, the model's input (dtype, shape, height,
/// width, quantization) and its four detection outputs, the labels (count and the first ten),
/// the input video, the annotated output video, the threshold and the allowed imports.
/// Errors name the file that could not be read (model, labels) or the missing `edge:` section.
Result<nlohmann::json> EdgeFacts(const config::ProjectConfig& project, const std::string& stage);

/// Which detection output (0 boxes, 1 classes, 2 scores, 3 count) each of the model's outputs
/// is, in get_output_details() order, and how many rows the post-processing writes (0 unknown).
Result<std::vector<int>> DetectionOutputRoles(const std::string& model_path, int32_t* rows = nullptr);

}  // namespace autopilot::stage
