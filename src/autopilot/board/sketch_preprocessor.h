#pragma once
// .ino → C++ as the Arduino builder does it: `#include <Arduino.h>` first, prototypes for the
// sketch's functions before the first function definition, `#line` directives so compiler
// diagnostics point at the .ino's own lines.

#include <string>
#include <vector>

namespace autopilot::board {

/// A function the sketch defines at file scope.
struct SketchFunction {
  std::string name;
  std::string prototype;  ///< "void foo(int a);"
  int line = 0;           ///< 1-based line of the definition's head
};

/// Result of preprocessing one sketch.
struct PreprocessedSketch {
  std::string cpp;                       ///< the translation unit to compile
  std::vector<SketchFunction> functions;  ///< definitions found at file scope
  std::vector<std::string> prototypes;    ///< prototypes added (not already declared)
};

/// `display_path` is what `#line` names (diagnostics then report it).
PreprocessedSketch PreprocessSketch(const std::string& ino, const std::string& display_path);

/// The sketch with comments and string/char literals blanked out (newlines kept), so scanners
/// see only code.
std::string StripCommentsAndLiterals(const std::string& text);

/// `#include` targets in order of appearance: {header, quoted?, line}.
struct IncludeDirective {
  std::string header;
  bool quoted = false;
  int line = 0;
};
std::vector<IncludeDirective> FindIncludes(const std::string& text);

}  // namespace autopilot::board
