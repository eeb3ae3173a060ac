#pragma once
// Strict, position-aware reading of YAML into typed structs: every error names file:line:column
// and the dotted key; unknown keys are errors with a "did you mean" hint.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::config {

/// One problem in a configuration file.
struct ConfigIssue {
  std::string file;
  int line = 0;    ///< 1-based; 0 when unknown
  int column = 0;  ///< 1-based
  std::string key;  ///< dotted path, e.g. "sandbox.timeout_s"
  std::string message;

  /// "file:line:column: key: message"
  std::string ToString() const;
};

/// Collects issues while a file is read.
class IssueList {
 public:
  explicit IssueList(std::string file) : file_(std::move(file)) {}
  void Add(const YAML::Mark& mark, const std::string& key, const std::string& message);
  void AddNoPosition(const std::string& key, const std::string& message);
  const std::vector<ConfigIssue>& issues() const { return issues_; }
  const std::string& file() const { return file_; }
  bool empty() const { return issues_.empty(); }
  /// All issues, one per line, as an Error with code "config".
  Error ToError() const;

 private:
  std::string file_;
  std::vector<ConfigIssue> issues_;
};

/// A YAML mapping read field by field. Call Finish() to report keys nobody asked for.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path, IssueList* issues);

  bool present() const { return node_.IsDefined() && !node_.IsNull(); }

  /// Typed getters: leave `out` untouched when the key is absent; report a type error otherwise.
  void Get(const std::string& key, std::string* out, bool required = false);
  void Get(const std::string& key, int64_t* out, bool required = false);
  void Get(const std::string& key, double* out, bool required = false);
  void Get(const std::string& key, bool* out, bool required = false);
  void Get(const std::string& key, std::vector<std::string>* out, bool required = false);
  /// Like Get for strings, but the value must be one of `allowed`.
  void GetEnum(const std::string& key, std::string* out, const std::vector<std::string>& allowed,
               bool required = false);
  /// Range checks on numbers already read (report at the key's position).
  void CheckRange(const std::string& key, double value, double lo, double hi);

  /// A nested mapping (absent → an empty reader whose getters leave defaults alone).
  MapReader Child(const std::string& key);
  /// The raw node for a key (marks it as known).
  YAML::Node Raw(const std::string& key);

  /// Reports unknown and duplicate keys.
  void Finish();

  const YAML::Mark& mark() const { return mark_; }
  std::string KeyPath(const std::string& key) const;

 private:
  YAML::Node Lookup(const std::string& key, bool required);

  YAML::Node node_;
  std::string path_;
  IssueList* issues_;
  YAML::Mark mark_;
  std::vector<std::string> known_;
};

/// Parses a YAML file; syntax errors become issues with positions.
Result<YAML::Node> LoadYamlFile(const std::string& path, IssueList* issues);
/// Parses YAML text (for tests and stdin); `name` labels positions.
Result<YAML::Node> LoadYamlString(const std::string& text, IssueList* issues);

}  // namespace autopilot::config
