#pragma once
// Fixed-point arithmetic of TFLite's integer kernels (gemmlowp-style rounding), reproduced so
// our results match the runtime bit for bit.

#include <cstdint>

#include "autopilot/tflite/model.h"

namespace autopilot::tflite {

/// A real multiplier as a Q31 mantissa and a power-of-two exponent (TFLite QuantizeMultiplier).
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

QuantizedMultiplier QuantizeMultiplier(double real_multiplier);
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);
/// Division by 2^exponent rounding half away from zero.
int32_t RoundingDivideByPOT(int32_t x, int exponent);
int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift);

/// Inclusive clamp range of a quantized output with a fused activation.
struct QuantRange {
  int32_t min = 0;
  int32_t max = 0;
};
QuantRange QuantizedActivationRange(Activation a, DType type, float scale, int32_t zero_point);
/// Clamp range of a float output with a fused activation.
void FloatActivationRange(Activation a, float* lo, float* hi);
/// Limits of an 8-bit quantized type (int8 or uint8).
QuantRange TypeRange(DType type);

}  // namespace autopilot::tflite
