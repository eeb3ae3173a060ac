#pragma once
// Sensor scenarios: what the virtual board's sensors see during a run.
// - APDS9960 samples (CSV `red,green,blue,clear,proximity[,label]`, header optional), presented
//   one after another on a timeline (object near, then removed) — the colour case.
// - Time-stamped sensor streams (CSV with a header naming `t_ms` and sensor columns, e.g.
//   `t_ms,ax,ay,az,gx,gy,gz,label` or `t_ms,temperature,humidity,pressure`): each row holds from
//   its time until the next; before the first row and after the stream's end the sensor is at rest.
// Times are milliseconds after setup() returns. The plan file (PlanText) hands both to the
// sketch binary (board/sdk/runtime/vboard.cpp reads it).

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

/// A column a stream CSV may have: the quantity it feeds (the name the board data and the read
/// log use) and its unit. Columns of one quantity come together (ax, ay, az; red … clear).
struct StreamColumn {
  const char* name;      ///< e.g. "ax"
  const char* quantity;  ///< e.g. "acceleration"
  const char* unit;      ///< e.g. "g"
};
/// Every column a stream may have besides `t_ms` and `label`.
const std::vector<StreamColumn>& StreamColumns();

/// One row of a stream: its time, one value per column, the optional label, its line.
struct StreamRow {
  double t_ms = 0;
  std::vector<double> values;
  std::string label;
  int line = 0;  ///< 1-based line in the file
};

/// A time-stamped sensor stream read from a CSV.
struct SensorStream {
  std::string path;
  std::vector<std::string> columns;  ///< sensor columns in file order (no t_ms, no label)
  std::vector<StreamRow> rows;       ///< t_ms strictly increasing

  /// Index of `column` in columns/values, -1 when the stream lacks it.
  int Column(const std::string& column) const;
  /// The quantities its columns feed (acceleration, temperature, …), in column order.
  std::vector<std::string> Quantities() const;
  /// Mean time between rows (0 for a single row).
  double IntervalMs() const;
  /// Last row's time plus one interval: from then on the sensor is at rest.
  double EndMs() const;
};

/// Reads a stream CSV: a header with `t_ms` and known columns (StreamColumns(), `label`), then at
/// least two rows, one per line, numbers in the columns' units, times strictly increasing. Blank
/// lines and lines starting with '#' are skipped. Errors name file:line and what is wrong.
Result<SensorStream> LoadStream(const std::string& path);

/// Everything a run presents: APDS9960 samples on the timeline and/or time-stamped streams.
struct Scenario {
  std::vector<ScenarioSample> samples;
  std::vector<SensorStream> streams;

  /// How long the run lasts after setup(): the later of the timeline's and the streams' ends.
  int64_t LengthMs(const Timeline& timeline) const;
};

/// True when the CSV's first line names a `t_ms` column (a stream), false for the sample format.
Result<bool> IsStreamFile(const std::string& path);
/// Loads scenario files: each is a stream (IsStreamFile) or the APDS9960 sample format (at most
/// one). Two streams giving the same column are an error naming both files.
Result<Scenario> LoadScenarioFiles(const std::vector<std::string>& paths);
/// The plan for a whole scenario: the samples' segments (as PlanText above), then each stream as
/// `stream <end_us> <column>…` followed by one `r <t_us> <value>…` line per row.
std::string PlanText(const Scenario& scenario, const Timeline& timeline);

}  // namespace autopilot::board
