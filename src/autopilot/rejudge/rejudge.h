#pragma once
// Re-judging recorded runs: every recorded attempt's code (imported from the study's traces or
// recorded by this tool) goes through this tool's validator chain for its stage under a project,
// and the verdict is stored beside the recorded one (table `rejudged`). Resumable: an attempt
// already judged under the same project key and tool version is skipped.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "autopilot/config/project_config.h"
#include "autopilot/util/result.h"

namespace autopilot::rejudge {

/// How to re-judge.
struct RejudgeOptions {
  std::string project_key;   ///< names the project in the table (see ProjectKey)
  std::string tool_version;  ///< the judging build's version
  std::string stage;         ///< only this stage ("" = every stage)
  int concurrency = 1;       ///< runs judged in parallel
  /// A folder laid out like the prototype's repository: DP and MC then run in the study's layout
  /// (stage/study_chains.h). "" = the project's own contract (raw.csv → train/test.csv, …).
  std::string study_root;
  std::string model_header;  ///< sg: the model.h the sketches include ("" = made from the int8 model)
  size_t limit = 0;          ///< at most this many runs (0 = all); for quick looks
};

/// One judged attempt, for progress output.
struct AttemptVerdict {
  int64_t attempt_id = 0;
  std::string stage;
  std::string recorded;  ///< passed | failed
  std::string verdict;   ///< passed | failed | unavailable
  std::string code;      ///< first failure's taxonomy id
  std::string message;
  int64_t duration_ms = 0;
};

/// What a re-judge did.
struct RejudgeStats {
  size_t runs = 0;           ///< runs with something to judge
  size_t judged = 0;         ///< attempts judged now
  size_t already = 0;        ///< attempts judged before under the same project and version
  size_t no_code = 0;        ///< attempts without code (no artifact, nothing extractable) — recorded as failed format
  std::map<std::string, size_t> verdicts;        ///< passed / failed / unavailable
  std::map<std::string, std::string> skipped_stages;  ///< stage → why it cannot be judged here
  int64_t judge_ms = 0;      ///< summed chain time
};

/// "<file name>@<first 12 hex of the SHA-256 of the project file's text>".
std::string ProjectKey(const std::string& project_path, const std::string& project_text);

/// Judges what `store_path` holds. Each worker opens its own store connection and sandbox
/// runner; verdicts land one attempt per transaction, so an interrupted re-judge keeps what it
/// did. `on_verdict` (optional) is called from the workers, serialised.
Result<RejudgeStats> Rejudge(const std::string& store_path, const config::ProjectConfig& cfg,
                             const RejudgeOptions& options,
                             const std::function<void(const AttemptVerdict&)>& on_verdict = {});

}  // namespace autopilot::rejudge
