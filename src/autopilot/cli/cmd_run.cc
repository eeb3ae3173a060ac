// autopilot run PROJECT.yaml [--llm SPEC] [--format F] [--stages dp,train,mc,sg,psg,tpusg] [--store FILE]
//                            [--out DIR] [--preset P] [--record FILE] [--strict-replay] [--json]
// The lifecycle for one project: DP → train → MC → SG, each LLM stage validated in layers and
// repaired with precise feedback. Exit 0 when every requested stage passed.

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/interrupt.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/otlp/exporter.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

struct RunOptions {
  std::string project;
  std::string llm;
  std::string format;
  std::string stages;  ///< "" = the project's: dp,train,mc,sg, or its edge stage when it has `edge:`
  std::string store;
  std::string out;
  std::string preset;
  std::string record;
  bool strict_replay = false;
  bool quiet = false;
  int64_t resume = 0;
};

/// What `--resume ID` needs from the stored run.
struct StoredRun {
  store::RunKey key;
  std::string status;
  std::string llm_spec;
  std::string out_dir;
};

Result<StoredRun> LoadStoredRun(store::RunStore& st, int64_t id, const std::string& store_path) {
  auto q = st.db().Prepare(
      "SELECT sweep, stage, model, format, preset, repetition, status, config_json FROM runs WHERE id = ?");
  if (!q) return q.error();
  q->Bind(1, id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return Error{errc::kUsage, "no run " + std::to_string(id) + " in " + store_path};
  StoredRun r;
  r.key = {q->ColumnText(0), q->ColumnText(1), q->ColumnText(2), q->ColumnText(3), q->ColumnText(4),
           static_cast<int>(q->ColumnInt(5))};
  r.status = q->ColumnText(6);
  auto cfg = nlohmann::json::parse(q->ColumnText(7), nullptr, false);
  if (cfg.is_object()) {
    r.llm_spec = cfg.value("llm_spec", "");
    r.out_dir = cfg.value("out_dir", "");
  }
  return r;
}

/// A key no other run has: ad-hoc runs are never resumed by key (sweeps are).
std::string AdHocSweepName() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  return "run:" + std::string(buf) + "." + std::to_string(us) + "." + std::to_string(getpid());
}

int Run(const GlobalOptions& g, const RunOptions& o) {
  auto cfg = config::LoadProjectConfig(o.project);
  if (!cfg) {
    return ReportFailure(g.json, cfg.error());
  }
  // A project with an `edge:` section is an edge project: its stage is the device's (psg or
  // tpusg); the colour stages run on it only when asked for by --stages.
  std::string wanted = o.stages;
  if (wanted.empty()) wanted = cfg->edge.present ? cfg->edge.Stage() : "dp,train,mc,sg";
  auto stages = pipeline::ParseStages(wanted);
  if (!stages) {
    return ReportFailure(g.json, stages.error());
  }
  std::string store_path = o.store.empty() ? cfg->store : o.store;
  auto st = store::RunStore::Open(store_path);
  if (!st) {
    return ReportFailure(g.json, st.error());
  }
  std::optional<StoredRun> stored;
  if (o.resume > 0) {
    auto sr = LoadStoredRun(*st, o.resume, store_path);
    if (!sr) {
      return ReportFailure(g.json, sr.error());
    }
    if (sr->status == "passed" || sr->status == "failed" || sr->status == "error") {
      return ReportFailure(g.json, Error{errc::kUsage, "run " + std::to_string(o.resume) + " is finished (" +
                                                       sr->status + "); only an interrupted run can be resumed"});
    }
    if (!o.out.empty() && !sr->out_dir.empty() &&
        std::filesystem::weakly_canonical(o.out) != std::filesystem::weakly_canonical(sr->out_dir)) {
      return ReportFailure(g.json, Error{errc::kUsage, "--out differs from the run's artifact folder " + sr->out_dir});
    }
    stages = pipeline::ParseStages(sr->key.stage);
    if (!stages) {
      return ReportFailure(g.json, stages.error());
    }
    stored = *sr;
  }
  std::string spec = !o.llm.empty() ? o.llm : stored && !stored->llm_spec.empty() ? stored->llm_spec : cfg->llm.model;
  bool needs_llm = std::any_of(stages->begin(), stages->end(), [](const std::string& s) { return s != "train"; });
  std::unique_ptr<llm::LlmBackend> backend;
  if (needs_llm) {
    if (spec.empty()) {
      return ReportFailure(g.json, Error{errc::kUsage, "no LLM given: pass --llm PROVIDER:MODEL (or replay:FILE), or set llm.model in " +
                                             o.project});
    }
    pipeline::BackendSetup setup;
    setup.record_path = o.record;
    setup.replay_match_tag = !o.strict_replay;
    auto prices = pipeline::LoadPrices("", {cfg->base_dir, "."});
    if (!prices) {
      return ReportFailure(g.json, Error{errc::kUsage, prices.error().message});
    }
    setup.prices = *prices;
    auto b = pipeline::OpenBackend(spec, setup);
    if (!b) {
      return ReportFailure(g.json, b.error());
    }
    backend = std::move(*b);
    if (util::StartsWith(spec, "replay:") && !o.quiet) {
      std::cerr << "autopilot: replaying a recorded session (" << spec.substr(7)
                << ") — recorded answers, not a live LLM\n";
    }
  }
  pipeline::PipelineOptions po;
  po.stages = *stages;
  po.format = o.format;
  po.preset = o.preset;
  po.out_dir = o.out;
  po.store = &*st;
  po.key.sweep = AdHocSweepName();
  po.key.stage = util::Join(*stages, ",");
  po.key.model = backend ? backend->Describe() : "";
  po.key.format = o.format.empty() ? cfg->prompt_format : o.format;
  po.key.preset = o.preset.empty() ? cfg->llm.preset : o.preset;
  po.config_json = nlohmann::json{{"project", std::filesystem::absolute(o.project).lexically_normal().string()},
                                  {"stages", *stages}, {"format", po.key.format}, {"preset", po.key.preset},
                                  {"llm", po.key.model}, {"llm_spec", util::RedactUrlCredentials(spec)}}
                       .dump();
  if (stored) {
    po.key = stored->key;
    po.format = stored->key.format;
    po.preset = stored->key.preset;
    po.out_dir = stored->out_dir;
    po.resume = true;
  }
  if (!o.quiet) po.progress = [](const std::string& line) { std::cerr << "autopilot: " << line << "\n"; };
  auto r = [&] {
    SigintFlag sigint;  // Ctrl-C: stop before the next attempt, resumable
    po.stop = sigint.flag();
    return pipeline::RunPipeline(*cfg, backend.get(), po);
  }();
  if (!r) {
    return ReportFailure(g.json, r.error());
  }
  // otlp: in the project file: the finished run's trace goes to the receiver now. A failed
  // export is reported, never the run's verdict (the store keeps it: `autopilot export otlp`).
  std::optional<otlp::ExportSummary> exported;
  if (cfg->otlp.present && r->run_id) {
    auto target = otlp::TargetFromSettings(cfg->otlp);
    auto sent = target ? otlp::ExportRuns(st->db(), {r->run_id}, *target) : Result<otlp::ExportSummary>(target.error());
    if (sent) {
      exported = *sent;
      if (!o.quiet) std::cerr << "autopilot: exported run " << r->run_id << " (" << sent->spans << " spans) to " << otlp::RedactedUrl(otlp::TracesUrl(cfg->otlp.endpoint)) << "\n";
    } else {
      PrintError("warning: OTLP export of run " + std::to_string(r->run_id) + " failed: " + sent.error().message);
    }
  }
  if (g.json) {
    nlohmann::ordered_json doc{{"run_id", r->run_id}, {"passed", r->passed}, {"store", store_path},
                               {"out_dir", r->out_dir}, {"format", po.key.format}, {"llm", po.key.model},
                               {"tokens", r->tokens}, {"cost_usd", r->cost_usd}, {"wall_ms", r->wall_ms}};
    doc["interrupted"] = r->interrupted;
    doc["stages"] = nlohmann::ordered_json::array();
    for (const auto& s : r->stages) {
      doc["stages"].push_back({{"stage", s.stage}, {"passed", s.passed}, {"skipped", s.skipped}, {"resumed", s.resumed},
                               {"attempts", s.attempts}, {"stop_reason", s.stop_reason}, {"code", s.code},
                               {"tokens", s.tokens}, {"cost_usd", s.cost_usd}, {"llm_ms", s.llm_ms},
                               {"wall_ms", s.wall_ms}, {"artifacts", s.artifacts}, {"message", s.message}});
    }
    doc["store_errors"] = r->store_errors;
    if (cfg->otlp.present) doc["otlp_spans"] = exported ? exported->spans : 0;
    PrintJson(doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r->stages) {
      rows.push_back({s.stage, s.skipped ? "skipped" : s.resumed ? "kept" : (s.passed ? "pass" : "FAIL"), std::to_string(s.attempts),
                      s.code.empty() ? "-" : s.code, s.message});
    }
    std::cout << FormatTable({"stage", "verdict", "attempts", "code", "detail"}, rows);
    std::cout << "run " << r->run_id << " in " << store_path << "; artifacts in " << r->out_dir << "\n";
    std::cout << "verdict: " << (r->passed ? "pass" : r->interrupted ? "interrupted" : "fail") << "\n";
  }
  if (r->interrupted) {
    std::cerr << "autopilot: interrupted; resume with: autopilot run " << o.project << " --store " << store_path
              << " --resume " << r->run_id << "\n";
    return 130;
  }
  if (!r->store_errors.empty()) {
    // The verdict stands, but the store does not hold all of it: not a success to build on.
    PrintError(std::to_string(r->store_errors.size()) + " store write(s) failed; the run's record in " + store_path +
               " is incomplete (first: " + r->store_errors.front() + ")");
    return kExitFailed;
  }
  return r->passed ? kExitOk : kExitFailed;
}

}  // namespace

CommandRunner SetupRun(CLI::App* sub, GlobalOptions* globals) {
  sub->description(
      "Run the lifecycle for a project: DP (the LLM's data script) → train (built-in trainer or the "
      "provided float model) → MC (the LLM's int8 conversion script) → SG (the LLM's Arduino "
      "sketch). Every attempt is validated in layers (format, static, build, run, semantic) and "
      "failures are fed back for repair within the project's budgets. Stages left out take their "
      "inputs from reference artifacts made by the built-in path. Exit 0 when every requested "
      "stage passed, 1 when one failed, 2 on usage or configuration errors, 130 when interrupted "
      "(Ctrl-C: the run stops before the next attempt and can be resumed with --resume ID).");
  auto o = std::make_shared<RunOptions>();
  sub->add_option("project", o->project, "Project file (autopilot.yaml)")->required();
  sub->add_option("--llm", o->llm, "PROVIDER:MODEL[@BASE_URL] or replay:CASSETTE (default: llm.model)");
  sub->add_option("--format", o->format, "Prompt format: json, markdown, prose, minimal, outline (default: prompt.format)");
  sub->add_option("--stages", o->stages, "Comma-separated subset of dp,train,mc,sg,psg,tpusg (default: dp,train,mc,sg; an edge project's psg or tpusg)");
  sub->add_option("--store", o->store, "Run store (default: paths.store of the project)");
  sub->add_option("--out", o->out, "Artifact folder (default: <work_dir>/runs/<run id>)");
  sub->add_option("--preset", o->preset, "Sampling preset: default, deterministic (default: llm.preset)");
  sub->add_option("--record", o->record, "Append every LLM request and answer to this JSONL cassette");
  sub->add_flag("--strict-replay", o->strict_replay,
                "With replay:, fail on a request the cassette lacks instead of serving the answer "
                "recorded for the same stage and attempt");
  sub->add_flag("--quiet", o->quiet, "No progress lines on stderr");
  sub->add_option("--resume", o->resume,
                  "Resume the interrupted run ID (Ctrl-C or kill): stages that passed are kept, the "
                  "rest run again with the run's own stages, format, preset and LLM");
  return [globals, o]() -> int { return Run(*globals, *o); };
}

}  // namespace autopilot::cli
