#pragma once
// Board profiles: which SDK libraries, compiler flags and model.h convention a virtual build uses
// (data files under board/profiles/; a profile may `extend` another and state only what differs).

#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

/// One toolchain profile, e.g. `harvard_tinymlx` (the study's) or `tflm_arduino` (current port).
struct Profile {
  std::string name;
  std::string description;
  std::string fqbn;
  std::vector<std::string> cxx_flags;     ///< the real core's C++ dialect and warning flags
  std::vector<std::string> defines;
  std::string core_dir;                   ///< absolute
  /// absolute; each has a src/ folder. A library with an overlay.json is its composed folder
  /// (base + overlay, see sdk_tree.h) in the board cache, not its folder under board/sdk.
  std::vector<std::string> library_dirs;
  std::vector<std::string> runtime_sources;  ///< absolute
  std::string model_symbol = "model";     ///< symbol of the array `--model` headers define
  std::string model_length_symbol;        ///< empty: no length constant (the study's header)
  std::string sdk_dir;                    ///< absolute board/sdk

  bool operator==(const Profile&) const = default;
};

/// The board data folder: $AUTOPILOT_BOARD_DIR (a copy of board/ to try), else util::DataPath("board").
std::string BoardDataDir();
/// Names of the profiles in board/profiles/.
std::vector<std::string> ProfileNames();
/// Loads board/profiles/<name>.json, following `extends`. Errors name the file and what is wrong.
Result<Profile> LoadProfile(const std::string& name);
/// LoadProfile over another board data folder (its profiles/ and sdk/); libraries with an
/// overlay are composed under `cache_root`.
Result<Profile> LoadProfileFrom(const std::string& board_dir, const std::string& name,
                                const std::string& cache_root);

}  // namespace autopilot::board
