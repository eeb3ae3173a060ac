#pragma once
// Board profiles: which SDK libraries, compiler flags and model.h convention a virtual build uses
// (data files under board/profiles/).

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
  std::vector<std::string> library_dirs;  ///< absolute; each has a src/ folder
  std::vector<std::string> runtime_sources;  ///< absolute
  std::string model_symbol = "model";     ///< symbol of the array `--model` headers define
  std::string model_length_symbol;        ///< empty: no length constant (the study's header)
  std::string sdk_dir;                    ///< absolute board/sdk
};

/// The board data folder: $AUTOPILOT_BOARD_DIR, else the source tree's board/.
std::string BoardDataDir();
/// Names of the profiles in board/profiles/.
std::vector<std::string> ProfileNames();
/// Loads board/profiles/<name>.json. Errors name the file and what is wrong.
Result<Profile> LoadProfile(const std::string& name);

}  // namespace autopilot::board
