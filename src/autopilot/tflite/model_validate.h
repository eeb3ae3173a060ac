#pragma once
// Structural checks of an in-memory Model, so code that indexes tensors and reads constant
// buffers (the interpreter's kernels) can rely on them whatever built the model.

#include <cstdint>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// Larger tensors are refused: no TinyML model comes near, and a forged shape must not make the
/// interpreter allocate gigabytes.
inline constexpr int64_t kMaxTensorBytes = int64_t{256} << 20;

/// Checks every subgraph: tensor types, shapes (non-negative, not overflowing, at most
/// kMaxTensorBytes), buffer indexes, constant buffers at least shape × element size,
/// quantization parameters (one zero point per scale, finite, per-channel along a real
/// dimension; present, positive and in range for int8/uint8 tensors), and every tensor index
/// of subgraph inputs/outputs and operators. Errors name the subgraph and the tensor or
/// operator; `ml.dtype_mismatch` for missing or invalid quantization of an 8-bit tensor,
/// `ml.schema_mismatch` for everything else.
Result<void> ValidateModel(const Model& model);

}  // namespace autopilot::tflite
