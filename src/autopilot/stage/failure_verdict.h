#pragma once
// The taxonomy's verdict on a failure a stage chain saw, from one classifier shared by the
// process: taxonomy/rules.yaml with the SDK facts of every board profile, so a build failure is
// judged against the profile it was built with, as `autopilot classify --profile` judges it.

#include "autopilot/taxonomy/classifier.h"

namespace autopilot::stage {

/// Classifies `input` (set input.profile to the profile the code was built with). When the
/// rules cannot be loaded the verdict is env.misconfigured, naming the rules file's error.
taxonomy::Verdict ClassifyStageFailure(const taxonomy::FailureInput& input);

}  // namespace autopilot::stage
