#include "autopilot/rejudge/rejudge.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/edge_chain.h"
#include "autopilot/stage/reference.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/stage/study_chains.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"

namespace autopilot::rejudge {
namespace {

using validate::LayerResult;

/// One recorded attempt and where its code came from.
struct Item {
  int64_t attempt_id = 0;
  int64_t run_id = 0;
  std::string stage;
  std::string status;
  std::string artifact;    ///< code stored as an artifact of the attempt
  std::string completion;  ///< the attempt's last LLM reply
  bool done = false;       ///< judged already under this project and version
};

/// Modules the study's machines had that this one may lack: a script failing only because one
/// is missing says nothing about the script. A submodule of a module that is not a package
/// ("No module named 'pycoral.adapters.common.input'; 'pycoral.adapters.common' is not a
/// package") is the script's invention: that module was found, and no machine has the rest.
bool MissingStudyModule(const std::string& text) {
  static const std::regex kNotAPackage(R"(No module named '[^']+'; '[^']+' is not a package)");
  if (std::regex_search(text, kNotAPackage)) return false;
  static const std::regex kMissing(R"(No module named '([A-Za-z0-9_]+))");
  static const std::vector<std::string> kStudyModules = {
      "tensorflow", "keras", "tflite_runtime", "ai_edge_litert", "pycoral", "cv2", "tf_keras"};
  std::smatch m;
  if (!std::regex_search(text, m, kMissing)) return false;
  return std::find(kStudyModules.begin(), kStudyModules.end(), m[1].str()) != kStudyModules.end();
}

/// What the stage needs that is not there ("" = it can be judged).
std::string StageUnavailable(const config::ProjectConfig& cfg, const RejudgeOptions& o, const std::string& stage) {
  if (stage::IsEdgeStage(stage)) {
    if (cfg.edge.device.empty()) return "the project has no edge: section";
    return stage::EdgeUnavailableReason(cfg);
  }
  if (stage != "dp" && stage != "mc" && stage != "sg") return "not a stage this tool judges";
  if (!o.study_root.empty() && stage != "sg") {
    std::string missing = stage::StudyMissing(o.study_root, stage);
    if (!missing.empty()) return "missing " + missing;
  }
  return "";
}

struct Shared {
  const config::ProjectConfig* cfg = nullptr;
  const RejudgeOptions* options = nullptr;
  stage::ReferenceArtifacts ref;
  std::string store_path;
  std::mutex mu;  // guards stats, errors and on_verdict
  RejudgeStats* stats = nullptr;
  std::vector<Error> errors;
  const std::function<void(const AttemptVerdict&)>* on_verdict = nullptr;
};

/// The chain for one attempt's code; `playground` is the run's study DP playground.
std::vector<LayerResult> Judge(const Shared& sh, const Item& it, const std::string& code,
                               const std::string& playground, exec::ProcessRunner* runner) {
  const auto& cfg = *sh.cfg;
  const auto& o = *sh.options;
  if (stage::IsEdgeStage(it.stage)) return stage::EdgeChain(cfg, it.stage, code, runner);
  if (it.stage == "dp") {
    if (!o.study_root.empty()) return stage::StudyDpChain(cfg, o.study_root, playground, code, runner);
    return stage::DpChain(cfg, sh.ref.raw_csv, code, runner);
  }
  if (it.stage == "mc") {
    stage::McInputs in{sh.ref.float_model, sh.ref.train_csv, sh.ref.test_csv};
    if (!o.study_root.empty()) return stage::StudyMcChain(cfg, o.study_root, in, code, runner);
    return stage::McChain(cfg, in, code, runner);
  }
  return stage::SgChain(cfg, {sh.ref.int8_model, o.model_header, sh.ref.scenario_csv, sh.ref.raw_csv}, code, runner);
}

/// The layer the study's verdict corresponds to: the sketch's build, a script's run.
std::optional<bool> RanLayer(const std::string& stage, const std::vector<LayerResult>& layers) {
  const std::string wanted = stage == "sg" ? "build" : "run";
  for (const auto& l : layers) {
    if (l.layer == wanted) return l.passed;
    // A script that does not parse would not have run for the authors either.
    if (!l.passed && wanted == "run" && !l.diagnostics.empty() && l.diagnostics.front().code == "static.syntax") {
      return false;
    }
  }
  return std::nullopt;
}

Result<void> JudgeRun(Shared& sh, store::RunStore& st, const std::vector<Item>& items, exec::ProcessRunner* runner) {
  const auto& o = *sh.options;
  // Study DP operations build on each other's playground, so a run is replayed from its start.
  stage::Scratch pg("autopilot-rejudge-pg-");
  const bool study_dp = !o.study_root.empty() && items.front().stage == "dp";
  if (study_dp) {
    auto bytes = util::ReadFile(o.study_root + "/" + stage::kStudySampleData + "/fruit_data.csv");
    if (!bytes) return bytes.error();
    if (auto r = util::WriteFileAtomic(pg.dir() + "/fruit_data.csv", *bytes); !r) return r;
  }
  for (const auto& it : items) {
    if (it.done && !study_dp) continue;
    std::string code = it.artifact, source = "artifact";
    std::vector<LayerResult> layers;
    const extract::Lang lang = it.stage == "sg" ? extract::Lang::kCpp : extract::Lang::kPython;
    if (code.empty()) {
      source = "completion";
      auto ex = extract::Extract(it.completion, lang);
      if (ex.ok) {
        code = ex.code;
      } else {
        layers.push_back({"format", false, {{"format", ex.error_code, ex.message, "", {}, ""}}, 0});
      }
    }
    const int64_t t0 = util::MonotonicMs();
    if (layers.empty()) layers = Judge(sh, it, code, pg.dir(), runner);
    const int64_t ms = util::MonotonicMs() - t0;
    if (it.done) continue;  // replayed for the playground only

    AttemptVerdict v{it.attempt_id, it.stage, it.status, "passed", "", "", ms};
    std::string layer_name;
    for (const auto& l : layers) {
      if (l.passed) continue;
      v.verdict = "failed";
      layer_name = l.layer;
      for (const auto& d : l.diagnostics) {
        if (d.code == "warning") continue;
        v.code = d.code;
        v.message = d.message;
        break;
      }
      break;
    }
    std::optional<bool> ran = RanLayer(it.stage, layers);
    if (v.verdict == "failed" && (v.code.rfind("env.", 0) == 0 || v.code.rfind("harness.", 0) == 0 ||
                                  MissingStudyModule(v.message))) {
      v.verdict = "unavailable";  // the machine's or the tool's fault: no verdict on the code
      ran.reset();
    }
    auto ins = st.db().Prepare(
        "INSERT OR IGNORE INTO rejudged(attempt_id, project, tool_version, stage, recorded_status, verdict,"
        " layer, code, message, ran, code_source, duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->Bind(1, it.attempt_id).Bind(2, o.project_key).Bind(3, o.tool_version).Bind(4, it.stage);
    ins->Bind(5, it.status).Bind(6, v.verdict);
    if (layer_name.empty()) ins->BindNull(7); else ins->Bind(7, layer_name);
    if (v.code.empty()) ins->BindNull(8); else ins->Bind(8, v.code);
    if (v.message.empty()) ins->BindNull(9); else ins->Bind(9, v.message.substr(0, 2000));
    if (ran) ins->Bind(10, static_cast<int64_t>(*ran)); else ins->BindNull(10);
    ins->Bind(11, source).Bind(12, ms).Bind(13, util::NowRfc3339());
    if (auto r = ins->Run(); !r) return r;
    std::lock_guard<std::mutex> lock(sh.mu);
    ++sh.stats->judged;
    ++sh.stats->verdicts[v.verdict];
    if (source == "completion" && code.empty()) ++sh.stats->no_code;
    sh.stats->judge_ms += ms;
    if (*sh.on_verdict) (*sh.on_verdict)(v);
  }
  return Ok();
}

Result<std::vector<std::vector<Item>>> LoadRuns(store::RunStore& st, const RejudgeOptions& o, RejudgeStats* stats) {
  auto q = st.db().Prepare(
      "SELECT a.id, a.run_id, a.stage, a.status,"
      " (SELECT content FROM artifacts f WHERE f.attempt_id = a.id AND f.kind IN ('code','sketch')"
      "   ORDER BY f.id DESC LIMIT 1),"
      " (SELECT text FROM llm_calls c WHERE c.attempt_id = a.id AND c.text IS NOT NULL ORDER BY c.id DESC LIMIT 1),"
      " EXISTS (SELECT 1 FROM rejudged j WHERE j.attempt_id = a.id AND j.project = ? AND j.tool_version = ?)"
      " FROM attempts a WHERE a.status IN ('passed','failed') AND (? = '' OR a.stage = ?)"
      " ORDER BY a.run_id, a.number");
  if (!q) return q.error();
  q->Bind(1, o.project_key).Bind(2, o.tool_version).Bind(3, o.stage).Bind(4, o.stage);
  std::vector<std::vector<Item>> runs;
  while (true) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    Item it{q->ColumnInt(0), q->ColumnInt(1), q->ColumnText(2), q->ColumnText(3), q->ColumnText(4),
            q->ColumnText(5), q->ColumnInt(6) != 0};
    if (it.done) ++stats->already;
    if (runs.empty() || runs.back().front().run_id != it.run_id) runs.emplace_back();
    runs.back().push_back(std::move(it));
  }
  // Runs whose attempts were all judged have nothing left.
  std::erase_if(runs, [](const std::vector<Item>& r) {
    return std::all_of(r.begin(), r.end(), [](const Item& i) { return i.done; });
  });
  return runs;
}

}  // namespace

std::string ProjectKey(const std::string& project_path, const std::string& project_text) {
  return std::filesystem::path(project_path).filename().string() + "@" + util::Sha256Hex(project_text).substr(0, 12);
}

Result<RejudgeStats> Rejudge(const std::string& store_path, const config::ProjectConfig& cfg,
                             const RejudgeOptions& options,
                             const std::function<void(const AttemptVerdict&)>& on_verdict) {
  RejudgeStats stats;
  auto st = store::RunStore::Open(store_path);
  if (!st) return st.error();
  auto runs = LoadRuns(*st, options, &stats);
  if (!runs) return runs.error();

  std::map<std::string, std::string> unavailable;
  bool need_reference = false;
  for (const auto& r : *runs) {
    const std::string& s = r.front().stage;
    if (unavailable.count(s)) continue;
    unavailable[s] = StageUnavailable(cfg, options, s);
    // Study-layout DP judges by the study's files alone; every other chain needs the reference.
    const bool study_dp = s == "dp" && !options.study_root.empty();
    if (unavailable[s].empty() && !stage::IsEdgeStage(s) && !study_dp) need_reference = true;
  }
  for (const auto& [s, why] : unavailable) {
    if (!why.empty()) stats.skipped_stages[s] = why;
  }
  std::erase_if(*runs, [&](const std::vector<Item>& r) { return !unavailable[r.front().stage].empty(); });
  if (options.limit && runs->size() > options.limit) runs->resize(options.limit);
  stats.runs = runs->size();

  // The recorded prompts never asked for contract functions (the study's, and runs recorded
  // with contracts off): re-judging asks whether the code works, not whether it follows a
  // contract it was not given, so the unit layer stays out.
  config::ProjectConfig judged = cfg;
  judged.contracts.enabled = false;
  Shared sh;
  sh.cfg = &judged;
  sh.options = &options;
  sh.store_path = store_path;
  sh.stats = &stats;
  sh.on_verdict = &on_verdict;
  if (need_reference) {
    auto ref = stage::EnsureReference(cfg);
    if (!ref) return ref.error();
    sh.ref = *ref;
  }

  std::atomic<size_t> next{0};
  auto worker = [&]() {
    auto ws = store::RunStore::Open(store_path);
    if (!ws) {
      std::lock_guard<std::mutex> lock(sh.mu);
      sh.errors.push_back(ws.error());
      return;
    }
    exec::SandboxRunner runner;
    for (size_t k = next++; k < runs->size(); k = next++) {
      if (auto r = JudgeRun(sh, *ws, (*runs)[k], &runner); !r) {
        std::lock_guard<std::mutex> lock(sh.mu);
        sh.errors.push_back(r.error());
        return;
      }
    }
  };
  const int n = std::max(1, std::min<int>(options.concurrency, static_cast<int>(runs->size())));
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!sh.errors.empty()) return sh.errors.front();
  return stats;
}

}  // namespace autopilot::rejudge
