#pragma once
// Generated test models: one small float model per operator form, and their int8 versions made
// by the project's quantizer, so every supported op, dtype and quantization form is covered.

#include <string>
#include <vector>

#include "autopilot/tflite/model.h"

namespace autopilot::tflite::testing {

struct TestModel {
  std::string name;
  Model model;
};

/// Float32 models, one per operator (plus an MLP and a small CNN).
std::vector<TestModel> FloatModels();
/// Random rows for a model's single input (values in [-2, 2], fixed seed).
std::vector<std::vector<float>> RandomRows(const Model& model, size_t rows, uint32_t seed);
/// The fruit-style MLP (3 → 8 → 5 → 3, softmax) with fixed weights.
Model FruitMlp();
/// A small CNN (CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX).
Model SmallCnn();
/// A MobileNet-style block for speed measurements: 32×32×16 input, 3×3 conv to 32 channels,
/// 3×3 depthwise, 1×1 conv to 64 (≈ 7.1 M MAC), ReLU6 throughout.
Model MobileNetBlock();
/// The convolutional body of SSD-MobileNet v1 (MobileNet v1 1.0 up to Conv2d_13_pointwise) at
/// 300×300×3: a 3×3 stride-2 conv to 32 channels, then 13 depthwise-separable blocks (3×3
/// depthwise + 1×1 conv) to 64, 128, 128, 256, 256, 512 ×6, 1024, 1024 channels, stride 2 in
/// blocks 2, 4, 6 and 12 (output 10×10×1024), SAME padding, ReLU6 throughout; seeded weights
/// scaled by the fan-in (≈ 1.06 G MAC per frame, see ConvMacs).
Model MobileNetV1Body();
/// Multiply-accumulates of one inference in a model's CONV_2D, DEPTHWISE_CONV_2D and
/// FULLY_CONNECTED operators (from the tensor shapes, padding included).
int64_t ConvMacs(const Model& model);

}  // namespace autopilot::tflite::testing
