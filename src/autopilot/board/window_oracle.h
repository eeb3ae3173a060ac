#pragma once
// The semantic oracle for window features (dataset.features kind window): from the sensor stream
// the run presented, it recomputes, by the project's own feature spec (features/pipeline.h), the
// input a correct sketch gives the model for each gesture — wait for the trigger, take the next
// `samples` readings, normalise, flatten or reduce — and judges every Invoke against it: the input
// (within one quantization step), then the class the sketch reports against the reference
// interpreter's prediction on the same input.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/board/oracle.h"
#include "autopilot/board/scenario.h"
#include "autopilot/config/project_config.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

/// One window the stream holds: where it starts, what the model should see, what it predicts.
struct WindowExpectation {
  size_t trigger_row = 0;   ///< the reading that starts the capture (== window_row without a trigger)
  size_t window_row = 0;    ///< first reading of the window
  int64_t trigger_us = 0;   ///< plan time of trigger_row
  int64_t window_end_us = 0;  ///< plan time of the window's last reading
  std::string label;        ///< the stream's label on the window's rows ("" when unlabelled)
  std::vector<double> features;   ///< real-valued model input
  std::vector<double> quantized;  ///< as the input tensor stores it (when quantized)
  std::string expected_class;     ///< the reference interpreter's prediction
};

/// The windows of `stream` by the spec (kind window), each predicted by `model_file`. With a
/// trigger, windows follow each other as a live capture takes them (the next trigger is looked for
/// after the previous window); without one, back to back from the first row. Errors name a window
/// column the stream lacks.
struct WindowPlan {
  std::vector<WindowExpectation> windows;
  bool input_quantized = false;
  double input_scale = 0;
  int64_t input_zero_point = 0;
  double input_min = 0, input_max = 0;  ///< the input tensor's integer range
  std::vector<std::string> feature_names;
  /// The stream's rows as window readings (the window columns, raw), which the judge reuses.
  std::vector<std::vector<double>> readings;
};
Result<WindowPlan> ExpectWindows(const config::DatasetSettings& d, const SensorStream& stream,
                                 const std::string& model_file, const std::vector<std::string>& classes);

/// Judges a run: with a trigger, one verdict per window (the Invokes between its trigger and the
/// next window's trigger are its candidates); without one, one verdict per Invoke (matched against
/// every window start of the stream). An input that is off gets a detail naming the first wrong
/// element (feature name, got, expected) and, when it is recognisable, why (not normalised, channel
/// order, too few readings, not waiting for the trigger).
std::vector<SampleVerdict> JudgeWindows(const RunLog& log, const config::DatasetSettings& d, const WindowPlan& plan,
                                        const std::vector<std::string>& classes);

/// The class a block of serial lines reports: a score per class ("punch: 0.93" lines, the
/// GestureToEmoji form) picks the highest; otherwise the last line that names one class.
std::string ReportedClassOfLines(const std::vector<std::string>& lines, const std::vector<std::string>& classes,
                                 const std::vector<std::string>& emojis);

}  // namespace autopilot::board
