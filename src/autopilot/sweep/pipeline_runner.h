#pragma once
// The sweep's real run function: one pipeline::RunPipeline per cell, with one LLM backend per
// worker (a fresh one per run for replays, so recorded answers never leak between runs) and the
// sweep's per-provider rate limits.

#include <map>
#include <memory>
#include <string>

#include "autopilot/config/project_config.h"
#include "autopilot/llm/pricing.h"
#include "autopilot/sweep/rate_limiter.h"
#include "autopilot/sweep/scheduler.h"
#include "autopilot/sweep/sweep_config.h"

namespace autopilot::sweep {

/// What the pipeline runner needs; the pointed-to objects must outlive the runner.
struct PipelineRunnerOptions {
  const SweepConfig* sweep = nullptr;
  const config::ProjectConfig* project = nullptr;
  std::shared_ptr<const llm::PriceTable> prices;
  /// provider → limiter shared by all workers of that provider (absent = unlimited).
  std::map<std::string, std::shared_ptr<RateLimiter>> limiters;
  /// Warnings of the backends (unknown price, replay fallbacks); default: dropped.
  std::function<void(const std::string&)> warn;
};

/// The folder a cell's artifacts go to: <work_dir>/sweeps/<sweep>/<cell index>.
std::string CellOutDir(const SweepConfig& sweep, const config::ProjectConfig& project, const Cell& cell);

/// A RunFunction over pipeline::RunPipeline.
RunFunction MakePipelineRunner(PipelineRunnerOptions options);

}  // namespace autopilot::sweep
