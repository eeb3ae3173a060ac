#pragma once
// Filesystem helpers with no project types.

#include <string>
#include <utility>

#include "autopilot/util/result.h"

namespace autopilot::util {

Result<std::string> ReadFile(const std::string& path);
/// Writes via a temporary file and rename, so readers never see a half-written file.
Result<void> WriteFileAtomic(const std::string& path, const std::string& content);
/// Creates a fresh private directory `<base>/<prefix>XXXXXX` (base defaults to $TMPDIR or /tmp).
Result<std::string> MakeTempDir(const std::string& prefix, const std::string& base = "");
/// Removes a directory tree; errors are ignored (best-effort cleanup).
void RemoveTree(const std::string& path);
/// Removes a folder tree when it goes out of scope (a build folder a function made for itself).
struct RemoveTreeOnExit {
  std::string dir;
  explicit RemoveTreeOnExit(std::string folder) : dir(std::move(folder)) {}
  RemoveTreeOnExit(const RemoveTreeOnExit&) = delete;
  RemoveTreeOnExit& operator=(const RemoveTreeOnExit&) = delete;
  ~RemoveTreeOnExit() { RemoveTree(dir); }
};
bool PathExists(const std::string& path);

/// The one folder the tool reads its data from (prompts/, taxonomy/rules.yaml, board/,
/// pricing.yaml, python/, tools/): $AUTOPILOT_DATA_DIR when set, else the source tree it was
/// built from.
std::string DataDir();
/// DataDir() + "/" + relative.
std::string DataPath(const std::string& relative);
bool IsExecutableFile(const std::string& path);

}  // namespace autopilot::util
