#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/files.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace autopilot::taxonomy {

struct BodyPatterns {
  explicit BodyPatterns(const RE2::Options& options) : set(options, RE2::UNANCHORED) {}
  RE2::Set set;
};

Classifier::Classifier(RuleSet rules)
    : rules_(std::move(rules)), builder_(std::make_shared<EvidenceBuilder>(rules_.wrappers)) {
  order_.resize(rules_.rules.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  // Highest priority first; among equals, file order. The first non-tag match then wins.
  std::stable_sort(order_.begin(), order_.end(), [this](size_t a, size_t b) {
    return rules_.rules[a].priority > rules_.rules[b].priority;
  });
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(int64_t{64} << 20);
  auto patterns = std::make_shared<BodyPatterns>(options);
  RE2::Set* set = &patterns->set;
  bool ok = true;
  for (auto& rule : rules_.rules) {
    for (auto& m : rule.matchers) {
      if (m.field != Field::kAnyLine && m.field != Field::kNoLine) continue;
      m.set_index = set->Add("(?m)" + m.pattern, nullptr);
      ok = ok && m.set_index >= 0;
    }
  }
  if (ok && set->Compile()) {
    body_set_ = std::move(patterns);
  } else {
    for (auto& rule : rules_.rules) {
      for (auto& m : rule.matchers) m.set_index = -1;  // each pattern on its own, as before
    }
  }
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

void Classifier::AddToolchain(std::shared_ptr<const ToolchainIndex> index) {
  if (index) toolchains_[index->profile()] = std::move(index);
}

Result<void> Classifier::LoadToolchain(const std::string& profile) {
  if (HasToolchain(profile)) return Ok();
  auto dirs = ProfileIncludeDirs(profile);
  if (!dirs) return Error{dirs.error().code, "profile '" + profile + "': " + dirs.error().message};
  AddToolchain(std::make_shared<const ToolchainIndex>(ToolchainIndex::FromHeaders(profile, *dirs)));
  return Ok();
}

Result<void> Classifier::LoadStageToolchains() {
  for (const auto& [stage, profile] : rules_.stage_profiles) {
    if (auto r = LoadToolchain(profile); !r) {
      return Error{r.error().code, rules_.source + ": stage_profiles." + stage + ": " + r.error().message};
    }
  }
  return Ok();
}

std::string Classifier::ProfileFor(const FailureInput& input) const {
  if (!input.profile.empty()) return input.profile;
  auto it = rules_.stage_profiles.find(input.stage);
  return it == rules_.stage_profiles.end() ? "" : it->second;
}

Evidence Classifier::Analyse(const FailureInput& input) const {
  Evidence ev = builder_->Build(input);
  if (body_set_) {
    RE2::Set::ErrorInfo info{};
    bool any = body_set_->set.Match(ev.body, &ev.body_hits, &info);
    // Out of DFA memory: leave body_hits unknown, so every pattern is searched on its own.
    ev.body_hits_known = any || info.kind == RE2::Set::kNoError;
    std::sort(ev.body_hits.begin(), ev.body_hits.end());
  }
  if (ev.compiler_name.empty()) return ev;
  auto it = toolchains_.find(ProfileFor(input));
  if (it == toolchains_.end()) return ev;
  const ToolchainIndex& sdk = *it->second;
  ev.profile = sdk.profile();
  ev.sdk_name = sdk.Declares(ev.compiler_name, ev.compiler_scope) ? Evidence::Sdk::kDeclared
                                                                  : Evidence::Sdk::kAbsent;
  if (!ev.compiler_scope.empty()) {
    ev.sdk_scope = sdk.HasScope(ev.compiler_scope) ? Evidence::Sdk::kDeclared : Evidence::Sdk::kAbsent;
  }
  return ev;
}

Verdict Classifier::Classify(const FailureInput& input) const { return Classify(Analyse(input)); }

Verdict Classifier::Classify(const Evidence& ev) const {
  Verdict v;
  v.rule = "none";
  v.profile = ev.profile;
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
    if (winner->sdk_name != Evidence::Sdk::kUnknown) {
      // Say which toolchain fact decided, so the verdict can be re-checked against the SDK.
      std::string what = ev.compiler_scope.empty() ? ev.compiler_name : ev.compiler_scope + "::" + ev.compiler_name;
      v.evidence += " [profile " + ev.profile +
                    (ev.sdk_name == Evidence::Sdk::kDeclared ? " declares " : " does not declare ") + what + "]";
    }
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
