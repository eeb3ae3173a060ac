#pragma once
// A run function that does what pipeline::RunPipeline does to the store (begin or reset the run,
// attempts with LLM calls and validations, finish) without an LLM, for scheduler tests.

#include <atomic>
#include <functional>

#include "autopilot/sweep/scheduler.h"

namespace autopilot::sweep::testing {

/// Deterministic per cell: 1 + index % 3 attempts, 100 tokens each, passes on even indexes.
struct FakeRunner {
  int sleep_ms = 0;
  std::atomic<int> calls{0};
  /// Called at the start of each run (e.g. to count concurrency or set a stop flag).
  std::function<void(const Cell&)> on_start;
  std::function<void(const Cell&)> on_end;

  CellOutcome Run(const Cell& cell, store::RunStore& store);
  RunFunction Fn() {
    return [this](const Cell& c, store::RunStore& s) { return Run(c, s); };
  }
};

/// A small sweep config (no files needed) over the given providers' fake models.
SweepConfig SmallConfig(int repetitions, const std::vector<std::string>& providers = {"openai"});

}  // namespace autopilot::sweep::testing
