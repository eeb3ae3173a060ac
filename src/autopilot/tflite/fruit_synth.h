#pragma once
// A synthetic APDS9960 colour dataset for the fruit case study (FACTS.md ranges).

#include <cstdint>

#include "autopilot/tflite/dataset.h"

namespace autopilot::tflite {

/// Rows of `red,green,blue,clear,proximity,label` (apple, banana, orange). Colour ratios follow
/// the published per-class ranges; about 8 % of rows are dark or far readings and about 4 %
/// repeat an earlier row, as sensor logs do. Same seed, same table.
Table SynthesizeFruit(size_t rows, uint64_t seed);

}  // namespace autopilot::tflite
