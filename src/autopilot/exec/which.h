#pragma once
// Resolving a program name against a PATH, as execvp would.

#include <string>

namespace autopilot::exec {

/// Full path of `program` found on `path_list` (colon-separated), or "" if none is executable.
/// Names containing '/' are returned as given (made absolute against `cwd` when relative).
std::string FindProgram(const std::string& program, const std::string& path_list,
                        const std::string& cwd = "");

/// FindProgram against the tool's own $PATH.
std::string Which(const std::string& program);

}  // namespace autopilot::exec
