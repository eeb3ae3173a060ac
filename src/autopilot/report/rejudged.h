#pragma once
// The re-judge view of a store (table rejudged, filled by `autopilot rejudge`): per cell and
// project, recorded success against the success that survives this tool's chains, the confusion
// of recorded passes the tool fails (by taxonomy id, with examples) and how often the layer the
// study judged by (a script ran, a sketch compiled) agrees with the recorded verdict.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/report/stats.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::report {

/// One cell (model × format × stage × preset) under one project and tool version.
struct RejudgeCell {
  std::string model, format, stage, preset;
  std::string project, tool_version;
  int64_t runs = 0;         ///< runs with at least one attempt re-judged (none unavailable)
  int64_t unavailable = 0;  ///< runs left out: a recorded attempt could not be judged here
  Proportion recorded;      ///< runs recorded as passed / runs
  Proportion rejudged;      ///< runs recorded as passed whose every passed attempt re-judges pass / runs
  int64_t attempts = 0;     ///< re-judged attempts (unavailable ones excluded)
  int64_t pass_pass = 0, pass_fail = 0, fail_pass = 0, fail_fail = 0;  ///< recorded × re-judged
  int64_t ran_known = 0;    ///< attempts whose study layer was reached (ran/compiled known)
  int64_t ran_agree = 0;    ///< … of which it agrees with the recorded verdict
  int64_t judge_ms = 0;     ///< summed chain time of the attempts
};

/// Recorded passes the tool fails, by the failing taxonomy id.
struct RejudgeReason {
  std::string stage, project, tool_version;
  std::string code;   ///< taxonomy id of the first failure
  int64_t count = 0;
  std::vector<std::string> examples;  ///< "attempt <id> (<run key>): <message>", at most 3
};

/// Reads the rejudged table; both vectors stay empty when the store has none.
Result<void> CollectRejudged(store::Database& db, std::vector<RejudgeCell>* cells,
                             std::vector<RejudgeReason>* reasons);

}  // namespace autopilot::report
