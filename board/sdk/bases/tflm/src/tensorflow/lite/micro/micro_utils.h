// Virtual board SDK (autopilot): TFLM quantization helpers.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_UTILS_H_
#define TENSORFLOW_LITE_MICRO_MICRO_UTILS_H_
#include <stdint.h>
#include <cmath>
#include "tensorflow/lite/c/common.h"
namespace tflite {
int ElementCount(const TfLiteIntArray& dims);
template <typename T>
T FloatToQuantizedType(const float value, const float scale, int zero_point) {
  int32_t result = static_cast<int32_t>(std::round(value / scale)) + zero_point;
  if (result < -128 && sizeof(T) == 1 && static_cast<T>(-1) < 0) result = -128;
  return static_cast<T>(result);
}
template <typename T>
void Quantize(const float* input, T* output, int num_elements, float scale, int zero_point) {
  for (int i = 0; i < num_elements; i++) output[i] = FloatToQuantizedType<T>(input[i], scale, zero_point);
}
template <typename T>
void Dequantize(const T* values, const int size, const float scale, int zero_point,
                float* dequantized_values) {
  for (int i = 0; i < size; ++i) dequantized_values[i] = (values[i] - zero_point) * scale;
}
}  // namespace tflite
#endif
