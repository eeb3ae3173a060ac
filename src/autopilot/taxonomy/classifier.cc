#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/files.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace autopilot::taxonomy {

Classifier::Classifier(RuleSet rules)
    : rules_(std::move(rules)), builder_(std::make_shared<EvidenceBuilder>(rules_.wrappers)) {
  order_.resize(rules_.rules.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  // Highest priority first; among equals, file order. The first non-tag match then wins.
  std::stable_sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
    return rules_.rules[a].priority > rules_.rules[b].priority;
  });
}

Result<Classifier> Classifier::FromFile(const std::string& path) {
  auto rules = LoadRules(path);
  if (!rules) return rules.error();
  Classifier c(std::move(*rules));
  if (!c.builder_->ok()) return Error{errc::kConfig, path + ": " + c.builder_->error()};
  return c;
}

Result<Classifier> Classifier::FromString(const std::string& yaml, const std::string& name) {
  auto rules = ParseRules(yaml, name);
  if (!rules) return rules.error();
  Classifier c(std::move(*rules));
  if (!c.builder_->ok()) return Error{errc::kConfig, name + ": " + c.builder_->error()};
  return c;
}

Verdict Classifier::Classify(const FailureInput& input) const {
  return Classify(builder_->Build(input));
}

Verdict Classifier::Classify(const Evidence& ev) const {
  Verdict v;
  v.rule = "none";
  const Rule* winner = nullptr;
  std::vector<const Rule*> tags;
  for (size_t index : order_) {
    const Rule& rule = rules_.rules[index];
    if (!rule.tag && winner) continue;  // decided; only tags remain to collect
    if (!rule.Matches(ev)) continue;
    if (rule.tag) {
      tags.push_back(&rule);
    } else {
      winner = &rule;
    }
  }
  // Tags in file order, independent of their (irrelevant) priority.
  std::sort(tags.begin(), tags.end(), [](const Rule* a, const Rule* b) { return a->line < b->line; });
  auto add_secondary = [&v](Category c) {
    if (c != v.primary &&
        std::find(v.secondary.begin(), v.secondary.end(), c) == v.secondary.end()) {
      v.secondary.push_back(c);
    }
  };
  if (winner) {
    v.primary = winner->category;
    v.rule = winner->id;
    v.why = winner->why;
    v.evidence = winner->MatchedText(ev);
    for (Category c : winner->secondary) add_secondary(c);
  }
  for (const Rule* t : tags) add_secondary(t->category);
  return v;
}

std::string DefaultRulesPath() { return util::DataPath("taxonomy/rules.yaml"); }

std::string StageFromFileName(const std::string& file_name) {
  std::string base = std::filesystem::path(file_name).filename().string();
  size_t sep = base.find("__");
  if (sep == std::string::npos) return "";
  std::string prefix = base.substr(0, sep);
  const auto& known = KnownStages();
  return std::find(known.begin(), known.end(), prefix) != known.end() ? prefix : "";
}

}  // namespace autopilot::taxonomy
