#include "autopilot/sweep/pipeline_runner.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/util/files.h"

namespace autopilot::sweep {
namespace {

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.';
    out += keep ? c : '_';
  }
  return out.empty() ? "sweep" : out;
}

/// Backends per worker thread; a worker only ever touches its own entry's backends.
struct BackendPool {
  std::mutex mu;
  std::map<std::thread::id, std::map<std::string, std::unique_ptr<llm::LlmBackend>>> by_thread;
};

}  // namespace

std::string CellOutDir(const SweepConfig& sweep, const config::ProjectConfig& project, const Cell& cell) {
  return project.work_dir + "/sweeps/" + Slug(sweep.name) + "/" + std::to_string(cell.index);
}

RunFunction MakePipelineRunner(PipelineRunnerOptions options) {
  auto pool = std::make_shared<BackendPool>();
  auto o = std::make_shared<PipelineRunnerOptions>(std::move(options));
  return [o, pool](const Cell& cell, store::RunStore& st) -> CellOutcome {
    CellOutcome out;
    auto fail = [&](const Error& e) {
      out.status = "error";
      out.recorded = false;
      out.code = e.code;
      out.message = e.message;
      return out;
    };
    const ModelEntry& model = *cell.model;
    pipeline::BackendSetup setup;
    setup.prices = o->prices;
    setup.warn = o->warn ? o->warn : [](const std::string&) {};
    setup.replay_match_tag = o->sweep->replay_match_tag_on_miss;

    std::unique_ptr<llm::LlmBackend> fresh;
    llm::LlmBackend* backend = nullptr;
    auto wrap = [&](std::unique_ptr<llm::LlmBackend> b) -> std::unique_ptr<llm::LlmBackend> {
      auto lim = o->limiters.find(model.provider);
      if (lim == o->limiters.end()) return b;
      return std::make_unique<RateLimitedBackend>(std::move(b), lim->second);
    };
    if (model.provider == "replay") {
      // A fresh replay per run: every repetition is served the recording from its start.
      auto b = pipeline::OpenBackend(model.resolved, setup);
      if (!b) return fail(b.error());
      fresh = wrap(std::move(*b));
      backend = fresh.get();
    } else {
      std::unique_lock<std::mutex> lk(pool->mu);
      auto& mine = pool->by_thread[std::this_thread::get_id()];
      lk.unlock();  // map nodes are stable; only this thread touches `mine`
      auto it = mine.find(model.resolved);
      if (it == mine.end()) {
        auto b = pipeline::OpenBackend(model.resolved, setup);
        if (!b) return fail(b.error());
        it = mine.emplace(model.resolved, wrap(std::move(*b))).first;
      }
      backend = it->second.get();
    }

    pipeline::PipelineOptions po;
    po.stages = cell.stages;
    po.format = cell.key.format;
    po.preset = cell.key.preset;
    po.out_dir = CellOutDir(*o->sweep, *o->project, cell);
    util::RemoveTree(po.out_dir);  // leftovers of a killed run
    po.store = &st;
    po.key = cell.key;
    po.config_json = nlohmann::json{{"sweep", o->sweep->name},
                                    {"sweep_file", o->sweep->source_file},
                                    {"cell", cell.index},
                                    {"model", model.spec},
                                    {"stages", cell.stages},
                                    {"format", cell.key.format},
                                    {"preset", cell.key.preset},
                                    {"repetition", cell.key.repetition}}
                         .dump();
    auto r = pipeline::RunPipeline(*o->project, backend, po);
    if (!r) {
      fail(r.error());
      // The pipeline may have recorded the run as finished (error) before giving up: then it is
      // done, and a rerun skips it like any finished run.
      auto q = st.db().Prepare("SELECT status, COALESCE(code,'') FROM runs WHERE run_key = ?");
      if (q) {
        q->Bind(1, cell.key.ToString());
        auto row = q->Step();
        if (row && *row && q->ColumnText(0) == "error") {
          out.recorded = true;
          if (!q->ColumnText(1).empty()) out.code = q->ColumnText(1);
        }
      }
      return out;
    }
    out.tokens = r->tokens;
    out.cost_usd = r->cost_usd;
    out.wall_ms = r->wall_ms;
    for (const auto& s : r->stages) out.attempts += s.attempts;
    out.status = r->passed ? "passed" : "failed";
    for (const auto& s : r->stages) {
      if (!s.passed && !s.skipped && out.code.empty()) {
        out.code = s.code;
        out.message = s.message;
      }
    }
    // The store's word is final (the pipeline may have recorded an error rather than a failure).
    auto q = st.db().Prepare("SELECT status, COALESCE(code,'') FROM runs WHERE run_key = ?");
    if (q) {
      q->Bind(1, cell.key.ToString());
      auto row = q->Step();
      if (row && *row) {
        out.status = q->ColumnText(0);
        if (!q->ColumnText(1).empty()) out.code = q->ColumnText(1);
      }
    }
    if (out.status != "passed" && out.status != "failed" && out.status != "error") {
      out.recorded = false;
      out.message = "the pipeline left the run unfinished (" + out.status + ")";
      out.status = "error";
    }
    return out;
  };
}

}  // namespace autopilot::sweep
