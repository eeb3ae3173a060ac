#pragma once
// Full-integer post-training quantization of a float model (what TFLiteConverter does with a
// representative dataset and int8 ops).

#include <string>
#include <vector>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

enum class IoType { kInt8, kUInt8, kFloat };
Result<IoType> ParseIoType(const std::string& s);

/// Per-channel symmetric int8 weights, int32 biases (scale = input × weight scale), per-tensor
/// asymmetric int8 activations from the min/max over `representative` rows. Float or uint8 I/O
/// adds QUANTIZE/DEQUANTIZE at the edges. Errors: `ml.conversion_config`, `ml.op_unsupported`.
Result<Model> QuantizeModel(const Model& float_model,
                            const std::vector<std::vector<float>>& representative, IoType io);

}  // namespace autopilot::tflite
