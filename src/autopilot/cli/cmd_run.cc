// autopilot run PROJECT.yaml [--llm SPEC] [--format F] [--stages dp,train,mc,sg] [--store FILE]
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
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

struct RunOptions {
  std::string project;
  std::string llm;
  std::string format;
  std::string stages = "dp,train,mc,sg";
  std::string store;
  std::string out;
  std::string preset;
  std::string record;
  bool strict_replay = false;
  bool quiet = false;
};

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
    ReportError(g.json, cfg.error());
    return kExitUsage;
  }
  auto stages = pipeline::ParseStages(o.stages);
  if (!stages) {
    ReportError(g.json, stages.error());
    return kExitUsage;
  }
  std::string spec = o.llm.empty() ? cfg->llm.model : o.llm;
  bool needs_llm = std::any_of(stages->begin(), stages->end(), [](const std::string& s) { return s != "train"; });
  std::unique_ptr<llm::LlmBackend> backend;
  if (needs_llm) {
    if (spec.empty()) {
      ReportError(g.json, Error{"usage", "no LLM given: pass --llm PROVIDER:MODEL (or replay:FILE), or set llm.model in " +
                                             o.project});
      return kExitUsage;
    }
    pipeline::BackendSetup setup;
    setup.record_path = o.record;
    setup.replay_match_tag = !o.strict_replay;
    setup.pricing_dirs = {cfg->base_dir, "."};
    auto b = pipeline::OpenBackend(spec, setup);
    if (!b) {
      ReportError(g.json, b.error());
      return b.error().code == "usage" || util::StartsWith(b.error().code, "env") ? kExitUsage : kExitFailed;
    }
    backend = std::move(*b);
    if (util::StartsWith(spec, "replay:") && !o.quiet) {
      std::cerr << "autopilot: replaying a recorded session (" << spec.substr(7)
                << ") — recorded answers, not a live LLM\n";
    }
  }
  std::string store_path = o.store.empty() ? cfg->store : o.store;
  auto st = store::RunStore::Open(store_path);
  if (!st) {
    ReportError(g.json, st.error());
    return kExitUsage;
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
  if (!o.quiet) po.progress = [](const std::string& line) { std::cerr << "autopilot: " << line << "\n"; };
  auto r = pipeline::RunPipeline(*cfg, backend.get(), po);
  if (!r) {
    ReportError(g.json, r.error());
    return r.error().code == "usage" || r.error().code == "config" ? kExitUsage : kExitFailed;
  }
  if (g.json) {
    nlohmann::ordered_json doc{{"run_id", r->run_id}, {"passed", r->passed}, {"store", store_path},
                               {"out_dir", r->out_dir}, {"format", po.key.format}, {"llm", po.key.model},
                               {"tokens", r->tokens}, {"cost_usd", r->cost_usd}, {"wall_ms", r->wall_ms}};
    doc["stages"] = nlohmann::ordered_json::array();
    for (const auto& s : r->stages) {
      doc["stages"].push_back({{"stage", s.stage}, {"passed", s.passed}, {"skipped", s.skipped},
                               {"attempts", s.attempts}, {"stop_reason", s.stop_reason}, {"code", s.code},
                               {"tokens", s.tokens}, {"cost_usd", s.cost_usd}, {"llm_ms", s.llm_ms},
                               {"wall_ms", s.wall_ms}, {"artifacts", s.artifacts}, {"message", s.message}});
    }
    PrintJson(doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r->stages) {
      rows.push_back({s.stage, s.skipped ? "skipped" : (s.passed ? "pass" : "FAIL"), std::to_string(s.attempts),
                      s.code.empty() ? "-" : s.code, s.message});
    }
    std::cout << FormatTable({"stage", "verdict", "attempts", "code", "detail"}, rows);
    std::cout << "run " << r->run_id << " in " << store_path << "; artifacts in " << r->out_dir << "\n";
    std::cout << "verdict: " << (r->passed ? "pass" : "fail") << "\n";
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
      "stage passed, 1 when one failed, 2 on usage or configuration errors.");
  auto o = std::make_shared<RunOptions>();
  sub->add_option("project", o->project, "Project file (autopilot.yaml)")->required();
  sub->add_option("--llm", o->llm, "PROVIDER:MODEL[@BASE_URL] or replay:CASSETTE (default: llm.model)");
  sub->add_option("--format", o->format, "Prompt format: json, markdown, prose, minimal, outline (default: prompt.format)");
  sub->add_option("--stages", o->stages, "Comma-separated subset of dp,train,mc,sg")->capture_default_str();
  sub->add_option("--store", o->store, "Run store (default: paths.store of the project)");
  sub->add_option("--out", o->out, "Artifact folder (default: <work_dir>/runs/<run id>)");
  sub->add_option("--preset", o->preset, "Sampling preset: default, deterministic (default: llm.preset)");
  sub->add_option("--record", o->record, "Append every LLM request and answer to this JSONL cassette");
  sub->add_flag("--strict-replay", o->strict_replay,
                "With replay:, fail on a request the cassette lacks instead of serving the answer "
                "recorded for the same stage and attempt");
  sub->add_flag("--quiet", o->quiet, "No progress lines on stderr");
  return [globals, o]() -> int { return Run(*globals, *o); };
}

}  // namespace autopilot::cli
