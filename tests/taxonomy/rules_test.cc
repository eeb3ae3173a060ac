// Loading rules files: strict validation with positions, and the project's own rules.yaml.

#include "autopilot/taxonomy/rules.h"

#include <gtest/gtest.h>

#include <set>

namespace autopilot::taxonomy {
namespace {

std::string LoadError(const std::string& yaml) {
  auto r = ParseRules(yaml, "r.yaml");
  EXPECT_FALSE(r.ok()) << yaml;
  return r.ok() ? "" : r.error().message;
}

TEST(Rules, ProjectRulesLoad) {
  auto r = LoadRules(AUTOPILOT_RULES_FILE);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->rules.size(), 40u);
  EXPECT_FALSE(r->wrappers.empty());
  std::set<std::string> ids;
  for (const auto& rule : r->rules) {
    EXPECT_TRUE(ids.insert(rule.id).second) << rule.id;
    EXPECT_FALSE(rule.why.empty()) << rule.id << ": every rule explains itself";
  }
}

TEST(Rules, MinimalRuleParses) {
  auto r = ParseRules(
      "version: 1\n"
      "lists:\n  pkgs: [tensorflow, cv2]\n"
      "rules:\n"
      "  - id: a\n    category: runtime.import\n    priority: 5\n"
      "    exception: [ModuleNotFoundError]\n"
      "    exception_message: \"No module named '{{pkgs}}'\"\n"
      "    secondary: [env.toolchain_missing]\n    stages: [dp, mc]\n",
      "r.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rules.size(), 1u);
  const Rule& rule = r->rules[0];
  EXPECT_EQ(rule.category, Category::kRuntimeImport);
  EXPECT_EQ(rule.priority, 5);
  EXPECT_EQ(rule.line, 5);
  ASSERT_EQ(rule.matchers.size(), 1u);
  EXPECT_EQ(rule.matchers[0].pattern, "No module named '(?:tensorflow|cv2)'");
  EXPECT_EQ(rule.secondary, std::vector<Category>{Category::kEnvToolchainMissing});
}

TEST(Rules, UnknownKeyNamesFileLineColumnAndSuggests) {
  std::string e = LoadError(
      "version: 1\nrules:\n  - id: a\n    category: build.undeclared\n"
      "    compiler_eror: 'x'\n");
  EXPECT_NE(e.find("r.yaml:5:5"), std::string::npos) << e;
  EXPECT_NE(e.find("compiler_error"), std::string::npos) << e;
}

TEST(Rules, BadRegexIsAnErrorWithPosition) {
  std::string e = LoadError(
      "version: 1\nrules:\n  - id: a\n    category: build.undeclared\n"
      "    compiler_error: '(unclosed'\n");
  EXPECT_NE(e.find("r.yaml:5:21"), std::string::npos) << e;
  EXPECT_NE(e.find("bad regex"), std::string::npos) << e;
}

TEST(Rules, UnknownTaxonomyIdSuggestsTheClosest) {
  std::string e = LoadError(
      "version: 1\nrules:\n  - id: a\n    category: build.undeclard\n    any_line: x\n");
  EXPECT_NE(e.find("r.yaml:4:15"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'build.undeclared'"), std::string::npos) << e;
  std::string s = LoadError(
      "version: 1\nrules:\n  - id: a\n    category: build.undeclared\n    any_line: x\n"
      "    secondary: [harness.nope]\n");
  EXPECT_NE(s.find("unknown taxonomy id 'harness.nope'"), std::string::npos) << s;
}

TEST(Rules, UnknownStageListAndDuplicates) {
  EXPECT_NE(LoadError("version: 1\nrules:\n  - id: a\n    category: static.syntax\n"
                      "    any_line: x\n    stages: [sgg]\n")
                .find("unknown stage 'sgg'"),
            std::string::npos);
  EXPECT_NE(LoadError("version: 1\nrules:\n  - id: a\n    category: static.syntax\n"
                      "    any_line: '{{nolist}}'\n")
                .find("unknown list '{{nolist}}'"),
            std::string::npos);
  EXPECT_NE(LoadError("version: 1\nrules:\n  - id: a\n    category: static.syntax\n"
                      "    any_line: x\n  - id: a\n    category: static.syntax\n"
                      "    any_line: y\n")
                .find("appears more than once"),
            std::string::npos);
}

TEST(Rules, RuleWithoutMatcherAndMissingParts) {
  EXPECT_NE(LoadError("version: 1\nrules:\n  - id: a\n    category: static.syntax\n")
                .find("at least one matcher"),
            std::string::npos);
  EXPECT_NE(LoadError("version: 1\nrules:\n  - id: a\n    any_line: x\n").find("category"),
            std::string::npos);
  EXPECT_NE(LoadError("rules: []\n").find("version"), std::string::npos);
  EXPECT_NE(LoadError("version: 1\n").find("rules"), std::string::npos);
  EXPECT_NE(LoadError("version: 1\nrules: [\n").find("YAML syntax error"), std::string::npos);
}

TEST(Rules, MissingFileIsAnError) {
  auto r = LoadRules("/nonexistent/rules.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/rules.yaml"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::taxonomy
