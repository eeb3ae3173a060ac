#include "autopilot/pipeline/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "autopilot/pipeline/attempt_loop.h"
#include "autopilot/pipeline/stages.h"
#include "autopilot/stage/edge_chain.h"
#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/facts.h"
#include "autopilot/stage/mc_checks.h"
#include "autopilot/stage/reference.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/keras.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"
#include "autopilot/util/strings.h"

namespace autopilot::pipeline {
namespace {

using nlohmann::json;
using validate::LayerResult;

bool Requested(const std::vector<std::string>& stages, const std::string& s) {
  return std::find(stages.begin(), stages.end(), s) != stages.end();
}

/// Runs one LLM stage (or sub-step) through the attempt loop and adds what it did into `rep` and
/// the run's totals; the last script or sketch is kept in `out` for people to read, whatever the
/// verdict.
bool RunLlmStage(const StageSpec& spec, const prompt::PromptLibrary& prompts,
                 const std::string& format, llm::LlmBackend* backend, const Budget& budget,
                 const Recorder& recorder, const std::string& out, StageReport* rep,
                 PipelineResult* result) {
  const int64_t t0 = util::MonotonicMs();
  StageOutcome o = RunStage(spec, prompts, format, backend, budget, recorder);
  // Sub-steps (DP two_step) add up into the stage's report.
  rep->passed = o.passed;
  rep->stop_reason = o.stop_reason;
  rep->attempts += static_cast<int>(o.attempts.size());
  rep->tokens += o.tokens;
  rep->cost_usd += o.cost_usd;
  for (const auto& a : o.attempts) rep->llm_ms += static_cast<int64_t>(a.llm.timing.total_s * 1000);
  if (!o.passed && !o.attempts.empty()) rep->code = o.attempts.back().primary_code;
  rep->wall_ms += util::MonotonicMs() - t0;
  result->tokens += o.tokens;
  result->cost_usd += o.cost_usd;
  if (!o.code.empty()) {
    const std::string ext = spec.stage == "sg"                  ? ".ino"
                            : spec.lang == extract::Lang::kJson ? ".json"
                                                                : ".py";
    std::string name = spec.stage == "sg" ? "sketch/sketch.ino"
                                          : spec.stage + (ext == ".py" ? "_script" : "") + ext;
    if (!o.passed) name = spec.stage + "_last_attempt" + ext;
    if (util::WriteFileAtomic(out + "/" + name, o.code)) rep->artifacts.push_back(name);
  }
  rep->message = o.passed
                     ? "passed after " + std::to_string(rep->attempts) + " attempt(s)"
                     : "stopped (" + o.stop_reason + ") after " + std::to_string(rep->attempts) +
                           " attempt(s), last failure " + rep->code;
  return o.passed;
}

/// Records a stage the tool ran itself (train): one attempt with its one layer.
Result<void> RecordToolAttempt(store::RunStore* st, int64_t run_id, const std::string& stage,
                               const LayerResult& layer, const StageReport& rep) {
  return st->InTransaction([&]() -> Result<void> {
    auto id = st->BeginAttempt(run_id, stage, 1);
    if (!id) return id.error();
    store::ValidationRecord v;
    v.attempt_id = *id;
    v.layer = layer.layer;
    v.passed = layer.passed;
    v.code = rep.code;
    v.message = rep.message;
    v.duration_ms = layer.duration_ms;
    if (auto r = st->RecordValidation(v); !r) return r.error();
    return st->FinishAttempt(*id, layer.passed ? "passed" : "failed", rep.code, {}, "",
                             rep.wall_ms);
  });
}

/// Every requested LLM stage has prompts in `format` (DP's two-step mode: its plan and operation
/// prompts).
Result<void> CheckPrompts(const prompt::PromptLibrary& prompts,
                          const std::vector<std::string>& stages, const std::string& format,
                          bool two_step) {
  for (const auto& s : stages) {
    const StageDef* def = FindStage(s);
    if (!def || !def->prompt_stage) continue;
    std::vector<std::string> needed = {def->prompt_stage};
    if (s == "dp" && two_step) needed = {"dp_plan", "dp_op"};
    for (const auto& p : needed) {
      if (!prompts.Has(p, format)) {
        return Error{errc::kUsage, "no '" + format + "' prompts for " +
                                       (p == s ? "stage " + s : p + " (DP two_step mode)") +
                                       " (formats: " + util::Join(prompts.Formats(p), ", ") + ")"};
      }
    }
  }
  return Ok();
}

/// Begins (or takes up again) the run under options.key; its id. A finished run of that key is
/// an error (store.exists); an unfinished one is reset unless resuming (`*resuming`).
Result<int64_t> BeginStoredRun(const config::ProjectConfig& cfg, llm::LlmBackend* backend,
                               const PipelineOptions& options, const std::string& format,
                               const std::string& preset, bool* resuming) {
  std::string config_json = options.config_json;
  if (config_json.empty()) {
    config_json = json{{"project", cfg.source_file},
                       {"stages", options.stages},
                       {"format", format},
                       {"preset", preset},
                       {"llm", backend ? backend->Describe() : ""}}
                      .dump();
  }
  auto handle = options.store->BeginRun(options.key, config_json);
  if (!handle) return handle.error();
  if (handle->existed) {
    if (handle->status == "passed" || handle->status == "failed" || handle->status == "error") {
      return Error{errc::kStoreExists, "run " + options.key.ToString() +
                                           " is already in the store (" + handle->status + ")"};
    }
    if (!options.resume) {
      if (auto r = options.store->ResetRun(handle->id); !r) return r.error();
    }
  }
  *resuming = options.resume && handle->existed;
  return handle->id;
}

/// The run's artifact folder (given, else <work_dir>/runs/<run id>), absolute and created.
Result<std::string> MakeOutDir(const config::ProjectConfig& cfg, const std::string& given,
                               int64_t run_id) {
  std::string dir = given;
  if (dir.empty())
    dir = cfg.work_dir + "/runs/" +
          (run_id ? std::to_string(run_id) : std::to_string(util::MonotonicMs()));
  dir = std::filesystem::absolute(dir).lexically_normal().string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{errc::kIo, dir + ": " + ec.message()};
  return dir;
}

std::string StopStatus(const std::string& stop_reason) {
  if (stop_reason == "transport" || stop_reason == "harness" || stop_reason == "error")
    return "error";
  return "failed";
}

/// Adds out_dir to the run's config_json, so that `autopilot run --resume` finds the artifacts.
Result<void> RememberOutDir(store::RunStore* st, int64_t run_id, const std::string& out_dir) {
  auto q = st->db().Prepare("SELECT config_json FROM runs WHERE id = ?");
  if (!q) return q.error();
  q->Bind(1, run_id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return Ok();
  json cfg = json::parse(q->ColumnText(0), nullptr, false);
  if (!cfg.is_object()) return Ok();
  cfg["out_dir"] = out_dir;
  auto up = st->db().Prepare("UPDATE runs SET config_json = ? WHERE id = ?");
  if (!up) return up.error();
  up->Bind(1, cfg.dump()).Bind(2, run_id);
  return up->Run();
}

/// Prepares an unfinished run for resumption: the stages whose proof artifact was recorded and is
/// still in out_dir unchanged are kept (in lifecycle order, each only if the ones before it are);
/// everything the other stages recorded is removed so that they run again from attempt 1.
Result<std::vector<std::string>> ResumeRun(store::RunStore* st, int64_t run_id,
                                           const std::string& out_dir) {
  std::vector<std::string> kept;
  bool chain_intact = true;
  for (const StageDef& def : Stages()) {
    const std::string stage = def.name;
    bool keep = false;
    if (chain_intact) {
      auto q = st->db().Prepare(
          "SELECT sha256 FROM artifacts WHERE run_id = ? AND attempt_id IS NULL AND name = ?");
      if (!q) return q.error();
      q->Bind(1, run_id).Bind(2, std::string(def.proof));
      auto row = q->Step();
      if (!row) return row.error();
      if (*row) {
        auto bytes = util::ReadFile(out_dir + "/" + def.proof);
        keep = bytes && util::Sha256Hex(*bytes) == q->ColumnText(0);
      }
    }
    // A stage that was never requested has no proof; it does not break the chain.
    auto any = st->db().Prepare(
        "SELECT COUNT(*) FROM attempts WHERE run_id = ? AND (stage = ? OR stage LIKE ?)");
    if (!any) return any.error();
    any->Bind(1, run_id).Bind(2, stage).Bind(3, stage + ".%");
    auto arow = any->Step();
    if (!arow) return arow.error();
    bool ran = *arow && any->ColumnInt(0) > 0;
    if (keep) {
      kept.emplace_back(stage);
      continue;
    }
    if (ran) chain_intact = false;
  }
  auto body = [&]() -> Result<void> {
    for (const StageDef& def : Stages()) {
      const std::string stage = def.name;
      if (std::find(kept.begin(), kept.end(), stage) != kept.end()) continue;
      auto del =
          st->db().Prepare("DELETE FROM attempts WHERE run_id = ? AND (stage = ? OR stage LIKE ?)");
      if (!del) return del.error();
      del->Bind(1, run_id).Bind(2, stage).Bind(3, stage + ".%");
      if (auto r = del->Run(); !r) return r;
      std::vector<std::string> recorded;
      for (const auto& o : def.outputs) recorded.emplace_back(o.name);
      recorded.insert(recorded.end(), def.also_recorded.begin(), def.also_recorded.end());
      for (const auto& name : recorded) {
        auto da = st->db().Prepare(
            "DELETE FROM artifacts WHERE run_id = ? AND attempt_id IS NULL AND name = ?");
        if (!da) return da.error();
        da->Bind(1, run_id).Bind(2, name);
        if (auto r = da->Run(); !r) return r;
      }
    }
    auto up = st->db().Prepare(
        "UPDATE runs SET status = 'running', code = NULL, finished_at = NULL WHERE id = ?");
    if (!up) return up.error();
    up->Bind(1, run_id);
    return up->Run();
  };
  if (auto r = st->InTransaction(body); !r) return r.error();
  return kept;
}

/// Fills `rep` and returns true when the stage is not run now: not requested (the reference's
/// inputs serve), an earlier stage failed, it passed before an interruption (its outputs are
/// taken up again), or a stop was asked for.
bool NotRunNow(const StageDef& def, const PipelineOptions& options, bool ok,
               const std::vector<std::string>& kept, const std::string& out, StageInputs* inputs,
               PipelineResult* result, StageReport* rep) {
  const std::string st = def.name;
  if (!Requested(options.stages, st)) {
    rep->skipped = true;
    rep->passed = true;
    rep->message = "not requested: inputs from the reference artifacts";
    return true;
  }
  if (!ok) {
    rep->stop_reason = "error";
    rep->message =
        result->interrupted ? "not run: interrupted" : "not run: an earlier stage failed";
    return true;
  }
  if (std::find(kept.begin(), kept.end(), st) != kept.end()) {
    rep->passed = true;
    rep->resumed = true;
    rep->stop_reason = "passed";
    rep->message = "passed before the interruption; kept";
    for (const StageOutput& o : def.outputs) {
      if (o.feeds) inputs->*o.feeds = out + "/" + o.name;
    }
    return true;
  }
  if (options.stop && options.stop->load()) {
    rep->stop_reason = "interrupted";
    rep->code = "harness.interrupted";
    rep->message = "not run: interrupted";
    result->interrupted = true;
    return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> StageNames() {
  std::vector<std::string> names;
  for (const StageDef& def : Stages()) names.emplace_back(def.name);
  return names;
}

Result<std::vector<std::string>> ParseStages(const std::string& list) {
  std::vector<std::string> wanted;
  for (auto& part : util::Split(list, ',')) {
    std::string s = util::ToLower(util::Trim(part));
    if (s.empty()) continue;
    bool known = false;
    known = FindStage(s) != nullptr;
    if (!known)
      return Error{errc::kUsage,
                   "unknown stage '" + s + "' (stages: " + util::Join(StageNames(), ", ") + ")"};
    wanted.push_back(s);
  }
  if (wanted.empty())
    return Error{errc::kUsage, "no stages given (stages: " + util::Join(StageNames(), ", ") + ")"};
  std::vector<std::string> ordered;
  for (const StageDef& def : Stages()) {
    if (Requested(wanted, def.name)) ordered.emplace_back(def.name);
  }
  return ordered;
}

Result<PipelineResult> RunPipeline(const config::ProjectConfig& cfg, llm::LlmBackend* backend,
                                   const PipelineOptions& options) {
  const int64_t run_t0 = util::MonotonicMs();
  const std::string format = options.format.empty() ? cfg.prompt_format : options.format;
  const std::string preset = options.preset.empty() ? cfg.llm.preset : options.preset;
  auto sampling = llm::PresetSampling(preset);
  if (!sampling) return sampling.error();
  auto prompts = prompt::PromptLibrary::LoadDefault();
  if (!prompts) return Error{errc::kEnv, prompts.error().message};
  if (auto r = CheckPrompts(*prompts, options.stages, format, cfg.dp_mode == "two_step"); !r)
    return r.error();
  bool needs_llm =
      std::any_of(options.stages.begin(), options.stages.end(), [](const std::string& s) {
        const StageDef* def = FindStage(s);
        return def && def->prompt_stage;
      });
  if (needs_llm && backend == nullptr)
    return Error{errc::kUsage, "an LLM is needed for stages other than train"};

  PipelineResult result;
  bool resuming = false;
  if (options.store) {
    auto begun = BeginStoredRun(cfg, backend, options, format, preset, &resuming);
    if (!begun) return begun.error();
    result.run_id = *begun;
  }
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  // A store write that fails (a locked or full store) does not stop the run, but it is never
  // dropped: it is said, and listed in the result, and `run` exits non-zero for it.
  auto note_store = [&](const auto& r) {
    if (r) return;
    result.store_errors.push_back(r.error().code + ": " + r.error().message);
    say("store: cannot record (" + r.error().code + "): " + r.error().message);
  };
  auto finish = [&](const std::string& status, const std::string& code) {
    if (options.store && result.run_id)
      note_store(options.store->FinishRun(result.run_id, status, code));
  };

  // The edge stages use the project's own detector and video, not the colour case's reference.
  const bool only_edge = std::all_of(options.stages.begin(), options.stages.end(),
                                     [](const std::string& s) { return stage::IsEdgeStage(s); });
  auto ref = only_edge ? Result<stage::ReferenceArtifacts>(stage::ReferenceArtifacts{})
                       : stage::EnsureReference(cfg);
  if (!ref) {
    // A setup problem, not an outcome: left unfinished so that a rerun of a sweep redoes it.
    finish("interrupted", "env.misconfigured");
    return ref.error();
  }
  auto out_dir = MakeOutDir(cfg, options.out_dir, result.run_id);
  if (!out_dir) {
    finish("interrupted", "env.misconfigured");
    return out_dir.error();
  }
  result.out_dir = *out_dir;
  if (options.store && result.run_id)
    note_store(RememberOutDir(options.store, result.run_id, result.out_dir));
  std::vector<std::string> kept;  // stages that passed before an interruption, artifacts intact
  if (resuming) {
    auto k = ResumeRun(options.store, result.run_id, result.out_dir);
    if (!k) return k.error();
    kept = *k;
  }

  exec::SandboxRunner default_runner;
  exec::ProcessRunner* runner = options.runner ? options.runner : &default_runner;
  Recorder recorder{options.store, result.run_id, {}, {}};
  recorder.on_store_error = [&](const Error& e) { note_store(Result<void>(e)); };
  recorder.observer = [&](const std::string& stage_name, const Attempt& a) {
    std::string verdict = a.passed ? "passed" : "failed";
    for (const auto& l : a.layers) {
      if (!l.passed) {
        verdict += " at " + l.layer + " (" + a.primary_code + ")";
        break;
      }
    }
    say(stage_name + ": attempt " + std::to_string(a.number) + " " + verdict);
  };

  const std::string& out = result.out_dir;
  bool ok = true;
  std::string final_code;
  std::string final_status = "passed";

  auto budget_for = [&](int64_t attempts) {
    Budget b;
    b.max_attempts = static_cast<int>(attempts);
    b.stop = options.stop;
    if (cfg.budgets.max_tokens > 0)
      b.max_tokens = std::max<int64_t>(1, cfg.budgets.max_tokens - result.tokens);
    if (cfg.budgets.max_cost_usd > 0)
      b.max_cost_usd = std::max(1e-9, cfg.budgets.max_cost_usd - result.cost_usd);
    if (cfg.budgets.max_time_s > 0) {
      b.max_time_s =
          std::max(0.001, cfg.budgets.max_time_s -
                              static_cast<double>(util::MonotonicMs() - run_t0) / 1000.0);
    }
    return b;
  };
  // Inputs flow from stage to stage; skipped stages take the reference's.
  StageInputs inputs{ref->train_csv, ref->test_csv, ref->float_model, ref->int8_model};
  const StageDef* current = nullptr;
  bool published = false;
  StageRun ctx{cfg, *ref, *sampling, runner, out, inputs, nullptr, nullptr, nullptr, nullptr, say};
  ctx.run_llm = [&](const StageSpec& spec, int64_t attempts, StageReport* rep) {
    return RunLlmStage(spec, *prompts, format, backend, budget_for(attempts), recorder, out, rep,
                       &result);
  };
  ctx.record_file = [&](const std::string& kind, const std::string& name) {
    if (!options.store || !result.run_id) return;
    auto content = util::ReadFile(out + "/" + name);
    if (content)
      note_store(options.store->RecordArtifact(result.run_id, std::nullopt, kind, name, *content));
  };
  ctx.record_tool_attempt = [&](const std::string& stage, const LayerResult& layer,
                                const StageReport& rep) {
    if (options.store && result.run_id)
      note_store(RecordToolAttempt(options.store, result.run_id, stage, layer, rep));
  };
  ctx.publish = [&](StageReport* rep) {
    published = true;
    for (const StageOutput& o : current->outputs) {
      if (o.feeds) inputs.*o.feeds = out + "/" + o.name;
      if (std::find(rep->artifacts.begin(), rep->artifacts.end(), o.name) == rep->artifacts.end()) {
        rep->artifacts.emplace_back(o.name);
      }
      ctx.record_file(o.kind, o.name);
    }
  };

  for (const StageDef& def : Stages()) {
    StageReport rep;
    rep.stage = def.name;
    const std::string st = def.name;
    // The edge stages feed nothing: a run that did not ask for one does not list it.
    if (stage::IsEdgeStage(def.name) && !Requested(options.stages, def.name)) continue;
    if (NotRunNow(def, options, ok, kept, out, &inputs, &result, &rep)) {
      if (rep.resumed) say(st + ": " + rep.message);
      if (rep.stop_reason == "interrupted") ok = false;
      result.stages.push_back(rep);
      continue;
    }
    say(st + ": started");
    current = &def;
    published = false;
    if (def.run(ctx, &rep) && !published) ctx.publish(&rep);
    say(st + ": " + (rep.passed ? "passed" : "FAILED") + " — " + rep.message);
    if (!rep.passed && rep.stop_reason == "interrupted") {
      rep.code = "harness.interrupted";
      rep.message = "interrupted after " + std::to_string(rep.attempts) + " attempt(s)";
      result.interrupted = true;
    }
    if (!rep.passed) {
      ok = false;
      final_code = rep.code;
      final_status = result.interrupted ? "interrupted" : StopStatus(rep.stop_reason);
    }
    result.stages.push_back(rep);
  }
  result.passed = ok;
  result.wall_ms = util::MonotonicMs() - run_t0;
  finish(final_status, final_code);
  return result;
}

}  // namespace autopilot::pipeline
