#pragma once
// Per-contract pass rates (docs/contracts.md): every attempt the unit layer judged left its
// outcomes as an artifact of kind "contracts"; per model × format × stage × function, how many
// of those attempts had the function right, with a Wilson interval, and the leading failure.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/report/stats.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::report {

struct ContractStat {
  std::string model, format, stage, function;
  Proportion passed;         ///< attempts with the function right / attempts the unit layer judged
  std::string leading_code;  ///< the most frequent failure's taxonomy id ("" when none failed)
  int64_t leading_count = 0;
  std::string example;       ///< one counterexample of the leading failure
};

/// Reads the "contracts" artifacts; empty when no attempt was unit-tested.
Result<std::vector<ContractStat>> CollectContracts(store::Database& db);

}  // namespace autopilot::report
