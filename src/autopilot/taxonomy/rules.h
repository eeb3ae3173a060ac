#pragma once
// Classification rules as data (taxonomy/rules.yaml): loading with strict validation, and
// matching one rule against the Evidence of a failure.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autopilot/taxonomy/category.h"
#include "autopilot/taxonomy/evidence.h"
#include "autopilot/util/result.h"

namespace re2 {
class RE2;
}

namespace autopilot::taxonomy {

/// The view of the Evidence a matcher looks at.
enum class Field {
  kWrapper,           ///< the stripped retry-loop prefix
  kFirstLine,         ///< first non-blank line after the wrapper
  kAnyLine,           ///< some line of the text matches
  kNoLine,            ///< no line of the text matches (an exclusion)
  kCompilerError,     ///< the first compiler error message (the first cause)
  kAnyCompilerError,  ///< any compiler error message
  kCompilerSource,    ///< the source line under the first compiler error
  kExceptionLine,     ///< the final Python exception line, whole
  kExceptionMessage,  ///< its message part
  kOffendingLine,     ///< the source line above the exception
  kTraceback,         ///< some line of the last traceback block
  kNoTraceback,       ///< no line of the last traceback block matches (an exclusion)
  kScriptLine,        ///< the generated script's line that raised (Evidence::script_line)
  kCompilerName,      ///< the name the first compiler error is about
  kCompilerScope,     ///< the scope that name was looked up in
};

/// The YAML key of a field ("compiler_error").
const char* FieldKey(Field field);

/// One regex over one view.
struct Matcher {
  Field field;
  std::string pattern;  ///< after list expansion
  std::shared_ptr<const re2::RE2> re;
  /// Body-wide fields (any_line, no_line): its index in the Classifier's one-pass pattern set,
  /// -1 when it is matched on its own.
  int set_index = -1;
};

/// One rule: conditions that must all hold, and the category they imply.
struct Rule {
  std::string id;
  Category category = Category::kUnknown;
  int priority = 0;  ///< the highest-priority matching rule wins; ties go to the earlier rule
  bool tag = false;  ///< a tag rule never wins; it only adds its category as a secondary id
  /// The signature is of a program that ran: the rule cannot fire when the text holds compiler
  /// errors (the compiler quotes source lines, which may contain the same words).
  bool run_time = false;
  std::string why;   ///< one line shown with the verdict
  std::vector<std::string> stages;      ///< empty: any stage
  std::vector<std::string> layers;      ///< empty: any layer
  /// Layers the rule never applies to, e.g. signatures of the study's prototype harness (its
  /// config rewrite, its own LLM calls) that cannot occur in this tool's run layer.
  std::vector<std::string> except_layers;
  std::vector<std::string> exceptions;  ///< Python exception types (short or dotted); empty: any
  std::vector<Category> secondary;      ///< ids added to the verdict when this rule wins
  std::vector<Matcher> matchers;
  /// Toolchain conditions (`sdk_name`, `sdk_scope`: declared | absent): hold only when the
  /// profile's SDK was consulted and gave that answer. kUnknown = no condition.
  Evidence::Sdk sdk_name = Evidence::Sdk::kUnknown;
  Evidence::Sdk sdk_scope = Evidence::Sdk::kUnknown;
  int line = 0;  ///< where the rule starts in its file (1-based)

  /// True when every condition holds.
  bool Matches(const Evidence& ev) const;
  /// The text this rule matched on, for explaining a verdict ("" when none applies).
  std::string MatchedText(const Evidence& ev) const;
};

/// A loaded rules file.
struct RuleSet {
  std::string source;                 ///< file name the rules came from
  std::vector<std::string> wrappers;  ///< retry-loop prefixes to strip (regexes)
  std::vector<Rule> rules;            ///< in file order
  /// stage → the toolchain profile its texts come from when the caller names none.
  std::map<std::string, std::string> stage_profiles;
};

/// The stages a rule may name.
const std::vector<std::string>& KnownStages();

/// Loads and validates a rules file: unknown keys, bad regexes, unknown taxonomy ids, unknown
/// stages and duplicate rule ids are errors naming file:line:column.
Result<RuleSet> LoadRules(const std::string& path);
/// Same, from text (`name` labels positions in messages).
Result<RuleSet> ParseRules(const std::string& yaml_text, const std::string& name);

}  // namespace autopilot::taxonomy
