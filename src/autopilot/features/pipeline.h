#pragma once
// The feature pipeline of a project (dataset.features in the project file), computed from raw
// readings: per reading (kind ratio: c / sum of the columns; kind columns: each column,
// normalised) or per window of consecutive readings (kind window: normalised and flattened in a
// stated order, or reduced to statistics). DP checks, the reference trainer, the prompt facts and
// the board oracle all call these: one definition of the model input, no per-application code.

#include <optional>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/util/result.h"

namespace autopilot::features {

/// Readings of the feature columns in order: readings[i][c] is column c of reading i.
using Readings = std::vector<std::vector<double>>;

/// One recording of a window dataset: consecutive readings with one label.
struct Recording {
  std::string id;
  std::string label;
  Readings readings;
  size_t first_line = 0;  ///< line of its first row in the CSV (for messages)
};

/// Groups a raw table into recordings: by the `window.recording` column when set, else runs of
/// consecutive rows with the same label. Every feature column must parse as a number; errors
/// (code "data.schema") name the file and line.
Result<std::vector<Recording>> GroupRecordings(const tflite::Table& raw, const config::DatasetSettings& d,
                                               const std::string& file);

/// Column c's model value: (x - offset) / scale, or x without a normalisation.
double Normalize(const config::DatasetSettings& d, size_t column, double x);

/// Features of one reading (kinds ratio and columns); nullopt when a ratio's sum is not positive.
std::optional<std::vector<double>> ReadingFeatures(const config::DatasetSettings& d, const std::vector<double>& raw);

/// The trigger value of one reading: sum of |x| (abs_sum) or the Euclidean norm (magnitude) over
/// the trigger channels; 0 for kind none.
double TriggerValue(const config::DatasetSettings& d, const std::vector<double>& reading);

/// The first reading at or after `from` whose trigger value reaches the threshold; kind none:
/// `from` itself. nullopt when none does.
std::optional<size_t> FindTrigger(const config::DatasetSettings& d, const Readings& readings, size_t from = 0);

/// Window features of readings[start .. start + samples); nullopt when there are fewer. The size
/// and order are those of config::WindowFeatureNames.
std::optional<std::vector<double>> WindowFeatures(const config::DatasetSettings& d, const Readings& readings,
                                                  size_t start = 0);

/// The expected model input the live sketch computes: wait for the trigger in the stream, then
/// the window of the `samples` readings after the triggering one (GestureToEmoji's capture). With
/// kind none the window starts at `from`. nullopt when the stream ends first.
std::optional<std::vector<double>> StreamWindow(const config::DatasetSettings& d, const Readings& stream,
                                                size_t from = 0, size_t* window_start = nullptr);

/// The trigger's condition as a prompt states it, e.g. "|ax| + |ay| + |az| >= 2.5"; "" for kind none.
std::string TriggerCondition(const config::DatasetSettings& d);

/// One line a prompt can state, e.g. "ax_0 … gz_118: 119 readings at 119 Hz of ax, ay, az, gx,
/// gy, gz after |ax| + |ay| + |az| ≥ 2.5, each (x - offset) / scale with …, sample-major".
/// `live` false: the recorded dataset's view (the first readings of each recording, which a
/// capture already started at the trigger) instead of the live sketch's.
std::string Describe(const config::DatasetSettings& d, bool live = true);

}  // namespace autopilot::features
