#include "autopilot/tflite/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace autopilot::tflite {

QuantizedMultiplier QuantizeMultiplier(double real_multiplier) {
  QuantizedMultiplier q;
  if (real_multiplier == 0.0) return q;
  int shift = 0;
  const double mantissa = std::frexp(real_multiplier, &shift);
  auto fixed = static_cast<int64_t>(std::round(mantissa * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  q.multiplier = static_cast<int32_t>(fixed);
  q.shift = shift;
  return q;
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // The left shift is done in 32 bits as in TFLite (it never overflows for valid scales).
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(shifted, multiplier), right_shift);
}

QuantRange TypeRange(DType type) {
  if (type == DType::kUInt8) return {0, 255};
  if (type == DType::kInt16) return {-32768, 32767};
  return {-128, 127};
}

QuantRange QuantizedActivationRange(Activation a, DType type, float scale, int32_t zero_point) {
  QuantRange r = TypeRange(type);
  auto quantize = [&](float f) { return zero_point + static_cast<int32_t>(std::round(f / scale)); };
  if (a == Activation::kRelu) {
    r.min = std::max(r.min, quantize(0.0f));
  } else if (a == Activation::kRelu6) {
    r.min = std::max(r.min, quantize(0.0f));
    r.max = std::min(r.max, quantize(6.0f));
  } else if (a == Activation::kReluN1To1) {
    r.min = std::max(r.min, quantize(-1.0f));
    r.max = std::min(r.max, quantize(1.0f));
  }
  return r;
}

void FloatActivationRange(Activation a, float* lo, float* hi) {
  *lo = std::numeric_limits<float>::lowest();
  *hi = std::numeric_limits<float>::max();
  if (a == Activation::kRelu) {
    *lo = 0.0f;
  } else if (a == Activation::kRelu6) {
    *lo = 0.0f;
    *hi = 6.0f;
  } else if (a == Activation::kReluN1To1) {
    *lo = -1.0f;
    *hi = 1.0f;
  }
}

}  // namespace autopilot::tflite
