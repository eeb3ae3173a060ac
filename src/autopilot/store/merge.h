#pragma once
// Joins run stores (e.g. the shards of a sweep) into a new one: every run with its attempts, LLM
// calls, validations, artifacts and re-judged verdicts, under fresh ids.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::store {

/// How to merge.
struct MergeOptions {
  bool force = false;  ///< replace an existing output file
};

/// What a merge did.
struct MergeStats {
  size_t inputs = 0;
  size_t runs = 0;             ///< runs in the output
  size_t identical = 0;        ///< finished runs found again with identical content (kept once)
  size_t replaced = 0;         ///< unfinished runs replaced by a finished one from a later input
  size_t unfinished_dropped = 0;  ///< unfinished runs left out because the key was taken
  int64_t attempts = 0, llm_calls = 0, validations = 0, artifacts = 0;
  int64_t rejudged = 0;        ///< re-judged verdicts copied (table rejudged)
  int64_t detached_calls = 0;  ///< LLM calls tied to no attempt: not runs' data, not copied
};

/// Copies `inputs` into a new store at `output`. The same run key in two inputs: a finished run
/// wins over an unfinished one; two finished runs must be identical (else Error "merge.conflict"
/// naming the key and both files). The output is written to a temporary file and renamed, so a
/// failed merge leaves nothing behind; an existing output is an error unless options.force, and
/// the output may never be one of the inputs.
Result<MergeStats> MergeStores(const std::vector<std::string>& inputs, const std::string& output,
                               const MergeOptions& options = {});

}  // namespace autopilot::store
