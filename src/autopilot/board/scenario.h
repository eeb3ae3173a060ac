#pragma once
// Sensor scenarios: raw APDS9960 samples (CSV `red,green,blue,clear,proximity[,label]`) and the
// timeline on which the virtual board presents them (object near, then removed).

#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

struct ScenarioSample {
  int red = 0, green = 0, blue = 0, clear = 0, proximity = 0;
  std::string label;  ///< optional ground truth (not used by the oracle)
};

/// How long each sample is presented and removed, in virtual milliseconds.
struct Timeline {
  int lead_ms = 500;      ///< after setup() returns, before the first sample
  int present_ms = 1500;
  int removed_ms = 1000;
  /// [start, end) of sample i's presentation, relative to the end of setup().
  int64_t StartMs(size_t i) const { return lead_ms + static_cast<int64_t>(i) * (present_ms + removed_ms); }
  int64_t EndMs(size_t i) const { return StartMs(i) + present_ms; }
};

/// Reads a scenario CSV (header optional). Errors name the file and line.
Result<std::vector<ScenarioSample>> LoadScenario(const std::string& path);
/// The plan file the sketch binary reads: one segment per line.
std::string PlanText(const std::vector<ScenarioSample>& samples, const Timeline& timeline);
/// Colour-ratio features r/(r+g+b), g/(…), b/(…) of a sample.
std::vector<float> RatioFeatures(const ScenarioSample& s);

}  // namespace autopilot::board
