#include "autopilot/taxonomy/rules.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "autopilot/config/yaml_reader.h"
#include "autopilot/util/strings.h"

namespace autopilot::taxonomy {
namespace {

using config::IssueList;
using config::MapReader;

struct FieldSpec {
  Field field;
  const char* key;
  bool multiline;  ///< matched with (?m) over a block of lines
};

constexpr FieldSpec kFields[] = {
    {Field::kWrapper, "wrapper", false},
    {Field::kFirstLine, "first_line", false},
    {Field::kAnyLine, "any_line", true},
    {Field::kNoLine, "no_line", true},
    {Field::kCompilerError, "compiler_error", false},
    {Field::kAnyCompilerError, "any_compiler_error", false},
    {Field::kCompilerSource, "compiler_source", false},
    {Field::kExceptionLine, "exception_line", false},
    {Field::kExceptionMessage, "exception_message", false},
    {Field::kOffendingLine, "offending_line", false},
    {Field::kTraceback, "traceback", true},
    {Field::kNoTraceback, "no_traceback", true},
    {Field::kScriptLine, "script_line", false},
    {Field::kCompilerName, "compiler_name", false},
    {Field::kCompilerScope, "compiler_scope", false},
};

/// "declared" / "absent" of an sdk_* condition; anything else is reported.
Evidence::Sdk ReadSdk(const YAML::Node& node, const std::string& key, IssueList* issues) {
  if (!node.IsDefined() || node.IsNull()) return Evidence::Sdk::kUnknown;
  if (node.IsScalar() && node.Scalar() == "declared") return Evidence::Sdk::kDeclared;
  if (node.IsScalar() && node.Scalar() == "absent") return Evidence::Sdk::kAbsent;
  issues->Add(node.Mark(), key, "expected 'declared' or 'absent'");
  return Evidence::Sdk::kUnknown;
}

const FieldSpec& SpecOf(Field field) {
  for (const auto& s : kFields) {
    if (s.field == field) return s;
  }
  return kFields[0];
}

bool Search(const re2::RE2& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

// The first line of `block` that `re` matches (re is compiled multi-line).
std::string FirstMatchingLine(const re2::RE2& re, std::string_view block) {
  re2::StringPiece input(block.data(), block.size());
  re2::StringPiece match;
  if (!re.Match(input, 0, input.size(), RE2::UNANCHORED, &match, 1)) return "";
  size_t pos = static_cast<size_t>(match.data() - block.data());
  size_t nl = pos == 0 ? std::string_view::npos : block.rfind('\n', pos - 1);
  size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
  size_t end = block.find('\n', pos);
  if (end == std::string_view::npos) end = block.size();
  return util::Trim(block.substr(begin, end - begin));
}

std::vector<std::string> AllIds() {
  std::vector<std::string> ids;
  for (const auto& c : AllCategories()) ids.emplace_back(c.id);
  return ids;
}

std::optional<Category> ReadCategory(const YAML::Node& node, const std::string& key,
                                     IssueList* issues) {
  if (!node.IsScalar()) {
    issues->Add(node.Mark(), key, "expected a taxonomy id such as 'build.undeclared'");
    return std::nullopt;
  }
  auto c = FindById(node.Scalar());
  if (!c) {
    std::string msg = "unknown taxonomy id '" + node.Scalar() + "'";
    std::string hint = util::ClosestMatch(node.Scalar(), AllIds());
    if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
    issues->Add(node.Mark(), key, msg);
  }
  return c;
}

// Replaces every {{name}} with an alternation of the list's items, each quoted literally.
bool ExpandLists(const std::string& pattern, const std::map<std::string, std::string>& lists,
                 std::string* out, std::string* unknown) {
  out->clear();
  size_t pos = 0;
  while (true) {
    size_t open = pattern.find("{{", pos);
    if (open == std::string::npos) {
      *out += pattern.substr(pos);
      return true;
    }
    size_t close = pattern.find("}}", open + 2);
    if (close == std::string::npos) {
      *out += pattern.substr(pos);
      return true;
    }
    std::string name = util::Trim(pattern.substr(open + 2, close - open - 2));
    auto it = lists.find(name);
    if (it == lists.end()) {
      *unknown = name;
      return false;
    }
    *out += pattern.substr(pos, open - pos);
    *out += it->second;
    pos = close + 2;
  }
}

std::shared_ptr<const re2::RE2> Compile(const std::string& pattern, bool multiline,
                                        std::string* error) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>(multiline ? "(?m)" + pattern : pattern, options);
  if (!re->ok()) {
    *error = re->error();
    return nullptr;
  }
  return re;
}

void ReadStringList(const YAML::Node& node, const std::string& key, IssueList* issues,
                    std::vector<std::pair<std::string, YAML::Mark>>* out) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsScalar()) {
    out->emplace_back(node.Scalar(), node.Mark());
    return;
  }
  if (!node.IsSequence()) {
    issues->Add(node.Mark(), key, "expected a string or a list of strings");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) {
      issues->Add(node[i].Mark(), key + "[" + std::to_string(i) + "]", "expected a string");
      continue;
    }
    out->emplace_back(node[i].Scalar(), node[i].Mark());
  }
}

Result<RuleSet> FromNode(const YAML::Node& root, IssueList* issues) {
  RuleSet set;
  set.source = issues->file();
  MapReader top(root, "", issues);
  int64_t version = 0;
  top.Get("version", &version, true);
  if (version != 0 && version != 1) {
    issues->Add(top.Raw("version").Mark(), "version", "unsupported rules version; expected 1");
  }

  // lists: name -> [literal strings], used in patterns as {{name}}.
  std::map<std::string, std::string> lists;
  YAML::Node lists_node = top.Raw("lists");
  if (lists_node.IsDefined() && !lists_node.IsNull()) {
    if (!lists_node.IsMap()) {
      issues->Add(lists_node.Mark(), "lists", "expected a mapping of list names to string lists");
    } else {
      for (auto it = lists_node.begin(); it != lists_node.end(); ++it) {
        std::string name = it->first.Scalar();
        std::vector<std::pair<std::string, YAML::Mark>> items;
        ReadStringList(it->second, "lists." + name, issues, &items);
        if (items.empty()) {
          issues->Add(it->first.Mark(), "lists." + name, "a list needs at least one item");
          continue;
        }
        // Longest first, so that alternation prefers the most specific item.
        std::sort(items.begin(), items.end(),
                  [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
        std::string alt = "(?:";
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) alt += "|";
          alt += RE2::QuoteMeta(items[i].first);
        }
        alt += ")";
        lists[name] = alt;
      }
    }
  }

  std::vector<std::pair<std::string, YAML::Mark>> wrappers;
  ReadStringList(top.Raw("wrappers"), "wrappers", issues, &wrappers);
  for (const auto& [w, mark] : wrappers) {
    std::string error;
    if (!Compile(w, false, &error)) {
      issues->Add(mark, "wrappers", "bad regex: " + error);
      continue;
    }
    set.wrappers.push_back(w);
  }

  YAML::Node profiles = top.Raw("stage_profiles");
  if (profiles.IsDefined() && !profiles.IsNull()) {
    if (!profiles.IsMap()) {
      issues->Add(profiles.Mark(), "stage_profiles", "expected a mapping of stage to profile name");
    } else {
      for (auto it = profiles.begin(); it != profiles.end(); ++it) {
        const std::string stage = it->first.Scalar();
        const auto& known = KnownStages();
        if (std::find(known.begin(), known.end(), stage) == known.end()) {
          issues->Add(it->first.Mark(), "stage_profiles",
                      "unknown stage '" + stage + "'; expected one of: " + util::Join(known, ", "));
        } else if (!it->second.IsScalar() || it->second.Scalar().empty()) {
          issues->Add(it->second.Mark(), "stage_profiles." + stage, "expected a profile name");
        } else {
          set.stage_profiles[stage] = it->second.Scalar();
        }
      }
    }
  }

  YAML::Node rules = top.Raw("rules");
  if (!rules.IsDefined() || !rules.IsSequence()) {
    issues->Add(rules.IsDefined() ? rules.Mark() : top.mark(), "rules",
                "expected a list of rules");
    top.Finish();
    return issues->ToError();
  }
  top.Finish();

  std::set<std::string> seen_ids;
  for (size_t i = 0; i < rules.size(); ++i) {
    const YAML::Node& node = rules[i];
    std::string path = "rules[" + std::to_string(i) + "]";
    MapReader r(node, path, issues);
    Rule rule;
    rule.line = node.Mark().line + 1;
    r.Get("id", &rule.id, true);
    if (!rule.id.empty()) {
      path = "rules." + rule.id;
      if (!seen_ids.insert(rule.id).second) {
        issues->Add(node.Mark(), path, "rule id appears more than once");
      }
    }
    YAML::Node cat = r.Raw("category");
    if (!cat.IsDefined()) {
      issues->Add(node.Mark(), path + ".category", "required setting is missing");
    } else if (auto c = ReadCategory(cat, path + ".category", issues)) {
      rule.category = *c;
    }
    int64_t priority = 0;
    r.Get("priority", &priority);
    r.CheckRange("priority", static_cast<double>(priority), -100000, 100000);
    rule.priority = static_cast<int>(priority);
    r.Get("tag", &rule.tag);
    r.Get("run_time", &rule.run_time);
    r.Get("why", &rule.why);
    rule.sdk_name = ReadSdk(r.Raw("sdk_name"), path + ".sdk_name", issues);
    rule.sdk_scope = ReadSdk(r.Raw("sdk_scope"), path + ".sdk_scope", issues);

    std::vector<std::pair<std::string, YAML::Mark>> items;
    ReadStringList(r.Raw("stages"), path + ".stages", issues, &items);
    for (const auto& [s, mark] : items) {
      const auto& known = KnownStages();
      if (std::find(known.begin(), known.end(), s) == known.end()) {
        issues->Add(mark, path + ".stages",
                    "unknown stage '" + s + "'; expected one of: " + util::Join(known, ", "));
      }
      rule.stages.push_back(s);
    }
    items.clear();
    ReadStringList(r.Raw("layers"), path + ".layers", issues, &items);
    for (const auto& item : items) rule.layers.push_back(item.first);
    items.clear();
    ReadStringList(r.Raw("except_layers"), path + ".except_layers", issues, &items);
    for (const auto& item : items) rule.except_layers.push_back(item.first);
    items.clear();
    ReadStringList(r.Raw("exception"), path + ".exception", issues, &items);
    for (const auto& item : items) rule.exceptions.push_back(item.first);
    items.clear();
    ReadStringList(r.Raw("secondary"), path + ".secondary", issues, &items);
    for (const auto& [s, mark] : items) {
      auto c = FindById(s);
      if (!c) {
        std::string msg = "unknown taxonomy id '" + s + "'";
        std::string hint = util::ClosestMatch(s, AllIds());
        if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
        issues->Add(mark, path + ".secondary", msg);
      } else {
        rule.secondary.push_back(*c);
      }
    }

    for (const auto& spec : kFields) {
      YAML::Node v = r.Raw(spec.key);
      if (!v.IsDefined() || v.IsNull()) continue;
      if (!v.IsScalar()) {
        issues->Add(v.Mark(), path + "." + spec.key, "expected a regular expression (string)");
        continue;
      }
      std::string expanded;
      std::string unknown;
      if (!ExpandLists(v.Scalar(), lists, &expanded, &unknown)) {
        issues->Add(v.Mark(), path + "." + spec.key, "unknown list '{{" + unknown + "}}'");
        continue;
      }
      std::string error;
      auto re = Compile(expanded, spec.multiline, &error);
      if (!re) {
        issues->Add(v.Mark(), path + "." + spec.key, "bad regex: " + error);
        continue;
      }
      rule.matchers.push_back(Matcher{spec.field, expanded, std::move(re)});
    }
    r.Finish();
    if (node.IsMap() && rule.matchers.empty() && rule.exceptions.empty() &&
        rule.sdk_name == Evidence::Sdk::kUnknown) {
      issues->Add(node.Mark(), path,
                  "a rule needs at least one matcher (exception or a regex field such as "
                  "compiler_error, exception_message, any_line)");
    }
    set.rules.push_back(std::move(rule));
  }
  if (!issues->empty()) return issues->ToError();
  return set;
}

}  // namespace

const char* FieldKey(Field field) { return SpecOf(field).key; }

const std::vector<std::string>& KnownStages() {
  static const std::vector<std::string> kStages = {"dp", "mc", "sg", "psg", "tpusg"};
  return kStages;
}

bool Rule::Matches(const Evidence& ev) const {
  if (run_time && !ev.compiler_errors.empty()) return false;
  if (!stages.empty() && std::find(stages.begin(), stages.end(), ev.stage) == stages.end()) {
    return false;
  }
  if (!layers.empty() && std::find(layers.begin(), layers.end(), ev.layer) == layers.end()) {
    return false;
  }
  if (!ev.layer.empty() && std::find(except_layers.begin(), except_layers.end(), ev.layer) != except_layers.end()) {
    return false;
  }
  if (sdk_name != Evidence::Sdk::kUnknown && ev.sdk_name != sdk_name) return false;
  if (sdk_scope != Evidence::Sdk::kUnknown && ev.sdk_scope != sdk_scope) return false;
  if (!exceptions.empty()) {
    if (ev.exception_type.empty()) return false;
    bool any = false;
    for (const auto& e : exceptions) {
      if (e == ev.exception_short || e == ev.exception_type) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  for (const auto& m : matchers) {
    const re2::RE2& re = *m.re;
    bool ok = false;
    switch (m.field) {
      case Field::kWrapper: ok = Search(re, ev.wrapper); break;
      case Field::kFirstLine: ok = Search(re, ev.first_line); break;
      case Field::kAnyLine:
      case Field::kNoLine: {
        bool hit = ev.body_hits_known && m.set_index >= 0
                       ? std::binary_search(ev.body_hits.begin(), ev.body_hits.end(), m.set_index)
                       : Search(re, ev.body);
        ok = m.field == Field::kAnyLine ? hit : !hit;
        break;
      }
      case Field::kCompilerError:
        ok = !ev.compiler_errors.empty() && Search(re, ev.compiler_error);
        break;
      case Field::kAnyCompilerError:
        ok = std::any_of(ev.compiler_errors.begin(), ev.compiler_errors.end(),
                         [&](const std::string& e) { return Search(re, e); });
        break;
      case Field::kCompilerSource: ok = Search(re, ev.compiler_error_source); break;
      case Field::kExceptionLine:
        ok = !ev.exception_line.empty() && Search(re, ev.exception_line);
        break;
      case Field::kExceptionMessage:
        ok = !ev.exception_type.empty() && Search(re, ev.exception_message);
        break;
      case Field::kOffendingLine:
        ok = !ev.offending_line.empty() && Search(re, ev.offending_line);
        break;
      case Field::kTraceback: ok = Search(re, ev.traceback); break;
      case Field::kNoTraceback: ok = !Search(re, ev.traceback); break;
      case Field::kScriptLine: ok = !ev.script_line.empty() && Search(re, ev.script_line); break;
      case Field::kCompilerName: ok = !ev.compiler_name.empty() && Search(re, ev.compiler_name); break;
      case Field::kCompilerScope: ok = Search(re, ev.compiler_scope); break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string Rule::MatchedText(const Evidence& ev) const {
  for (const auto& m : matchers) {
    switch (m.field) {
      case Field::kCompilerError: return ev.compiler_error;
      case Field::kAnyCompilerError:
        for (const auto& e : ev.compiler_errors) {
          if (Search(*m.re, e)) return e;
        }
        break;
      case Field::kExceptionLine:
      case Field::kExceptionMessage: return ev.exception_line;
      case Field::kOffendingLine: return ev.offending_line;
      case Field::kAnyLine: return FirstMatchingLine(*m.re, ev.body);
      case Field::kTraceback: return FirstMatchingLine(*m.re, ev.traceback);
      case Field::kFirstLine: return ev.first_line;
      case Field::kWrapper: return ev.wrapper;
      case Field::kCompilerSource: return ev.compiler_error_source;
      case Field::kScriptLine: return ev.exception_line + " (raised by: " + ev.script_line + ")";
      case Field::kCompilerName:
      case Field::kCompilerScope: return ev.compiler_error;
      case Field::kNoLine:
      case Field::kNoTraceback: break;
    }
  }
  if (!ev.exception_line.empty()) return ev.exception_line;
  if (!ev.compiler_error.empty()) return ev.compiler_error;
  return ev.first_line;
}

Result<RuleSet> LoadRules(const std::string& path) {
  IssueList issues(path);
  auto root = config::LoadYamlFile(path, &issues);
  if (!root) return root.error();
  return FromNode(*root, &issues);
}

Result<RuleSet> ParseRules(const std::string& yaml_text, const std::string& name) {
  IssueList issues(name);
  auto root = config::LoadYamlString(yaml_text, &issues);
  if (!root) return root.error();
  return FromNode(*root, &issues);
}

}  // namespace autopilot::taxonomy
