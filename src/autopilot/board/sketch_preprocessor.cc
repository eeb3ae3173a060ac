#include "autopilot/board/sketch_preprocessor.h"

#include <cctype>
#include <regex>
#include <set>
#include <sstream>

namespace autopilot::board {
namespace {

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string CollapseSpace(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

/// The identifier right before the first '(' of a declaration head, "" when there is none or it
/// is qualified (member functions never get prototypes).
std::string DeclaredName(const std::string& head, bool* qualified) {
  size_t paren = head.find('(');
  if (paren == std::string::npos) return "";
  size_t end = paren;
  while (end > 0 && std::isspace(static_cast<unsigned char>(head[end - 1]))) end--;
  size_t begin = end;
  while (begin > 0 && IsIdentChar(head[begin - 1])) begin--;
  *qualified = begin >= 2 && head[begin - 1] == ':' && head[begin - 2] == ':';
  return head.substr(begin, end - begin);
}

bool StartsWithWord(const std::string& s, const char* word) {
  size_t n = std::char_traits<char>::length(word);
  return s.compare(0, n, word) == 0 && (s.size() == n || !IsIdentChar(s[n]));
}

}  // namespace

std::string StripCommentsAndLiterals(const std::string& t) {
  std::string out = t;
  size_t i = 0;
  const size_t n = t.size();
  while (i < n) {
    if (t[i] == '/' && i + 1 < n && t[i + 1] == '/') {
      while (i < n && t[i] != '\n') out[i++] = ' ';
    } else if (t[i] == '/' && i + 1 < n && t[i + 1] == '*') {
      out[i] = out[i + 1] = ' ';
      i += 2;
      while (i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/')) {
        if (t[i] != '\n') out[i] = ' ';
        i++;
      }
      if (i < n) out[i] = out[i + 1] = ' ', i += 2;
    } else if (t[i] == '"' || t[i] == '\'') {
      char q = t[i++];
      while (i < n && t[i] != q && t[i] != '\n') {
        if (t[i] == '\\' && i + 1 < n) out[i++] = ' ';
        out[i++] = ' ';
      }
      if (i < n && t[i] == q) i++;
    } else {
      i++;
    }
  }
  return out;
}

std::vector<IncludeDirective> FindIncludes(const std::string& text) {
  std::vector<IncludeDirective> result;
  // Comments must not hide or fake includes; string contents matter, so strip comments only.
  std::string code = text;
  {
    size_t i = 0;
    while (i < code.size()) {
      if (code.compare(i, 2, "//") == 0) {
        while (i < code.size() && code[i] != '\n') code[i++] = ' ';
      } else if (code.compare(i, 2, "/*") == 0) {
        while (i < code.size() && code.compare(i, 2, "*/") != 0) {
          if (code[i] != '\n') code[i] = ' ';
          i++;
        }
        if (i < code.size()) code[i] = code[i + 1] = ' ', i += 2;
      } else {
        i++;
      }
    }
  }
  static const std::regex re(R"(^\s*#\s*include\s*([<"])([^>"]+)[>"])");
  std::istringstream in(code);
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    no++;
    std::smatch m;
    if (std::regex_search(line, m, re)) result.push_back({m[2].str(), m[1].str() == "\"", no});
  }
  return result;
}

PreprocessedSketch PreprocessSketch(const std::string& ino, const std::string& display_path) {
  PreprocessedSketch out;
  std::string code = StripCommentsAndLiterals(ino);
  // Blank preprocessor lines (with continuations) so they never join declaration heads.
  for (size_t i = 0; i < code.size();) {
    size_t ls = i;
    while (i < code.size() && (code[i] == ' ' || code[i] == '\t')) i++;
    if (i < code.size() && code[i] == '#') {
      for (size_t k = ls; k < code.size() && code[k] != '\n'; ++k) {
        if (code[k] == '\\' && k + 1 < code.size() && code[k + 1] == '\n') {
          code[k] = ' ';
          k++;
          continue;
        }
        code[k] = ' ';
      }
    }
    while (i < code.size() && code[i] != '\n') i++;
    i++;
  }
  std::set<std::string> declared;
  int depth = 0;
  size_t head_start = 0;
  int line = 1;
  std::vector<int> line_of(code.size() + 1, 1);
  for (size_t i = 0; i < code.size(); ++i) {
    line_of[i] = line;
    if (code[i] == '\n') line++;
  }
  int paren = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '(') paren++;
    if (c == ')') paren--;
    if (paren > 0) continue;
    if (c == '{') {
      if (depth == 0) {
        std::string head = CollapseSpace(code.substr(head_start, i - head_start));
        bool qualified = false;
        std::string name = DeclaredName(head, &qualified);
        bool is_function = !name.empty() && !qualified && head.find('(') != std::string::npos &&
                           head.find('=') > head.find('(') && !StartsWithWord(head, "class") &&
                           !StartsWithWord(head, "struct") && !StartsWithWord(head, "namespace") &&
                           !StartsWithWord(head, "enum") && !StartsWithWord(head, "union") &&
                           !StartsWithWord(head, "extern") && !StartsWithWord(head, "typedef") &&
                           !StartsWithWord(head, "template") && name != "operator" &&
                           name != "if" && name != "for" && name != "while" && name != "switch";
        size_t close = head.rfind(')');
        std::string tail = close == std::string::npos ? "" : CollapseSpace(head.substr(close + 1));
        if (is_function && (tail.empty() || tail == "const")) {
          size_t first = head_start;
          while (first < i && std::isspace(static_cast<unsigned char>(code[first]))) first++;
          SketchFunction f{name, head + ";", line_of[first]};
          out.functions.push_back(f);
        }
      }
      depth++;
      continue;
    }
    if (c == '}') {
      depth--;
      if (depth == 0) head_start = i + 1;
      if (depth < 0) depth = 0;
      continue;
    }
    if (c == ';' && depth == 0) {
      std::string stmt = CollapseSpace(code.substr(head_start, i - head_start));
      bool qualified = false;
      std::string name = DeclaredName(stmt, &qualified);
      if (!name.empty() && stmt.find('=') == std::string::npos) declared.insert(name);
      head_start = i + 1;
    }
  }
  int insert_line = out.functions.empty() ? 0 : out.functions.front().line;
  std::set<std::string> seen;
  for (const auto& f : out.functions) {
    if (declared.count(f.name) || seen.count(f.name)) continue;
    // Default arguments may appear only once; such functions keep their definition as the
    // only declaration.
    if (f.prototype.find('=') != std::string::npos) continue;
    seen.insert(f.name);
    out.prototypes.push_back(f.prototype);
  }
  std::ostringstream cpp;
  std::string quoted = "\"" + display_path + "\"";
  cpp << "#include <Arduino.h>\n#line 1 " << quoted << "\n";
  std::istringstream in(ino);
  std::string text_line;
  int no = 0;
  while (std::getline(in, text_line)) {
    no++;
    if (no == insert_line && !out.prototypes.empty()) {
      for (const auto& p : out.prototypes) cpp << "#line " << insert_line << " " << quoted << "\n" << p << "\n";
      cpp << "#line " << insert_line << " " << quoted << "\n";
    }
    cpp << text_line << "\n";
  }
  out.cpp = cpp.str();
  return out;
}

}  // namespace autopilot::board
