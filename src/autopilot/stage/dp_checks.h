#pragma once
// The DP stage's semantic layer: the declared outputs exist, were written by this run, have the
// right schema and ranges, a disjoint split, and features that really are the specified function
// of the cleaned input rows (recomputed here, so wrong maths cannot pass).

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// What the DP script was asked to produce.
struct DpContract {
  std::string raw_csv;     ///< the input it was given (absolute path)
  std::string train_csv;   ///< where it must write the training split (absolute path)
  std::string test_csv;    ///< where it must write the test split (absolute path)
  config::DatasetSettings dataset;
};

/// The semantic layer over the files the script wrote. `started_ns` is the wall-clock time
/// (ns since the epoch) when the script was started: older files are stale.
validate::LayerResult CheckDpOutputs(const DpContract& contract, int64_t started_ns);

/// The expected feature rows (features + label index) of the raw CSV after the contract's
/// cleaning, for tests and for the trainer; Error when the raw CSV itself is unusable.
struct ExpectedRow {
  std::vector<double> features;
  std::string label;
  /// Kind window: the recording's raw readings (the window's columns), for the board scenario.
  std::vector<std::vector<double>> readings;
};
Result<std::vector<ExpectedRow>> ExpectedDpRows(const config::DatasetSettings& dataset,
                                                const std::string& raw_csv);

/// "Now" on the clock file modification times use, in ns since the epoch: the mtime of a stamp
/// file created in `dir` (file timestamps are coarser than clock_gettime, so comparing against
/// the system clock would call a file written just after the start stale).
int64_t FileClockNowNs(const std::string& dir);

/// Whether a stage output exists and was written since `started_ns` (from FileClockNowNs).
enum class Freshness { kMissing, kStale, kFresh };
Freshness OutputFreshness(const std::string& path, int64_t started_ns);

}  // namespace autopilot::stage
