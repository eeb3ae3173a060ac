#include "autopilot/stage/failure_verdict.h"

#include "autopilot/board/profile.h"

namespace autopilot::stage {

taxonomy::Verdict ClassifyStageFailure(const taxonomy::FailureInput& input) {
  // Loaded once (thread-safe static init) and const afterwards, so Classify may run concurrently.
  static const Result<taxonomy::Classifier> kClassifier = []() -> Result<taxonomy::Classifier> {
    auto c = taxonomy::Classifier::FromFile(taxonomy::DefaultRulesPath());
    if (!c) return c.error();
    for (const auto& name : board::ProfileNames()) {
      // A profile whose SDK cannot be read only loses its toolchain facts; the message-only
      // rules still decide for it.
      (void)c->LoadToolchain(name);
    }
    return c;
  }();
  if (!kClassifier) {
    taxonomy::Verdict v;
    v.primary = taxonomy::FindById("env.misconfigured").value_or(taxonomy::Category::kUnknown);
    v.rule = "none";
    v.why = "the classification rules could not be loaded";
    v.evidence = kClassifier.error().message;
    return v;
  }
  return kClassifier->Classify(input);
}

}  // namespace autopilot::stage
