#pragma once
// Runs a sweep's cells on a pool of workers: per-provider parallelism, resume by run key, budgets
// and a stop flag (SIGINT). What one run does is a pluggable function, so everything here is
// testable with a fake runner; the CLI plugs in pipeline::RunPipeline.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "autopilot/store/run_store.h"
#include "autopilot/sweep/sweep_config.h"
#include "autopilot/util/result.h"

namespace autopilot::sweep {

/// What one run came to.
struct CellOutcome {
  /// passed | failed | error: the run's final status in the store.
  std::string status;
  /// false: the run did not finish (the runner failed before it could record a verdict). The
  /// scheduler then removes the unfinished row, so a rerun does the cell again.
  bool recorded = true;
  std::string code;  ///< taxonomy id of the final failure
  int attempts = 0;
  int64_t tokens = 0;
  double cost_usd = 0;
  int64_t wall_ms = 0;
  std::string message;  ///< one line for people (errors)
};

/// Runs one cell against the worker's own store connection. Must record the run under
/// cell.key (BeginRun; a stored unfinished run is reset and redone) and finish it.
using RunFunction = std::function<CellOutcome(const Cell& cell, store::RunStore& store)>;

/// Reported after each run, serialised (never two at once).
struct ProgressEvent {
  const Cell* cell = nullptr;
  CellOutcome outcome;
  size_t done = 0;    ///< finished cells of the plan, earlier ones included
  size_t total = 0;   ///< cells planned
  size_t passed = 0;  ///< passed cells of the plan, earlier ones included
  double eta_s = -1;  ///< estimate for the rest; < 0 when unknown
  int64_t elapsed_ms = 0;
};

/// How to schedule.
struct SchedulerOptions {
  std::string store_path;
  /// At most this many runs at once in total; 0 = the sum of the per-provider limits.
  int max_parallel = 0;
  /// Per-provider parallel-run limits; "default" for providers without an entry.
  std::map<std::string, int64_t> concurrency = {{"default", 2}};
  SweepBudgets budgets;
  /// Set (e.g. by a SIGINT handler) to stop starting runs; running ones finish.
  const std::atomic<bool>* stop = nullptr;
  std::function<void(const ProgressEvent&)> progress;
  /// This many runs in a row that could not even be recorded stop the sweep (a setup problem).
  int max_consecutive_errors = 3;
};

/// What a sweep invocation did.
struct SweepSummary {
  size_t planned = 0;           ///< cells of this shard
  size_t already_finished = 0;  ///< skipped: finished in the store before this invocation
  size_t ran = 0;               ///< runs executed now
  size_t passed = 0, failed = 0, errored = 0;  ///< of those run now
  size_t passed_total = 0;      ///< passed cells of the plan, earlier ones included
  size_t redone = 0;            ///< cells found unfinished ('running') and redone
  size_t not_started = 0;       ///< left for a rerun (stop, budget, interrupt)
  std::string stop_reason;      ///< "" | interrupted | tokens | cost | time | errors
  std::string stop_message;
  int64_t tokens = 0;           ///< spent by this sweep's finished runs in the store
  double cost_usd = 0;
  int64_t wall_ms = 0;

  size_t unrecorded = 0;        ///< runs of this invocation that did not finish (errors)
  std::vector<std::string> store_errors;  ///< store writes of the scheduler itself that failed

  /// Every planned cell is finished in the store.
  bool complete() const { return not_started == 0 && unrecorded == 0; }
};

/// Runs the cells not yet finished in the store at options.store_path (one store connection per
/// worker). Errors only for what prevents scheduling at all (the store cannot be opened).
Result<SweepSummary> RunSweep(const std::string& sweep_name, const std::vector<Cell>& cells,
                              const SchedulerOptions& options, const RunFunction& run);

/// Spending of a sweep's finished runs in a store: tokens (input + output) and USD.
Result<std::pair<int64_t, double>> SweepSpending(store::RunStore& store, const std::string& sweep_name);

}  // namespace autopilot::sweep
