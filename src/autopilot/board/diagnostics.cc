#include "autopilot/board/diagnostics.h"

#include <regex>
#include <sstream>

namespace autopilot::board {

std::string ClassifyBuildMessage(const std::string& m) {
  auto has = [&m](const char* s) { return m.find(s) != std::string::npos; };
  if (has("No such file or directory")) return "build.missing_header";
  if (has("undefined reference") || has("ld returned") || has("multiple definition of")) return "build.link";
  if (has("overflowed by") || has("will not fit in region")) return "build.memory_overflow";
  if (has("conflicting declaration") || has("redefinition of") || has("redeclared as different") ||
      has("is ambiguous") || has("previous declaration")) {
    return "build.redeclaration";
  }
  static const std::regex toplevel(
      R"(expected (unqualified-id|constructor, destructor, or type conversion) before '(if|for|while|return|switch|do|\(|[A-Za-z_]+)')");
  if (std::regex_search(m, toplevel)) return "build.toplevel_statement";
  // A name inside a namespace or class that the library does not have is the API being wrong;
  // a bare unknown name is undeclared.
  if (has("has no member named") || has("is not a member of") || has("in namespace") ||
      has("no matching function") || has("is private within") || has("is protected within") ||
      has("no matching constructor") || has("too many arguments") || has("too few arguments") ||
      has("no member named") || has("marked 'override', but does not override") ||
      has("cannot declare variable") || has("is abstract")) {
    return "build.api_mismatch";
  }
  if (has("was not declared") || has("does not name a type") || has("has not been declared") ||
      has("not declared in this scope") || has("is not a type") || has("incomplete type")) {
    return "build.undeclared";
  }
  if (has("invalid conversion") || has("cannot convert") || has("cannot bind") ||
      has("invalid operands") || has("no match for") || has("narrowing conversion") ||
      has("invalid use") || has("lvalue required") || has("discards qualifiers") ||
      has("assignment of read-only") || has("non-class type")) {
    return "build.type_error";
  }
  if (has("expected") || has("stray") || has("missing terminating") || has("unterminated") ||
      has("exception handling disabled")) {
    return "static.syntax";
  }
  return "build.type_error";
}

std::vector<Diagnostic> ParseCompilerOutput(const std::string& output) {
  std::vector<Diagnostic> out;
  // file:line:col: severity: message   |   file:line: severity: message
  static const std::regex located(R"(^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$)");
  static const std::regex linker(R"(^(.+?):(?:\(.*\))?:? ?(undefined reference to .*|multiple definition of .*)$)");
  static const std::regex plain(R"(^(?:collect2|ld|.*ld): (?:error: )?(.*)$)");
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    // Localised gcc quotes (U+2018/U+2019) → ASCII, so rules and users see one form.
    for (const char* q : {"\xE2\x80\x98", "\xE2\x80\x99"}) {
      for (size_t p = line.find(q); p != std::string::npos; p = line.find(q)) line.replace(p, 3, "'");
    }
    std::smatch m;
    if (std::regex_match(line, m, located)) {
      Diagnostic d;
      d.file = m[1].str();
      d.line = std::stoi(m[2].str());
      d.column = m[3].matched ? std::stoi(m[3].str()) : 0;
      d.severity = m[4].str();
      d.message = m[5].str();
      if (d.severity == "error" || d.severity == "fatal error") d.code = ClassifyBuildMessage(d.message);
      out.push_back(d);
    } else if (std::regex_match(line, m, linker)) {
      Diagnostic d;
      d.file = m[1].str();
      d.severity = "error";
      d.message = m[2].str();
      d.code = "build.link";
      out.push_back(d);
    } else if (std::regex_match(line, m, plain) && line.find("ld returned") != std::string::npos) {
      Diagnostic d;
      d.file = "ld";
      d.severity = "error";
      d.message = m[1].str();
      d.code = "build.link";
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace autopilot::board
