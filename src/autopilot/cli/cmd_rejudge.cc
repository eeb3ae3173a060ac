// autopilot rejudge STORE --project P [--stage S] [--study DIR] [--concurrency N] [--json]
// This tool's verdict on every recorded attempt, stored beside the recorded one.

#include <CLI/CLI.hpp>
#include <iostream>
#include <mutex>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/rejudge/rejudge.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {

CommandRunner SetupRejudge(CLI::App* sub, GlobalOptions* globals) {
  struct Options {
    std::string store;
    std::string project;
    std::string stage;
    std::string study;
    std::string model_header;
    int concurrency = 1;
    size_t limit = 0;
    bool json = false;
    bool verbose = false;
  };
  auto o = std::make_shared<Options>();
  sub->description(
      "Take the code of every recorded attempt (imported from the study's Langfuse traces or recorded "
      "by this tool), run this tool's validator chain for its stage under a project, and store the "
      "verdict beside the recorded one (table rejudged). Attempts already re-judged under the same "
      "project file and tool version are skipped, so an interrupted re-judge resumes. `autopilot "
      "report` then shows recorded vs re-judged success per cell.");
  sub->add_option("store", o->store, "The run store (SQLite)")->required();
  sub->add_option("--project", o->project, "Project file the chains judge under (autopilot.yaml)")->required();
  sub->add_option("--stage", o->stage, "Only this stage")->check(CLI::IsMember({"dp", "mc", "sg", "psg", "tpusg"}));
  sub->add_option("--study", o->study,
                  "A folder laid out like the prototype's repository (data/fruit_to_emoji/SampleData, "
                  "models/fruit_to_emoji/og_model/model.keras): DP and MC scripts run with the study's paths");
  sub->add_option("--model-header", o->model_header, "sg: the model.h the sketches include (default: from the int8 model)");
  sub->add_option("--concurrency", o->concurrency, "Runs judged in parallel")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--limit", o->limit, "At most this many runs (0 = all)");
  sub->add_flag("--json", o->json, "Machine-readable JSON output on stdout");
  sub->add_flag("--verbose", o->verbose, "One line per judged attempt on stderr");
  return [globals, o]() -> int {
    const bool json = globals->json || o->json;
    auto cfg = config::LoadProjectConfig(o->project);
    if (!cfg) return ReportFailure(json, cfg.error());
    auto text = util::ReadFile(o->project);
    if (!text) return ReportFailure(json, Error{errc::kUsage, text.error().message});
    if (!util::PathExists(o->store)) {
      return ReportFailure(json, Error{errc::kUsage, o->store + ": no such store (import or record runs first)"});
    }
    rejudge::RejudgeOptions ro;
    ro.project_key = rejudge::ProjectKey(o->project, *text);
    ro.tool_version = AUTOPILOT_VERSION;
    ro.stage = o->stage;
    ro.concurrency = o->concurrency;
    ro.study_root = o->study;
    ro.model_header = o->model_header;
    if (ro.model_header.empty() && !o->study.empty() && util::PathExists(o->study + "/model.h")) {
      ro.model_header = o->study + "/model.h";
    }
    ro.limit = o->limit;
    std::mutex mu;
    auto progress = [&](const rejudge::AttemptVerdict& v) {
      if (!o->verbose) return;
      std::lock_guard<std::mutex> lock(mu);
      std::cerr << "attempt " << v.attempt_id << " " << v.stage << ": recorded " << v.recorded << ", re-judged "
                << v.verdict << (v.code.empty() ? "" : " (" + v.code + ")") << " " << v.duration_ms << " ms\n";
    };
    auto stats = rejudge::Rejudge(o->store, *cfg, ro, progress);
    if (!stats) return ReportFailure(json, stats.error());
    const auto& s = *stats;
    if (json) {
      nlohmann::ordered_json doc{{"store", o->store},      {"project", ro.project_key}, {"tool_version", ro.tool_version},
                                 {"runs", s.runs},         {"judged", s.judged},        {"already", s.already},
                                 {"no_code", s.no_code},   {"judge_ms", s.judge_ms}};
      doc["verdicts"] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : s.verdicts) doc["verdicts"][k] = v;
      doc["skipped_stages"] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : s.skipped_stages) doc["skipped_stages"][k] = v;
      PrintJson(doc);
    } else {
      std::cout << o->store << ": " << s.judged << " attempts re-judged under " << ro.project_key << " in " << s.runs
                << " runs";
      if (s.already) std::cout << ", " << s.already << " already re-judged";
      std::cout << "\n";
      for (const auto& [k, v] : s.verdicts) std::cout << "  " << k << ": " << v << "\n";
      if (s.judged) std::cout << "  " << s.judge_ms / static_cast<int64_t>(s.judged) << " ms per attempt\n";
      for (const auto& [k, v] : s.skipped_stages) std::cout << "  " << k << " not judged: " << v << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
