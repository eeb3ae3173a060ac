#include "autopilot/config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "autopilot/util/strings.h"

namespace autopilot::config {

std::string ConfigIssue::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += "'" + key + "': ";
  out += message;
  return out;
}

void IssueList::Add(const YAML::Mark& mark, const std::string& key, const std::string& message) {
  ConfigIssue issue;
  issue.file = file_;
  if (mark.line >= 0) {
    issue.line = mark.line + 1;
    issue.column = mark.column + 1;
  }
  issue.key = key;
  issue.message = message;
  issues_.push_back(std::move(issue));
}

void IssueList::AddNoPosition(const std::string& key, const std::string& message) {
  issues_.push_back(ConfigIssue{file_, 0, 0, key, message});
}

Error IssueList::ToError() const {
  std::vector<std::string> lines;
  for (const auto& i : issues_) lines.push_back(i.ToString());
  return Error{errc::kConfig, util::Join(lines, "\n")};
}

MapReader::MapReader(const YAML::Node& node, std::string path, IssueList* issues)
    : node_(node), path_(std::move(path)), issues_(issues), mark_(node.Mark()) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    issues_->Add(mark_, path_.empty() ? "(top level)" : path_,
                 "expected a mapping of keys to values");
    node_ = YAML::Node();
  }
}

std::string MapReader::KeyPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

YAML::Node MapReader::Lookup(const std::string& key, bool required) {
  known_.push_back(key);
  if (!node_.IsDefined() || node_.IsNull() || !node_.IsMap()) {
    if (required) issues_->Add(mark_, KeyPath(key), "required setting is missing");
    return YAML::Node(YAML::NodeType::Undefined);
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  if (required) issues_->Add(mark_, KeyPath(key), "required setting is missing");
  return YAML::Node(YAML::NodeType::Undefined);
}

void MapReader::Get(const std::string& key, std::string* out, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsScalar()) {
    issues_->Add(v.Mark(), KeyPath(key), "expected a string");
    return;
  }
  *out = v.Scalar();
}

void MapReader::Get(const std::string& key, int64_t* out, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsScalar()) {
    issues_->Add(v.Mark(), KeyPath(key), "expected an integer");
    return;
  }
  const std::string& s = v.Scalar();
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0') {
    issues_->Add(v.Mark(), KeyPath(key), "expected an integer, got '" + s + "'");
    return;
  }
  *out = n;
}

void MapReader::Get(const std::string& key, double* out, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsScalar()) {
    issues_->Add(v.Mark(), KeyPath(key), "expected a number");
    return;
  }
  const std::string& s = v.Scalar();
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || errno != 0 || *end != '\0' || !std::isfinite(d)) {
    issues_->Add(v.Mark(), KeyPath(key), "expected a number, got '" + s + "'");
    return;
  }
  *out = d;
}

void MapReader::Get(const std::string& key, bool* out, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  std::string s = v.IsScalar() ? util::ToLower(v.Scalar()) : "";
  if (s == "true" || s == "yes" || s == "on") {
    *out = true;
  } else if (s == "false" || s == "no" || s == "off") {
    *out = false;
  } else {
    issues_->Add(v.Mark(), KeyPath(key), "expected true or false");
  }
}

void MapReader::Get(const std::string& key, std::vector<std::string>* out, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsSequence()) {
    issues_->Add(v.Mark(), KeyPath(key), "expected a list");
    return;
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      issues_->Add(v[i].Mark(), KeyPath(key) + "[" + std::to_string(i) + "]",
                   "expected a string");
      return;
    }
    items.push_back(v[i].Scalar());
  }
  *out = std::move(items);
}

void MapReader::GetEnum(const std::string& key, std::string* out,
                        const std::vector<std::string>& allowed, bool required) {
  YAML::Node v = Lookup(key, required);
  if (!v.IsDefined()) return;
  if (!v.IsScalar() ||
      std::find(allowed.begin(), allowed.end(), v.Scalar()) == allowed.end()) {
    std::string got = v.IsScalar() ? "'" + v.Scalar() + "'" : "a non-string value";
    std::string msg = "got " + got + "; expected one of: " + util::Join(allowed, ", ");
    if (v.IsScalar()) {
      std::string hint = util::ClosestMatch(v.Scalar(), allowed);
      if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
    }
    issues_->Add(v.Mark(), KeyPath(key), msg);
    return;
  }
  *out = v.Scalar();
}

void MapReader::CheckRange(const std::string& key, double value, double lo, double hi) {
  if (value >= lo && value <= hi) return;
  YAML::Node v;
  YAML::Mark m = mark_;
  if (node_.IsMap()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) m = it->second.Mark();
    }
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "value %g is out of range [%g, %g]", value, lo, hi);
  issues_->Add(m, KeyPath(key), buf);
}

MapReader MapReader::Child(const std::string& key) {
  YAML::Node v = Lookup(key, false);
  MapReader child(v, KeyPath(key), issues_);
  if (!v.IsDefined()) child.mark_ = mark_;
  return child;
}

YAML::Node MapReader::Raw(const std::string& key) { return Lookup(key, false); }

void MapReader::Finish() {
  if (!node_.IsDefined() || !node_.IsMap()) return;
  std::map<std::string, int> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {
      issues_->Add(it->first.Mark(), path_, "keys must be plain strings");
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (++seen[key] == 2) {
      issues_->Add(it->first.Mark(), KeyPath(key), "key appears more than once");
    }
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      std::string msg = "unknown setting";
      std::string hint = util::ClosestMatch(key, known_);
      if (!hint.empty()) msg += " (did you mean '" + hint + "'?)";
      if (!known_.empty()) msg += "; known here: " + util::Join(known_, ", ");
      issues_->Add(it->first.Mark(), KeyPath(key), msg);
    }
  }
}

namespace {

Result<YAML::Node> Parse(const std::string& text, IssueList* issues) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    issues->Add(e.mark, "", "YAML syntax error: " + e.msg);
    return issues->ToError();
  }
}

}  // namespace

Result<YAML::Node> LoadYamlFile(const std::string& path, IssueList* issues) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    issues->AddNoPosition("", std::string("cannot open: ") + std::strerror(errno));
    return issues->ToError();
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Parse(text, issues);
}

Result<YAML::Node> LoadYamlString(const std::string& text, IssueList* issues) {
  return Parse(text, issues);
}

}  // namespace autopilot::config
