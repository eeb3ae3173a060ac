#pragma once
// Rule-based failure classifier: one primary category per failed attempt, secondary tags, and
// the rule that fired, so every verdict can be explained and re-checked.

#include <memory>
#include <string>
#include <vector>

#include "autopilot/taxonomy/category.h"
#include "autopilot/taxonomy/evidence.h"
#include "autopilot/taxonomy/rules.h"
#include "autopilot/util/result.h"

namespace autopilot::taxonomy {

/// The classification of one failure.
struct Verdict {
  Category primary = Category::kUnknown;
  std::vector<Category> secondary;  ///< distinct from primary, in rule order
  std::string rule;                 ///< id of the rule that fired; "none" when nothing matched
  std::string why;                  ///< the rule's one-line explanation
  std::string evidence;             ///< the text the rule matched (a compiler or exception line)
};

/// Classifies failures with a loaded RuleSet. Regexes are compiled once at load; Classify is
/// const and safe to call from several threads.
class Classifier {
 public:
  /// Loads rules from a file (see LoadRules for what is checked).
  static Result<Classifier> FromFile(const std::string& path);
  /// From YAML text; `name` labels positions in error messages.
  static Result<Classifier> FromString(const std::string& yaml, const std::string& name);

  Verdict Classify(const FailureInput& input) const;
  /// For callers that already hold the Evidence (tests, benchmarks).
  Verdict Classify(const Evidence& evidence) const;
  Evidence Analyse(const FailureInput& input) const { return builder_->Build(input); }

  const RuleSet& rules() const { return rules_; }

 private:
  explicit Classifier(RuleSet rules);

  RuleSet rules_;
  std::vector<size_t> order_;  ///< rule indices by priority, highest first (stable)
  std::shared_ptr<const EvidenceBuilder> builder_;
};

/// The default rules file: $AUTOPILOT_RULES, else taxonomy/rules.yaml of the source tree.
std::string DefaultRulesPath();

/// The stage named by a file-name prefix such as "sg__1234.txt" ("" when there is none).
std::string StageFromFileName(const std::string& file_name);

}  // namespace autopilot::taxonomy
