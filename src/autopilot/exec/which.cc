#include "autopilot/exec/which.h"

#include <cstdlib>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::exec {

std::string FindProgram(const std::string& program, const std::string& path_list,
                        const std::string& cwd) {
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) {
    if (program[0] != '/' && !cwd.empty()) return cwd + "/" + program;
    return program;
  }
  for (const auto& dir : util::Split(path_list, ':')) {
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (util::IsExecutableFile(candidate)) return candidate;
  }
  return "";
}

std::string Which(const std::string& program) {
  const char* p = std::getenv("PATH");
  return FindProgram(program, p ? p : "/usr/local/bin:/usr/bin:/bin");
}

}  // namespace autopilot::exec
