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
  /// Where sources and the binary go. Empty (the usual case): a fresh folder under the tool's
  /// own work root (BoardWorkRoot()), which the sandbox user can reach without the tool touching
  /// any permission outside it. When set, it must already be reachable by the sandbox user.
  std::string workdir;
  /// C++ appended to the preprocessed sketch, in the same translation unit (the unit layer's
  /// test driver), and extra linker flags for it.
  std::string extra_source;
  std::vector<std::string> extra_link_flags;
};

/// Outcome of a build. `compiled` is the verdict the real toolchain would give.
struct BuildResult {
  bool compiled = false;
  std::vector<Diagnostic> diagnostics;
  int64_t build_ms = 0;
  std::string workdir;         ///< the build folder; the caller removes it (RemoveBuild)
  std::string binary;          ///< sketch executable when compiled
  std::string model_file;      ///< model bytes the board is flashed with ("" if none)
  std::string compiler_output;
  std::vector<std::string> libraries;  ///< libraries the sketch pulled in, in order
  std::string primary_code;    ///< taxonomy id of the first error ("" when compiled)
  std::string board;           ///< the board the profile was combined with (Profile::board)
};

/// The identity of the compiler that compiles the SDK and sketches: its `--version` output, run
/// once per process through `runner` (in the sandbox, like every compile) and cached.
Result<std::string> SketchCompilerIdentity(exec::ProcessRunner* runner);
/// The key of a profile's SDK cache folder: a hash of the SDK files, the profile's flags,
/// defines, board, libraries and runtime sources, and `compiler_identity`
/// (SketchCompilerIdentity), so another board or compiler gets its own.
std::string SdkCacheKey(const Profile& profile, const std::string& compiler_identity);

/// Builds (once) and returns the SDK cache folder of a profile: libvboard.a and pch/.
Result<std::string> EnsureSdk(const Profile& profile, exec::ProcessRunner* runner);

/// Compiles and links one sketch. Errors are tool failures; a sketch that does not compile is a
/// BuildResult with compiled = false.
Result<BuildResult> BuildSketch(const Profile& profile, const BuildRequest& request,
                                exec::ProcessRunner* runner);

/// The cache root: $AUTOPILOT_BOARD_CACHE, else the build tree's board-cache.
std::string BoardCacheDir();
/// Where fresh build folders go: <cache>/work, owned by the tool (mode 0711: the sandbox user
/// may enter the folders it is handed but not list the others).
std::string BoardWorkRoot();
/// A fresh build folder under BoardWorkRoot() that the sandbox user can enter; the caller
/// removes it.
Result<std::string> MakeBuildFolder();
/// Removes a build folder BuildSketch created (no-op for an empty path).
void RemoveBuild(const BuildResult& build);
/// Ok when the sandbox user (nobody, when the tool runs as root) can reach `dir`: every folder
/// above it must be searchable by others. The tool never changes their permissions itself.
Result<void> CheckReachableBySandbox(const std::string& dir);

}  // namespace autopilot::board
