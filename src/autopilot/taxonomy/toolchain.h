#pragma once
// What a toolchain profile's installed SDK declares, so that a build error about a name can be
// decided by the boundary rules: a name the installed libraries have but the sketch cannot see
// is build.undeclared; a name they do not have is build.api_mismatch.

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::taxonomy {

/// The names the headers of one profile declare (namespaces, types, functions, members,
/// enumerators, macros), each with the scope it is declared in. Built by a light scan of the
/// headers, not a C++ parser: good enough to tell "exists in the library" from "does not".
class ToolchainIndex {
 public:
  ToolchainIndex() = default;
  /// Scans every header (.h, .hpp, .hh, .inc or no extension) under `include_dirs`.
  static ToolchainIndex FromHeaders(const std::string& profile,
                                    const std::vector<std::string>& include_dirs);
  /// Scans one header's text (tests; FromHeaders calls it per file).
  void AddHeaderText(std::string_view text);

  /// True when `name` is declared in `scope` ("tflite", "tflite::MicroInterpreter"; a leading
  /// "::" is ignored), or anywhere when `scope` is empty.
  bool Declares(std::string_view name, std::string_view scope) const;
  /// True when `scope` is a namespace or class the headers open.
  bool HasScope(std::string_view scope) const;

  const std::string& profile() const { return profile_; }
  size_t size() const { return qualified_.size(); }
  size_t files() const { return files_; }

 private:
  void Add(const std::string& scope, const std::string& name);

  std::string profile_;
  std::unordered_set<std::string> names_;      ///< bare names
  std::unordered_set<std::string> qualified_;  ///< "scope::name" ("::name" at global scope)
  std::unordered_set<std::string> scopes_;     ///< namespaces and classes with a body
  size_t files_ = 0;
};

/// The headers a profile compiles against: its core and its libraries (the default board's
/// included), as board/profiles describes them.
Result<std::vector<std::string>> ProfileIncludeDirs(const std::string& profile);

/// The name and scope a compiler error is about: "'X' in namespace 'N' does not name a type"
/// gives {X, N}; "'N::X' has not been declared" gives {X, N}; "'X' was not declared" gives {X, ""}.
struct ErrorName {
  std::string name;
  std::string scope;
};
ErrorName NameInCompilerError(std::string_view message);

}  // namespace autopilot::taxonomy
