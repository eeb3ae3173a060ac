#pragma once
// A stand-in for the study's float model (3→8 ReLU→5 ReLU→3 softmax, float32 I/O) for fidelity
// runs and tests: the hidden layers pass the colour ratios through and the last layer is a
// nearest-centroid classifier over the published class ranges (apple, banana, orange).

#include <cstdint>
#include <vector>

#include "autopilot/tflite/model.h"

namespace autopilot::board {

tflite::Model StudyEquivalentModel();

}  // namespace autopilot::board
