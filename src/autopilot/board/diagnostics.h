#pragma once
// Compiler and linker messages of a sketch build, parsed and mapped to taxonomy codes (build.*).

#include <string>
#include <vector>

namespace autopilot::board {

/// One compiler/linker message.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string severity;  ///< "error", "fatal error", "warning", "note"
  std::string message;
  std::string code;      ///< taxonomy id for errors (build.*), empty otherwise
};

/// Parses gcc/ld output. Notes and warnings are kept; errors get a taxonomy code.
std::vector<Diagnostic> ParseCompilerOutput(const std::string& output);
/// The taxonomy id for one error message (e.g. "build.undeclared").
std::string ClassifyBuildMessage(const std::string& message);

}  // namespace autopilot::board
