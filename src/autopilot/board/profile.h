#pragma once
// Board profiles: which SDK libraries, compiler flags and model.h convention a virtual build uses
// (data files under board/profiles/; a profile may `extend` another and state only what differs).
// A profile is the toolchain (the TFLM API generation); a build combines it with a board
// (board_spec.h), whose sensor libraries are added to the profile's own.

#include <string>
#include <vector>

#include "autopilot/board/board_spec.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

/// One toolchain profile, e.g. `harvard_tinymlx` (the study's) or `tflm_arduino` (current port),
/// usually combined with a board (then `board` names it and the lists hold its libraries too).
struct Profile {
  std::string name;
  std::string description;
  std::string fqbn;                       ///< the board's when combined with one
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
  std::string board;                      ///< the board combined in ("" = the toolchain alone)

  bool operator==(const Profile&) const = default;
};

/// The board data folder: $AUTOPILOT_BOARD_DIR (a copy of board/ to try), else util::DataPath("board").
std::string BoardDataDir();
/// Names of the profiles in board/profiles/.
std::vector<std::string> ProfileNames();
/// Loads board/profiles/<name>.json, following `extends`, combined with the board `board`
/// (board/boards/<board>/board.json; CombineProfile). Errors name the file and what is wrong.
Result<Profile> LoadProfile(const std::string& name, const std::string& board = kDefaultBoard);
/// LoadProfile over another board data folder (its profiles/, boards/ and sdk/); libraries with
/// an overlay are composed under `cache_root`. An empty `board` gives the toolchain alone (its
/// own libraries and runtime sources only).
Result<Profile> LoadProfileFrom(const std::string& board_dir, const std::string& name,
                                const std::string& cache_root, const std::string& board = "");
/// The toolchain `profile` combined with `board`: the board's libraries (sensors first, in the
/// board's order) after the profile's, their runtime sources after the profile's, the board's
/// FQBN. A library or source already in the profile is not repeated.
Profile CombineProfile(const Profile& profile, const BoardSpec& board);

}  // namespace autopilot::board
