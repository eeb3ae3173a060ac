#pragma once
// Rule-based failure classifier: one primary category per failed attempt, secondary tags, and
// the rule that fired, so every verdict can be explained and re-checked.

#include <memory>
#include <string>
#include <vector>

#include "autopilot/taxonomy/category.h"
#include "autopilot/taxonomy/evidence.h"
#include "autopilot/taxonomy/rules.h"
#include "autopilot/taxonomy/toolchain.h"
#include "autopilot/util/result.h"

namespace autopilot::taxonomy {

struct BodyPatterns;  // classifier.cc: an RE2::Set of the body-wide patterns

/// The classification of one failure.
struct Verdict {
  Category primary = Category::kUnknown;
  std::vector<Category> secondary;  ///< distinct from primary, in rule order
  std::string rule;                 ///< id of the rule that fired; "none" when nothing matched
  std::string why;                  ///< the rule's one-line explanation
  std::string evidence;             ///< the text the rule matched (a compiler or exception line)
  std::string profile;  ///< toolchain profile whose SDK facts were consulted ("" = none)
};

/// Classifies failures with a loaded RuleSet. Regexes are compiled once at load; Classify is
/// const and safe to call from several threads.
class Classifier {
 public:
  /// Loads rules from a file (see LoadRules for what is checked).
  static Result<Classifier> FromFile(const std::string& path);
  /// From YAML text; `name` labels positions in error messages.
  static Result<Classifier> FromString(const std::string& yaml, const std::string& name);

  /// Makes a profile's SDK facts available to the toolchain-aware rules (sdk_name, sdk_scope).
  void AddToolchain(std::shared_ptr<const ToolchainIndex> index);
  /// Indexes the headers of board/profiles/<profile> and adds them; errors name the profile.
  Result<void> LoadToolchain(const std::string& profile);
  /// Loads every profile rules.yaml's stage_profiles names (the defaults Classify falls back to).
  Result<void> LoadStageToolchains();
  /// The profile Classify consults for `input`: input.profile, else its stage's usual one.
  std::string ProfileFor(const FailureInput& input) const;
  bool HasToolchain(const std::string& profile) const { return toolchains_.count(profile) != 0; }

  Verdict Classify(const FailureInput& input) const;
  /// For callers that already hold the Evidence (tests, benchmarks).
  Verdict Classify(const Evidence& evidence) const;
  /// The Evidence of `input`, toolchain facts included.
  Evidence Analyse(const FailureInput& input) const;

  const RuleSet& rules() const { return rules_; }

 private:
  explicit Classifier(RuleSet rules);

  RuleSet rules_;
  std::vector<size_t> order_;  ///< rule indices by priority, highest first (stable)
  std::shared_ptr<const EvidenceBuilder> builder_;
  std::map<std::string, std::shared_ptr<const ToolchainIndex>> toolchains_;
  /// Every any_line/no_line pattern in one set, so a long log is scanned once, not once per rule.
  std::shared_ptr<const BodyPatterns> body_set_;
};

/// The default rules file: $AUTOPILOT_RULES, else taxonomy/rules.yaml of the source tree.
std::string DefaultRulesPath();

/// The stage named by a file-name prefix such as "sg__1234.txt" ("" when there is none).
std::string StageFromFileName(const std::string& file_name);

}  // namespace autopilot::taxonomy
