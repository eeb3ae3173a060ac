#pragma once
// Keras `.keras` models (zip with config.json + model.weights.h5) as float Models.

#include <string>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// A Keras Sequential of Dense layers as a float Model: input [1, n] → FULLY_CONNECTED per Dense
/// (relu/relu6 fused, kernel transposed to TFLite's [out, in]) → SOFTMAX / LOGISTIC / TANH ops for
/// those activations. Also understood: InputLayer, Dropout (identity at inference), Activation,
/// Softmax and ReLU layers. Weights are read from the Keras 3 layout
/// (`layers/dense[_N]/vars/{0,1}`), the Keras 2.13+ layout (`_layer_checkpoint_dependencies/…`)
/// or groups named after the layers.
/// Errors: `ml.conversion_config` naming the layer for anything unsupported, and for an archive
/// or weights file that is not what a .keras file holds.
Result<Model> LoadKerasModel(const std::string& path);

}  // namespace autopilot::tflite
