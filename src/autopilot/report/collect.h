#pragma once
// Aggregates a run store into report cells (model × format × stage × preset), failure counts by
// taxonomy code, and format comparisons. All per-row work happens in SQL; C++ only sees one row
// per (cell, status, attempts used), so 100 000 attempts report in well under a second.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "autopilot/report/contracts.h"
#include "autopilot/report/rejudged.h"
#include "autopilot/report/stats.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::report {

/// What identifies a cell: the run key without sweep and repetition.
struct CellKey {
  std::string model;
  std::string format;
  std::string stage;
  std::string preset;
  auto operator<=>(const CellKey&) const = default;
};

/// Everything the report says about one cell. Rates, attempts, tokens, times and costs cover the
/// finished runs (passed, failed, error); running and interrupted runs are only counted.
struct Cell {
  CellKey key;
  int64_t runs = 0;  ///< all runs, finished or not
  int64_t passed = 0, failed = 0, errored = 0;
  int64_t running = 0, interrupted = 0;
  int64_t finished() const { return passed + failed + errored; }
  int64_t unfinished() const { return running + interrupted; }

  /// attempts a passed run used → number of such runs (the pass@k histogram).
  std::map<int, int64_t> passed_by_attempts;
  int64_t attempts = 0;  ///< attempt rows of finished runs
  int max_attempts = 0;  ///< the most attempts a finished run of the cell used

  int64_t llm_calls = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  int64_t llm_ms = 0;   ///< sum of llm_calls.total_ms
  int64_t wall_ms = 0;  ///< sum of attempts.wall_ms
  double cost_usd = 0.0;

  // Derived by Collect.
  Proportion success;        ///< passed / finished, Wilson 95 %
  Proportion first_attempt;  ///< passed with one attempt / finished
  std::vector<std::optional<double>> pass_at_k;  ///< k = 1..Report::max_attempts
  std::optional<double> mean_attempts_to_success;
};

/// Failed attempts (or failed runs' final codes) of one cell with one taxonomy code.
struct FailureCount {
  CellKey key;
  std::string code;    ///< taxonomy id as stored; "unclassified" when the row has none
  std::string family;  ///< top-level category (taxonomy family); "unknown" for ids not in the taxonomy
  bool counts_against_model = true;  ///< false for env.*, harness.*, transport.*, unknown
  bool final_code = false;           ///< true: a failed run's final code; false: a failed attempt
  int64_t count = 0;
};

/// One format's success in a model × stage group (presets pooled), against the group's best.
struct FormatComparison {
  std::string model;
  std::string stage;
  std::string format;
  Proportion success;
  int64_t unfinished = 0;
  bool best = false;
  std::optional<Difference> vs_best;  ///< this format minus the best, with Newcombe's interval
};

/// The whole report.
struct Report {
  std::string store;     ///< path as given
  int max_attempts = 0;  ///< pass@k goes up to this k (the most attempts any finished run used)
  std::vector<Cell> cells;  ///< sorted by key
  std::vector<FailureCount> failures;
  std::vector<FormatComparison> formats;  ///< grouped by model, stage; formats by name
  std::vector<RejudgeCell> rejudge;            ///< from `autopilot rejudge`; empty when never run
  std::vector<RejudgeReason> rejudge_reasons;  ///< recorded passes the tool fails, by code
  std::vector<ContractStat> contracts;  ///< per-contract pass rates; empty without unit-tested attempts
  // Store-wide counts.
  int64_t runs = 0, finished = 0, passed = 0, unfinished = 0, attempts = 0;
  double cost_usd = 0.0;
};

/// Opens an existing store for reading. Never creates a file: a missing, unreadable or non-store
/// file is an Error with code "usage" whose message names the file.
Result<store::Database> OpenStoreForReport(const std::string& path);

/// Aggregates the store. `label` is the path shown in the report.
Result<Report> Collect(store::Database& db, const std::string& label);

/// The taxonomy family of a stored code ("build.undeclared" → "build"; unclassified and ids the
/// taxonomy does not know → "unknown"), and whether that family counts against the model.
std::string FamilyOf(const std::string& code);
bool CountsAgainstModel(const std::string& code);

}  // namespace autopilot::report
