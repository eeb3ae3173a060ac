#pragma once
// What a validator layer reports: one finding with its taxonomy code, where it is and what to do.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace autopilot::validate {

/// The validator layers, in the order they run (each runs only if the previous passed).
inline const std::vector<std::string>& Layers() {
  // unit (contracts: on) runs after static; for a sketch after build (its driver is a second build).
  static const std::vector<std::string> kLayers = {"format", "static", "unit", "build", "run", "semantic"};
  return kLayers;
}

/// One finding of a validator layer.
struct Diagnostic {
  std::string layer;    ///< format, static, build, run, semantic
  std::string code;     ///< taxonomy id, e.g. semantic.artifact_stale
  std::string message;  ///< for people and for the repair prompt
  std::string file;     ///< relative to the attempt's working directory ("" when none)
  std::optional<int> line;
  std::string hint;     ///< what to do about it
};

/// The verdict of one layer.
struct LayerResult {
  std::string layer;
  bool passed = true;
  std::vector<Diagnostic> diagnostics;
  int64_t duration_ms = 0;
  /// What the layer saw, as (kind, text): the virtual board's serial transcript ("serial"), the
  /// oracle's per-sample verdicts ("samples", JSON). Kept in the store as the attempt's artifacts.
  std::vector<std::pair<std::string, std::string>> evidence = {};
};

}  // namespace autopilot::validate
