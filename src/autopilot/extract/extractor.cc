#include "autopilot/extract/extractor.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>

#include "autopilot/util/strings.h"

namespace autopilot::extract {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) out.push_back(text.substr(start));
      break;
    }
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = nl + 1;
  }
  return out;
}

struct Fence {
  bool is_fence = false;
  char ch = 0;
  size_t len = 0;
  size_t indent = 0;
  std::string info;  // rest of the line after the fence, trimmed
};

Fence ParseFence(std::string_view line) {
  Fence f;
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return f;
  char ch = line[i];
  size_t j = i;
  while (j < line.size() && line[j] == ch) ++j;
  if (j - i < 3) return f;
  std::string info = util::Trim(line.substr(j));
  // A backtick fence's info string may not contain backticks (that is inline code).
  if (ch == '`' && info.find('`') != std::string::npos) return f;
  f.is_fence = true;
  f.ch = ch;
  f.len = j - i;
  f.indent = i;
  f.info = info;
  return f;
}

std::string TagOf(const std::string& info) {
  std::string tag = util::ToLower(info.substr(0, info.find_first_of(" \t{")));
  // ```cpp title="x"  /  ```{python}  /  ```.py
  tag.erase(std::remove_if(tag.begin(), tag.end(), [](char c) { return c == '{' || c == '}'; }),
            tag.end());
  if (!tag.empty() && tag[0] == '.') tag.erase(0, 1);
  return tag;
}

std::string LangOfTag(const std::string& tag) {
  static const char* kCpp[] = {"cpp", "c++", "cxx", "cc", "c", "arduino", "ino", "h", "hpp"};
  static const char* kPython[] = {"python", "py", "python3", "py3", "ipython"};
  static const char* kJson[] = {"json", "jsonc", "json5"};
  for (const char* t : kCpp) {
    if (tag == t) return "cpp";
  }
  for (const char* t : kPython) {
    if (tag == t) return "python";
  }
  for (const char* t : kJson) {
    if (tag == t) return "json";
  }
  return "";
}

bool IsVagueTag(const std::string& tag) {
  return tag.empty() || tag == "text" || tag == "plaintext" || tag == "txt" || tag == "code" ||
         tag == "plain";
}

int CountMatches(std::string_view text, const std::regex& re) {
  std::string s(text);
  return static_cast<int>(std::distance(std::sregex_iterator(s.begin(), s.end(), re),
                                        std::sregex_iterator()));
}

bool DefinesSetupAndLoop(std::string_view code) {
  static const std::regex kSetup(R"(\bvoid\s+setup\s*\(\s*(void)?\s*\)\s*\{)");
  static const std::regex kLoop(R"(\bvoid\s+loop\s*\(\s*(void)?\s*\)\s*\{)");
  std::string s(code);
  return std::regex_search(s, kSetup) && std::regex_search(s, kLoop);
}

bool HasTopLevelImport(std::string_view code) {
  static const std::regex kImport(R"((^|\n)(import\s+\w|from\s+[\w.]+\s+import\s))");
  return std::regex_search(std::string(code), kImport);
}

/// Net {( [ minus }) ] outside strings and comments, C-like.
int CppBraceBalance(std::string_view code) {
  int depth = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '/' && i + 1 < code.size() && code[i + 1] == '/') {
      while (i < code.size() && code[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < code.size() && code[i + 1] == '*') {
      size_t end = code.find("*/", i + 2);
      i = end == std::string_view::npos ? code.size() : end + 1;
    } else if (c == '"' || c == '\'') {
      for (++i; i < code.size() && code[i] != c && code[i] != '\n'; ++i) {
        if (code[i] == '\\') ++i;
      }
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
  }
  return depth;
}

bool LooksRefusal(std::string_view text) {
  static const std::regex kRefusal(
      R"((I'm sorry|I am sorry|I can(no|')t (help|assist|comply|provide)|I'm unable to|I am unable to|As an AI( language model)?))",
      std::regex::icase);
  return std::regex_search(std::string(text.substr(0, 2000)), kRefusal);
}

/// Depth-first search for a string value in a JSON document that is code of `lang`.
bool FindCodeInJson(const nlohmann::json& j, const std::string& lang, std::string* out) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s.find('\n') != std::string::npos && GuessLang(s) == lang) {
      *out = s;
      return true;
    }
    return false;
  }
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) {
      if (FindCodeInJson(v, lang, out)) return true;
    }
  }
  return false;
}

/// First balanced {...} (or [...]) in `text` that parses as JSON.
bool FindJsonValue(std::string_view text, nlohmann::json* out, std::string* first_error) {
  for (size_t start = 0; start < text.size(); ++start) {
    char open = text[start];
    if (open != '{' && open != '[') continue;
    char close = open == '{' ? '}' : ']';
    int depth = 0;
    bool in_str = false;
    for (size_t i = start; i < text.size(); ++i) {
      char c = text[i];
      if (in_str) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_str = false;
        }
        continue;
      }
      if (c == '"') {
        in_str = true;
      } else if (c == open) {
        ++depth;
      } else if (c == close && --depth == 0) {
        auto j = nlohmann::json::parse(text.substr(start, i - start + 1), nullptr, false);
        if (!j.is_discarded()) {
          *out = std::move(j);
          return true;
        }
        if (first_error && first_error->empty()) {
          try {
            auto again = nlohmann::json::parse(text.substr(start, i - start + 1));
            (void)again;
          } catch (const nlohmann::json::exception& e) {
            *first_error = e.what();
          }
        }
        break;
      }
    }
  }
  return false;
}

std::string JoinBlocks(const std::vector<CodeBlock*>& blocks) {
  std::string out;
  for (const auto* b : blocks) {
    if (!out.empty()) out += "\n";
    out += b->code;
  }
  return out;
}

/// Code-looking tail of an unfenced reply: from the first line that starts a program.
std::string UnfencedCode(std::string_view reply, Lang lang) {
  auto lines = Lines(reply);
  static const std::regex kCppStart(R"(^\s*(#include|#define|//|/\*|const\s|void\s|int\s|float\s|static\s|using\s|namespace\s))");
  static const std::regex kPyStart(R"(^(import\s|from\s+[\w.]+\s+import|def\s|#!|class\s))");
  const std::regex& re = lang == Lang::kCpp ? kCppStart : kPyStart;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (std::regex_search(std::string(lines[i]), re)) {
      std::string out;
      for (size_t k = i; k < lines.size(); ++k) {
        out += std::string(lines[k]) + "\n";
      }
      return out;
    }
  }
  return "";
}

}  // namespace

std::string_view LangName(Lang lang) {
  switch (lang) {
    case Lang::kCpp:
      return "cpp";
    case Lang::kPython:
      return "python";
    case Lang::kJson:
      return "json";
  }
  return "?";
}

bool ParseLang(std::string_view name, Lang* out) {
  std::string l = LangOfTag(util::ToLower(name));
  if (l == "cpp") {
    *out = Lang::kCpp;
  } else if (l == "python") {
    *out = Lang::kPython;
  } else if (l == "json") {
    *out = Lang::kJson;
  } else {
    return false;
  }
  return true;
}

std::string StripThinking(std::string_view reply, std::string* thinking) {
  std::string out;
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t open = reply.find("<think>", pos);
    if (open == std::string_view::npos) {
      out.append(reply.substr(pos));
      break;
    }
    out.append(reply.substr(pos, open - pos));
    size_t close = reply.find("</think>", open + 7);
    if (close == std::string_view::npos) {
      if (thinking) thinking->append(reply.substr(open + 7));
      break;
    }
    if (thinking) thinking->append(reply.substr(open + 7, close - open - 7));
    pos = close + 8;
  }
  // A reply that starts inside a thinking section (the opening tag was in the prompt template).
  size_t stray = out.find("</think>");
  if (stray != std::string::npos && out.find("<think>") == std::string::npos) {
    if (thinking) thinking->append(out.substr(0, stray));
    out.erase(0, stray + 8);
  }
  return out;
}

std::string GuessLang(std::string_view code) {
  std::string t = util::Trim(code);
  if (t.empty()) return "other";
  if ((t.front() == '{' && t.back() == '}') || (t.front() == '[' && t.back() == ']')) {
    if (!nlohmann::json::parse(t, nullptr, false).is_discarded()) return "json";
  }
  static const std::regex kCppSignals(
      R"((#include\s*[<"]|\bvoid\s+\w+\s*\(|;\s*(\n|$)|\btflite::|\bSerial\.|\bconst\s+\w+\s*\*|\bstd::|\b(int|float|uint8_t|int8_t|bool)\s+\w+\s*[=;\[(]))");
  static const std::regex kPySignals(
      R"(((^|\n)\s*(import\s+\w|from\s+[\w.]+\s+import|def\s+\w+\s*\(|class\s+\w+.*:|if\s+__name__|for\s+\w+\s+in\s|with\s+.*:|print\()|\bself\.|:\s*(\n|$)))");
  int cpp = CountMatches(t, kCppSignals);
  int py = CountMatches(t, kPySignals);
  if (t.find("#include") != std::string::npos) cpp += 3;
  if (cpp == 0 && py == 0) return "other";
  if (cpp > py) return "cpp";
  if (py > cpp) return "python";
  return "other";
}

std::vector<CodeBlock> FindBlocks(std::string_view text) {
  std::vector<CodeBlock> blocks;
  auto lines = Lines(text);
  bool in_block = false;
  Fence open;
  CodeBlock cur;
  auto finish = [&](int end_line, bool terminated) {
    cur.end_line = end_line;
    cur.terminated = terminated;
    std::string lang = LangOfTag(cur.tag);
    if (!lang.empty()) {
      cur.lang = lang;
      cur.lang_from_tag = true;
    } else if (IsVagueTag(cur.tag)) {
      cur.lang = GuessLang(cur.code);
    } else {
      cur.lang = "other";
    }
    blocks.push_back(std::move(cur));
    cur = CodeBlock{};
    in_block = false;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    int lineno = static_cast<int>(i) + 1;
    Fence f = ParseFence(line);
    if (!in_block) {
      if (f.is_fence) {
        open = f;
        in_block = true;
        cur.tag = TagOf(f.info);
        cur.start_line = lineno;
      }
      continue;
    }
    if (f.is_fence && f.ch == open.ch && f.len >= open.len && f.info.empty()) {
      finish(lineno, true);
      continue;
    }
    // A new tagged fence inside an open block: the model forgot to close the previous one.
    if (f.is_fence && f.ch == open.ch && !LangOfTag(TagOf(f.info)).empty() &&
        f.indent <= open.indent) {
      finish(lineno - 1, false);
      open = f;
      in_block = true;
      cur.tag = TagOf(f.info);
      cur.start_line = lineno;
      continue;
    }
    // Drop the fence's own indentation from code lines (blocks nested in lists).
    size_t strip = 0;
    while (strip < open.indent && strip < line.size() && line[strip] == ' ') ++strip;
    cur.code.append(line.substr(strip));
    cur.code += '\n';
  }
  if (in_block) finish(static_cast<int>(lines.size()), false);
  return blocks;
}

Extraction Extract(std::string_view reply, Lang lang) {
  Extraction ex;
  std::string text = StripThinking(reply, &ex.thinking);
  if (!ex.thinking.empty()) ex.notes.push_back("removed a <think> section");
  ex.blocks = FindBlocks(text);
  const std::string want(LangName(lang));

  auto fail = [&](const std::string& code, const std::string& msg) {
    ex.ok = false;
    ex.error_code = code;
    ex.message = msg;
    return ex;
  };

  std::vector<CodeBlock*> target;
  for (auto& b : ex.blocks) {
    if (b.lang == want) target.push_back(&b);
  }

  // --- JSON --------------------------------------------------------------------------------
  if (lang == Lang::kJson) {
    auto parse_error = [](const std::string& candidate) -> std::string {
      try {
        auto j = nlohmann::json::parse(candidate);
        (void)j;
        return "";
      } catch (const nlohmann::json::exception& e) {
        return e.what();
      }
    };
    for (auto* b : target) {
      if (!nlohmann::json::parse(b->code, nullptr, false).is_discarded()) {
        b->chosen = true;
        ex.ok = true;
        ex.json_valid = true;
        ex.code = b->code;
        ex.policy = target.size() == 1 ? "single-block" : "first-parsable-block";
        return ex;
      }
    }
    if (!target.empty()) {
      // The model's block, as written: the format validator judges it.
      CodeBlock* b = target[0];
      for (auto* t : target) {
        if (t->lang_from_tag) {
          b = t;
          break;
        }
      }
      b->chosen = true;
      ex.ok = true;
      ex.code = b->code;
      ex.policy = "single-block";
      ex.json_error = parse_error(b->code);
      ex.notes.push_back("the JSON block does not parse: " + ex.json_error);
      return ex;
    }
    nlohmann::json found;
    std::string first_error;
    if (FindJsonValue(text, &found, &first_error)) {
      ex.ok = true;
      ex.json_valid = true;
      ex.code = found.dump(2);
      ex.policy = "json-object";
      return ex;
    }
    if (!first_error.empty()) {
      return fail("format.structured_invalid", "the JSON in the reply does not parse: " + first_error);
    }
    if (LooksRefusal(text)) return fail("format.refusal", "the reply refuses the task");
    return fail("format.no_code", "no JSON object in the reply");
  }

  // --- code --------------------------------------------------------------------------------
  // JSON-wrapped code: {"code": "…"} as the whole reply or as the only block.
  auto try_wrapped = [&](const std::string& candidate) -> bool {
    std::string t = util::Trim(candidate);
    if (t.empty() || t.front() != '{') return false;
    auto j = nlohmann::json::parse(t, nullptr, false);
    std::string code;
    if (j.is_discarded() || !FindCodeInJson(j, want, &code)) return false;
    ex.ok = true;
    ex.code = code;
    ex.policy = "json-wrapped";
    ex.notes.push_back("the code came wrapped in a JSON object");
    return true;
  };

  if (target.empty()) {
    for (auto& b : ex.blocks) {
      if (b.lang == "json" && try_wrapped(b.code)) {
        b.chosen = true;
        return ex;
      }
    }
    if (ex.blocks.empty()) {
      if (try_wrapped(text)) return ex;
      std::string code = UnfencedCode(text, lang);
      if (!code.empty() && GuessLang(code) == want) {
        ex.ok = true;
        ex.code = code;
        ex.policy = "unfenced";
        ex.notes.push_back("no code fence: took the reply from its first line of code");
        return ex;
      }
    }
    if (LooksRefusal(text)) return fail("format.refusal", "the reply refuses the task");
    std::string seen;
    for (const auto& b : ex.blocks) {
      seen += (seen.empty() ? "" : ", ") + (b.tag.empty() ? std::string("untagged") : b.tag) +
              " (" + b.lang + ")";
    }
    return fail("format.no_code",
                "no " + want + " code block in the reply" +
                    (seen.empty() ? std::string(" (prose only)") : "; blocks found: " + seen));
  }

  // Single block, or choose among several.
  std::vector<CodeBlock*> chosen;
  if (target.size() == 1) {
    chosen.push_back(target[0]);
    ex.policy = "single-block";
  } else if (lang == Lang::kCpp) {
    std::vector<CodeBlock*> complete;
    for (auto* b : target) {
      if (DefinesSetupAndLoop(b->code)) complete.push_back(b);
    }
    if (complete.size() == 1) {
      chosen.push_back(complete[0]);
      ex.policy = "complete-program";
      ex.notes.push_back("took the one block that defines setup() and loop(); " +
                         std::to_string(target.size() - 1) + " other cpp block(s) dropped");
    } else if (complete.size() > 1) {
      complete[0]->chosen = true;
      ex.code = complete[0]->code;
      ex.policy = "first-of-candidates";
      return fail("format.multiple_candidates",
                  std::to_string(complete.size()) +
                      " complete sketches in one reply (each defines setup() and loop()); "
                      "answer with exactly one");
    } else {
      // Pieces of one program spread over blocks (a "checklist" answer): merge them in order,
      // dropping exact repeats, and let the later layers judge the result.
      std::vector<std::string> seen;
      for (auto* b : target) {
        std::string key = util::Trim(b->code);
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        chosen.push_back(b);
      }
      ex.policy = "merged-split";
      ex.notes.push_back("merged " + std::to_string(chosen.size()) +
                         " cpp fragments into one sketch (no block is a whole program)");
    }
  } else {  // Python
    std::vector<CodeBlock*> scripts;
    for (auto* b : target) {
      if (HasTopLevelImport(b->code)) scripts.push_back(b);
    }
    if (scripts.size() == 1) {
      chosen.push_back(scripts[0]);
      ex.policy = "complete-program";
      ex.notes.push_back("took the one block with imports; " +
                         std::to_string(target.size() - 1) + " other python block(s) dropped");
    } else if (scripts.size() > 1) {
      scripts[0]->chosen = true;
      ex.code = scripts[0]->code;
      ex.policy = "first-of-candidates";
      return fail("format.multiple_candidates",
                  std::to_string(scripts.size()) +
                      " separate scripts in one reply (each with its own imports); answer with "
                      "exactly one");
    } else {
      for (auto* b : target) chosen.push_back(b);
      ex.policy = "merged-split";
      ex.notes.push_back("merged " + std::to_string(chosen.size()) + " python fragments");
    }
  }

  for (auto* b : chosen) b->chosen = true;
  ex.code = JoinBlocks(chosen);
  if (chosen.size() == 1 && try_wrapped(ex.code)) return ex;

  bool unterminated = std::any_of(chosen.begin(), chosen.end(),
                                  [](const CodeBlock* b) { return !b->terminated; });
  if (unterminated) {
    bool truncated = lang == Lang::kCpp ? CppBraceBalance(ex.code) > 0 : false;
    if (lang == Lang::kPython) {
      std::string t = util::Trim(ex.code);
      truncated = !t.empty() && (t.back() == ',' || t.back() == '(' || t.back() == '[' ||
                                 t.back() == '{' || t.back() == '\\' || t.back() == ':');
    }
    if (truncated) {
      return fail("format.truncated",
                  "the code block is not closed and the code stops mid-construct (output cut "
                  "off?)");
    }
    ex.notes.push_back("the code fence is not closed; the code looks complete");
  }
  if (lang == Lang::kCpp && CppBraceBalance(ex.code) > 0 && ex.policy != "merged-split") {
    return fail("format.truncated", "the sketch ends with unclosed braces (output cut off?)");
  }
  if (util::Trim(ex.code).empty()) return fail("format.no_code", "the code block is empty");
  ex.ok = true;
  return ex;
}

}  // namespace autopilot::extract
