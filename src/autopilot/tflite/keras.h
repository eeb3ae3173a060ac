#pragma once
// Keras `.keras` models (zip with config.json + model.weights.h5) as float Models.

#include <string>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// A Sequential of Dense layers as a float Model. Not implemented yet: returns
/// `ml.conversion_config` telling the user to convert through a float .tflite.
Result<Model> LoadKerasModel(const std::string& path);

}  // namespace autopilot::tflite
