#pragma once
// The built-in reference trainer: a small float MLP with a softmax output, deterministic per seed.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

struct TrainOptions {
  std::vector<int> hidden{8, 5};
  uint64_t seed = 1;
  int epochs = 400;
  int batch = 32;
  float learning_rate = 0.01f;
};

struct TrainResult {
  Model model;              ///< FULLY_CONNECTED (ReLU) × hidden → FULLY_CONNECTED → SOFTMAX, float32
  double train_accuracy = 0;
};

/// Trains with Adam on standardized features; the standardization is folded into the first
/// layer, so the model takes the raw feature values. Feature specs and class names are stored
/// as metadata (`autopilot.features`, `autopilot.labels`, one per line).
Result<TrainResult> TrainMlp(const std::vector<std::vector<float>>& x, const std::vector<int>& y,
                             const std::vector<std::string>& feature_specs,
                             const std::vector<std::string>& classes, const TrainOptions& options);

/// Metadata lines of a model (empty when absent).
std::vector<std::string> ModelFeatures(const Model& model);
std::vector<std::string> ModelLabels(const Model& model);

}  // namespace autopilot::tflite
