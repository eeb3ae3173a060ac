// autopilot sweep SWEEP.yaml [--store FILE] [--concurrency N] [--shard I/N]   (global --json)

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/interrupt.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/otlp/exporter.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/llm/pricing.h"
#include "autopilot/sweep/pipeline_runner.h"
#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/sweep/scheduler.h"
#include "autopilot/sweep/sweep_config.h"

namespace autopilot::cli {
namespace {

struct SweepOptions {
  std::string file;
  std::string store;
  int concurrency = 0;
  std::string shard;
};

int Usage(bool json, const std::string& message) {
  return ReportFailure(json, Error{errc::kUsage, message});
}

std::string Seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  }
  return buf;
}

/// "[12/200] sg gpt-4o json deterministic #3: passed (2 attempts, 1.2 s)"
std::string ProgressLine(const sweep::ProgressEvent& ev) {
  const auto& o = ev.outcome;
  std::string line = "[" + std::to_string(ev.done) + "/" + std::to_string(ev.total) + "] " + ev.cell->Describe() + ": ";
  if (!o.recorded) return line + "error, not recorded (" + o.message + ")";
  line += o.status;
  if (o.status != "passed" && !o.code.empty()) line += " " + o.code;
  line += " (" + std::to_string(o.attempts) + (o.attempts == 1 ? " attempt, " : " attempts, ") +
          Seconds(static_cast<double>(o.wall_ms) / 1000.0) + ")";
  return line;
}

/// A single updating line on a terminal: bar, done/total, passes, ETA.
std::string ProgressBar(const sweep::ProgressEvent& ev) {
  const int width = 28;
  int filled = ev.total ? static_cast<int>(width * ev.done / ev.total) : width;
  std::string bar(static_cast<size_t>(filled), '#');
  bar += std::string(static_cast<size_t>(width - filled), '.');
  std::string eta = ev.eta_s < 0 ? "?" : Seconds(ev.eta_s);
  return "\r\033[K[" + bar + "] " + std::to_string(ev.done) + "/" + std::to_string(ev.total) + "  " +
         std::to_string(ev.passed) + " passed  ETA " + eta;
}

nlohmann::ordered_json SummaryJson(const sweep::SweepConfig& cfg, const std::string& store_path,
                                   const sweep::Shard& shard, const sweep::SweepSummary& s) {
  return {{"sweep", cfg.name},
          {"store", store_path},
          {"shard", std::to_string(shard.index) + "/" + std::to_string(shard.count)},
          {"planned", s.planned},
          {"already_finished", s.already_finished},
          {"ran", s.ran},
          {"redone", s.redone},
          {"passed", s.passed},
          {"failed", s.failed},
          {"errored", s.errored},
          {"not_started", s.not_started},
          {"passed_total", s.passed_total},
          {"complete", s.complete()},
          {"stop_reason", s.stop_reason},
          {"stop_message", s.stop_message},
          {"tokens", s.tokens},
          {"cost_usd", s.cost_usd},
          {"wall_s", static_cast<double>(s.wall_ms) / 1000.0}};
}

int Run(const GlobalOptions& g, const SweepOptions& o) {
  const bool json = g.json;
  auto cfg = sweep::LoadSweepConfig(o.file);
  if (!cfg) {
    return ReportFailure(json, cfg.error());
  }
  sweep::Shard shard;
  if (!o.shard.empty()) {
    auto sh = sweep::ParseShard(o.shard);
    if (!sh) return Usage(json, sh.error().message);
    shard = *sh;
  }
  auto project = config::LoadProjectConfig(cfg->project);
  if (!project) {
    return ReportFailure(json, project.error());
  }
  std::string store_path = o.store;
  if (store_path.empty()) store_path = cfg->store;
  if (store_path.empty()) {
    const char* env = std::getenv("AUTOPILOT_STORE");
    store_path = env && *env ? env : project->store;
  }

  sweep::PipelineRunnerOptions ro;
  ro.sweep = &*cfg;
  ro.project = &*project;
  auto prices = pipeline::LoadPrices("", {project->base_dir, cfg->base_dir, "."});
  if (!prices) return Usage(json, prices.error().message);
  ro.prices = *prices;
  for (const auto& [provider, per_minute] : cfg->rate_limit) {
    ro.limiters[provider] = std::make_shared<sweep::RateLimiter>(per_minute);
  }
  auto cells = sweep::SelectShard(sweep::PlanCells(*cfg), shard);

  // Progress: a bar on a terminal, plain lines otherwise; stderr when stdout carries JSON.
  std::ostream& pout = json ? std::cerr : std::cout;
  const bool tty = ::isatty(json ? STDERR_FILENO : STDOUT_FILENO) == 1;
  // Each distinct warning once (a sweep repeats the same requests many times), on a line of its
  // own when the progress bar shares the terminal.
  auto warned = std::make_shared<std::pair<std::mutex, std::set<std::string>>>();
  const bool clear_bar = tty && ::isatty(STDERR_FILENO) == 1;
  ro.warn = [warned, clear_bar](const std::string& m) {
    std::lock_guard<std::mutex> lk(warned->first);
    if (warned->second.insert(m).second) {
      std::cerr << (clear_bar ? "\r\033[K" : "") << "autopilot: warning: " << m << "\n";
    }
  };
  bool bar_shown = false;
  sweep::SchedulerOptions so;
  so.store_path = store_path;
  so.max_parallel = o.concurrency;
  so.concurrency = cfg->concurrency;
  so.budgets = cfg->budgets;
  // otlp: in the project file: each finished run's trace is sent as the sweep goes (progress
  // events come one at a time; a failed export is a warning, the store keeps the run).
  std::optional<otlp::ExportTarget> live_export;
  if (project->otlp.present) {
    auto target = otlp::TargetFromSettings(project->otlp);
    if (!target) return ReportFailure(json, target.error());
    live_export = *target;
  }
  auto export_run = [&](const sweep::ProgressEvent& ev) {
    if (!live_export || !ev.cell || !ev.outcome.recorded) return;
    auto db = store::Database::OpenReadOnly(store_path);
    if (!db) return;
    auto q = db->Prepare("SELECT id FROM runs WHERE run_key = ?");
    if (!q) return;
    q->Bind(1, ev.cell->key.ToString());
    auto row = q->Step();
    if (!row || !*row) return;
    auto sent = otlp::ExportRuns(*db, {q->ColumnInt(0)}, *live_export);
    if (!sent) PrintError("warning: OTLP export failed: " + sent.error().message);
  };
  so.progress = [&](const sweep::ProgressEvent& ev) {
    export_run(ev);
    if (!tty) {
      pout << ProgressLine(ev) << std::endl;
      return;
    }
    if (!ev.outcome.recorded || ev.outcome.status == "error") pout << "\r\033[K" << ProgressLine(ev) << "\n";
    pout << ProgressBar(ev) << std::flush;
    bar_shown = true;
  };

  if (!json) {
    pout << "sweep " << cfg->name << ": " << cells.size() << " runs";
    if (shard.count > 1) pout << " (shard " << shard.index << "/" << shard.count << ")";
    pout << " → " << store_path << std::endl;
  }

  auto summary = [&] {
    SigintFlag sigint;  // Ctrl-C: no new runs; running ones finish
    so.stop = sigint.flag();
    return sweep::RunSweep(cfg->name, cells, so, sweep::MakePipelineRunner(ro));
  }();
  if (bar_shown) pout << "\n";
  if (!summary) {
    return ReportFailure(json, summary.error());
  }
  const auto& s = *summary;
  if (json) {
    PrintJson(SummaryJson(*cfg, store_path, shard, s));
  } else {
    pout << "done: " << s.already_finished + s.ran - s.unrecorded << "/" << s.planned << " runs finished ("
         << s.already_finished << " earlier, " << s.ran << " now: " << s.passed << " passed, " << s.failed
         << " failed, " << s.errored << " errors), " << s.passed_total << " passed in all, " << s.tokens
         << " tokens";
    if (s.cost_usd > 0) pout << ", " << s.cost_usd << " USD";
    pout << ", " << Seconds(static_cast<double>(s.wall_ms) / 1000.0) << "\n";
  }
  if (!s.stop_message.empty()) PrintError(s.stop_message);
  if (s.stop_reason == "interrupted") {
    std::cerr << "autopilot: " << s.not_started << " runs not started; rerun the same command to resume\n";
    return 130;
  }
  if (!s.complete()) {
    std::cerr << "autopilot: " << s.not_started + s.unrecorded
              << " runs are not finished; rerun the same command to resume\n";
    return kExitFailed;
  }
  return s.errored > 0 ? kExitFailed : kExitOk;
}

}  // namespace

CommandRunner SetupSweep(CLI::App* sub, GlobalOptions* globals) {
  auto o = std::make_shared<SweepOptions>();
  sub->add_option("sweep", o->file, "Sweep file (SWEEP.yaml)")->required()->check(CLI::ExistingFile);
  sub->add_option("--store", o->store, "Store file (default: the sweep's store, else $AUTOPILOT_STORE, else the project's)");
  sub->add_option("--concurrency", o->concurrency,
                  "At most N runs at once in total (default: the sum of the per-provider limits)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--shard", o->shard, "Run only shard I of N (cells whose index ≡ I-1 mod N), e.g. 2/4");
  sub->footer(
      "Runs every cell of models × formats × stages × presets × repetitions that the store does "
      "not hold as finished; a rerun after an interrupt or kill -9 finishes exactly the missing "
      "runs.\nExit: 0 every planned run finished (pass or fail), 1 budget stop or run errors, "
      "2 usage, 130 interrupted (Ctrl-C).");
  return [globals, o]() -> int { return Run(*globals, *o); };
}

}  // namespace autopilot::cli
