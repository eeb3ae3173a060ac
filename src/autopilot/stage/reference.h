#pragma once
// The known-good artifacts of a project, made by the built-in path (no LLM): the cleaned split,
// the float model, the quantized model and a sensor scenario. They are what `autopilot validate`
// judges a user's (or an LLM's) stage output against.

#include <string>

#include "autopilot/config/project_config.h"
#include "autopilot/util/result.h"

namespace autopilot::stage {

/// Paths of the reference artifacts, all inside one folder.
struct ReferenceArtifacts {
  std::string dir;
  std::string raw_csv;       ///< copy of the project's raw data
  std::string train_csv;     ///< feature columns + label
  std::string test_csv;
  std::string float_model;   ///< built-in trainer
  std::string int8_model;    ///< full-integer, with the project's I/O dtypes
  /// The board scenario of the test split: colour projects, raw APDS9960 rows
  /// (red,green,blue,clear,proximity,label); window projects, a sensor stream (t_ms,…,label).
  std::string scenario_csv;
};

/// The artifact paths inside `dir` (nothing is read or written).
ReferenceArtifacts ReferencePaths(const std::string& dir);

/// Builds them in `dir` (created if needed) from the project's dataset settings. Deterministic.
Result<ReferenceArtifacts> BuildReference(const config::ProjectConfig& project,
                                          const std::string& dir);

/// The reference artifacts for the project's data and model settings, built once per content under
/// <work_dir>/reference/<hash> and shared by every later call (sweeps run many in parallel): built
/// in a private folder, then renamed into place; a loser of the race uses the winner's.
Result<ReferenceArtifacts> EnsureReference(const config::ProjectConfig& project);

}  // namespace autopilot::stage
