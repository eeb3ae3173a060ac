#include "autopilot/taxonomy/toolchain.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autopilot/board/profile.h"

namespace autopilot::taxonomy {
namespace {

namespace fs = std::filesystem;

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdent(std::string_view t) { return !t.empty() && IsIdentStart(t[0]); }
/// ALL_CAPS_WITH_UNDERSCORES: an attribute or export macro, not a type name.
bool LooksLikeMacro(std::string_view t) {
  if (t.find('_') == std::string_view::npos) return false;
  return std::none_of(t.begin(), t.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

/// Words that look like names followed by '(' or ';' but declare nothing.
bool IsKeyword(std::string_view t) {
  static const std::unordered_set<std::string_view> kWords = {
      "if", "for", "while", "switch", "return", "sizeof", "alignof", "alignas", "decltype",
      "static_assert", "operator", "new", "delete", "const", "constexpr", "static", "inline",
      "virtual", "explicit", "extern", "volatile", "mutable", "override", "final", "noexcept",
      "typename", "template", "public", "private", "protected", "friend", "default", "case",
      "else", "do", "goto", "break", "continue", "throw", "try", "catch", "this", "true",
      "false", "nullptr", "void", "int", "char", "bool", "float", "double", "long", "short",
      "unsigned", "signed", "auto", "register", "asm", "__attribute__", "__declspec", "typedef",
      "using", "namespace", "class", "struct", "union", "enum", "defined"};
  return kWords.count(t) != 0;
}

/// Identifiers and single punctuation characters ("::" kept whole) of C++ text without
/// comments, literals and preprocessor lines; `#define NAME` reports NAME through `defines`.
std::vector<std::string_view> Tokenize(std::string_view s, std::vector<std::string_view>* defines) {
  std::vector<std::string_view> out;
  size_t i = 0;
  bool line_start = true;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (line_start && c == '#') {
      size_t end = i;
      while (end < s.size() && (s[end] != '\n' || (end > 0 && s[end - 1] == '\\'))) ++end;
      std::string_view line = s.substr(i, end - i);
      size_t p = line.find_first_not_of(" \t", 1);
      if (p != std::string_view::npos && line.substr(p, 6) == "define") {
        size_t q = line.find_first_not_of(" \t", p + 6);
        size_t e = q;
        while (e < line.size() && IsIdentChar(line[e])) ++e;
        if (q != std::string_view::npos && e > q) defines->push_back(line.substr(q, e - q));
      }
      i = end;
      continue;
    }
    line_start = false;
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t e = s.find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
      continue;
    }
    if (c == '"' || c == '\'') {
      size_t e = i + 1;
      while (e < s.size() && s[e] != c && s[e] != '\n') e += s[e] == '\\' ? 2 : 1;
      i = e + 1;
      continue;
    }
    if (IsIdentStart(c)) {
      size_t e = i;
      while (e < s.size() && IsIdentChar(s[e])) ++e;
      out.push_back(s.substr(i, e - i));
      i = e;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < s.size() && (IsIdentChar(s[i]) || s[i] == '.')) ++i;
      out.push_back("0");
      continue;
    }
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
      out.push_back(s.substr(i, 2));
      i += 2;
      continue;
    }
    out.push_back(s.substr(i, 1));
    ++i;
  }
  return out;
}

/// Index of the token that closes the bracket opened at `open` (or the end).
size_t Matching(const std::vector<std::string_view>& t, size_t open, char o, char c) {
  int depth = 0;
  for (size_t i = open; i < t.size(); ++i) {
    if (t[i].size() == 1 && t[i][0] == o) ++depth;
    if (t[i].size() == 1 && t[i][0] == c && --depth == 0) return i;
  }
  return t.size();
}

bool Is(std::string_view tok, char c) { return tok.size() == 1 && tok[0] == c; }

std::string StripScope(std::string_view scope) {
  while (scope.substr(0, 2) == "::") scope.remove_prefix(2);
  return std::string(scope);
}

}  // namespace

void ToolchainIndex::Add(const std::string& scope, const std::string& name) {
  if (name.empty()) return;
  names_.insert(name);
  qualified_.insert(scope + "::" + name);
}

void ToolchainIndex::AddHeaderText(std::string_view text) {
  ++files_;
  std::vector<std::string_view> defines;
  std::vector<std::string_view> t = Tokenize(text, &defines);
  for (auto d : defines) Add("", std::string(d));

  enum class Kind { kNamespace, kClass, kEnum, kOther };
  struct Frame {
    Kind kind;
    std::string scope;  ///< the scope names are declared in inside this frame
  };
  std::vector<Frame> frames = {{Kind::kNamespace, ""}};
  auto scope = [&frames]() -> const std::string& { return frames.back().scope; };
  auto in_decls = [&frames]() { return frames.back().kind != Kind::kOther; };
  auto join = [](const std::string& a, const std::string& b) { return a.empty() ? b : a + "::" + b; };
  bool pending_typedef = false;
  size_t typedef_depth = 0;
  std::string_view last_ident;

  for (size_t i = 0; i < t.size(); ++i) {
    std::string_view tok = t[i];
    if (Is(tok, '{')) {
      frames.push_back({Kind::kOther, scope()});
      continue;
    }
    if (Is(tok, '}')) {
      if (frames.size() > 1) frames.pop_back();
      continue;
    }
    if (!in_decls()) continue;
    if (tok == "extern" && i + 1 < t.size() && Is(t[i + 1], '{')) {
      frames.push_back({Kind::kNamespace, scope()});  // extern "C" { … } declares at this scope
      ++i;
      continue;
    }
    if (frames.back().kind == Kind::kEnum) {
      if (IsIdent(tok) && i + 1 < t.size() && (Is(t[i + 1], ',') || Is(t[i + 1], '=') || Is(t[i + 1], '}'))) {
        Add(scope(), std::string(tok));
        size_t cut = scope().rfind("::");
        Add(cut == std::string::npos ? "" : scope().substr(0, cut), std::string(tok));
      }
      continue;
    }
    if (tok == "template" && i + 1 < t.size() && Is(t[i + 1], '<')) {
      i = Matching(t, i + 1, '<', '>');
      continue;
    }
    if (tok == "namespace") {
      std::string name;
      size_t j = i + 1;
      for (; j < t.size() && (IsIdent(t[j]) || t[j] == "::"); ++j) name += std::string(t[j]);
      if (j < t.size() && Is(t[j], '{')) {
        if (!name.empty()) {
          size_t cut = name.rfind("::");
          Add(scope(), cut == std::string::npos ? name : name.substr(cut + 2));
        }
        std::string inner = name.empty() ? scope() : join(scope(), name);
        scopes_.insert(inner);
        frames.push_back({Kind::kNamespace, inner});
        i = j;
      } else {
        i = j - 1;  // an alias or `using namespace`
      }
      continue;
    }
    if (tok == "class" || tok == "struct" || tok == "union" || tok == "enum") {
      bool is_enum = tok == "enum";
      size_t j = i + 1;
      if (is_enum && j < t.size() && (t[j] == "class" || t[j] == "struct")) ++j;
      std::string_view name;
      for (; j < t.size(); ++j) {
        if (Is(t[j], '{') || Is(t[j], ';') || Is(t[j], ':') || Is(t[j], '(') || Is(t[j], ')') ||
            Is(t[j], '*') || Is(t[j], '&') || Is(t[j], ',') || Is(t[j], '=') || Is(t[j], '<') ||
            Is(t[j], '>')) {
          break;
        }
        // The first name; a macro such as FLATBUFFERS_FINAL_CLASS after it is no class name.
        if (IsIdent(t[j]) && !IsKeyword(t[j]) && (name.empty() || !LooksLikeMacro(t[j]))) {
          if (name.empty() || LooksLikeMacro(name)) name = t[j];
        }
      }
      if (!name.empty()) Add(scope(), std::string(name));
      // Find the body: a base clause may stand between the name and '{'.
      size_t k = j;
      if (k < t.size() && Is(t[k], ':') && !is_enum) {
        while (k < t.size() && !Is(t[k], '{') && !Is(t[k], ';')) ++k;
      } else if (k < t.size() && Is(t[k], ':') && is_enum) {
        while (k < t.size() && !Is(t[k], '{') && !Is(t[k], ';')) ++k;
      }
      if (k < t.size() && Is(t[k], '{')) {
        std::string inner = name.empty() ? scope() : join(scope(), std::string(name));
        if (!name.empty()) scopes_.insert(inner);
        frames.push_back({is_enum ? Kind::kEnum : Kind::kClass, inner});
        i = k;
      } else if (!name.empty()) {
        last_ident = name;
        i = j - 1;
      }
      continue;
    }
    if (tok == "typedef") {
      pending_typedef = true;
      typedef_depth = frames.size();
      continue;
    }
    if (tok == "using" && i + 2 < t.size() && IsIdent(t[i + 1]) && t[i + 1] != "namespace") {
      if (Is(t[i + 2], '=')) {
        Add(scope(), std::string(t[i + 1]));
      } else {
        size_t j = i + 1;
        std::string_view last;
        for (; j < t.size() && !Is(t[j], ';'); ++j) {
          if (IsIdent(t[j])) last = t[j];
        }
        if (!last.empty()) Add(scope(), std::string(last));
        i = j;
      }
      continue;
    }
    if (Is(tok, '(')) {
      // typedef void (*Name)(...): the name sits inside the first parentheses.
      size_t close = Matching(t, i, '(', ')');
      if (pending_typedef && i + 2 < t.size() && Is(t[i + 1], '*') && IsIdent(t[i + 2])) {
        last_ident = t[i + 2];
      }
      i = close;
      continue;
    }
    if (Is(tok, '[')) {
      i = Matching(t, i, '[', ']');
      continue;
    }
    if (Is(tok, ';')) {
      if (pending_typedef && frames.size() == typedef_depth && !last_ident.empty()) {
        Add(scope(), std::string(last_ident));
        pending_typedef = false;
      }
      last_ident = {};
      continue;
    }
    if (IsIdent(tok) && !IsKeyword(tok)) {
      last_ident = tok;
      if (i + 1 < t.size()) {
        std::string_view next = t[i + 1];
        bool declarator = Is(next, '(') || Is(next, ';') || Is(next, '=') || Is(next, '[') ||
                          Is(next, ',');
        if (declarator && !pending_typedef) Add(scope(), std::string(tok));
      }
    }
  }
}

ToolchainIndex ToolchainIndex::FromHeaders(const std::string& profile,
                                           const std::vector<std::string>& include_dirs) {
  ToolchainIndex index;
  index.profile_ = profile;
  for (const auto& dir : include_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string ext = it->path().extension().string();
      if (ext != ".h" && ext != ".hpp" && ext != ".hh" && ext != ".inc" && !ext.empty()) continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      index.AddHeaderText(ss.str());
    }
  }
  return index;
}

bool ToolchainIndex::Declares(std::string_view name, std::string_view scope) const {
  std::string s = StripScope(scope);
  if (s.empty() && scope.empty()) return names_.count(std::string(name)) != 0;
  return qualified_.count(s + "::" + std::string(name)) != 0;
}

bool ToolchainIndex::HasScope(std::string_view scope) const {
  return scopes_.count(StripScope(scope)) != 0;
}

Result<std::vector<std::string>> ProfileIncludeDirs(const std::string& profile) {
  auto p = board::LoadProfile(profile);
  if (!p) return p.error();
  std::vector<std::string> dirs = {p->core_dir};
  for (const auto& lib : p->library_dirs) dirs.push_back(lib + "/src");
  return dirs;
}

ErrorName NameInCompilerError(std::string_view message) {
  static const RE2 kInScope(
      R"re('([^']+)' (?:in namespace|is not a member of) '([^']+)')re");
  static const RE2 kClang(R"re(no (?:member|type|template) named '([^']+)' in (?:namespace )?'([^']+)')re");
  static const RE2 kQuotedFirst(
      R"re(^'([^']+)' (?:was not declared|has not been declared|does not name a|is not a (?:namespace|type|template|class)))re");
  static const RE2 kClangUndeclared(R"re((?:undeclared identifier|unknown type name|undeclared) '([^']+)')re");
  re2::StringPiece in(message.data(), message.size());
  std::string name;
  std::string scope;
  if (!RE2::PartialMatch(in, kInScope, &name, &scope) && !RE2::PartialMatch(in, kClang, &name, &scope) &&
      !RE2::PartialMatch(in, kQuotedFirst, &name) && !RE2::PartialMatch(in, kClangUndeclared, &name)) {
    return {};
  }
  // "MicroMutableOpResolver<5>" names the template; "tflite::X" splits into scope and name.
  if (size_t lt = name.find('<'); lt != std::string::npos) name.resize(lt);
  if (size_t cut = name.rfind("::"); cut != std::string::npos) {
    std::string outer = name.substr(0, cut);
    scope = scope.empty() ? outer : scope + "::" + outer;
    name = name.substr(cut + 2);
  }
  if (size_t lt = scope.find('<'); lt != std::string::npos) scope.resize(lt);
  return {name, StripScope(scope)};
}

}  // namespace autopilot::taxonomy
