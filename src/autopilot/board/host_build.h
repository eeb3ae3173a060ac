#pragma once
// Host build of a sketch for the virtual board: the SDK is compiled once per profile and SDK
// hash (static library + precompiled Arduino.h, cached), then each sketch is preprocessed like
// the Arduino builder does, its libraries are discovered in include order like arduino-cli, and
// only the sketch is compiled — with the real core's dialect and warning flags — and linked.
// Every compiler run goes through the sandbox.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/board/diagnostics.h"
#include "autopilot/board/profile.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

/// What to build. Exactly one of model_header / model_tflite.
struct BuildRequest {
  std::string sketch_path;
  std::string model_header;  ///< an existing model.h
  std::string model_tflite;  ///< a .tflite to turn into model.h
  std::string symbol;        ///< array name for --model (default: the profile's)
  std::string workdir;       ///< where sources and the binary go (created if missing)
};

/// Outcome of a build. `compiled` is the verdict the real toolchain would give.
struct BuildResult {
  bool compiled = false;
  std::vector<Diagnostic> diagnostics;
  int64_t build_ms = 0;
  std::string binary;          ///< sketch executable when compiled
  std::string model_file;      ///< model bytes the board is flashed with ("" if none)
  std::string compiler_output;
  std::vector<std::string> libraries;  ///< libraries the sketch pulled in, in order
  std::string primary_code;    ///< taxonomy id of the first error ("" when compiled)
};

/// Builds (once) and returns the SDK cache folder of a profile: libvboard.a and pch/.
Result<std::string> EnsureSdk(const Profile& profile, exec::ProcessRunner* runner);

/// Compiles and links one sketch. Errors are tool failures; a sketch that does not compile is a
/// BuildResult with compiled = false.
Result<BuildResult> BuildSketch(const Profile& profile, const BuildRequest& request,
                                exec::ProcessRunner* runner);

/// The cache root: $AUTOPILOT_BOARD_CACHE, else the build tree's board-cache.
std::string BoardCacheDir();

}  // namespace autopilot::board
