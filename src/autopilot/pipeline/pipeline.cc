#include "autopilot/pipeline/pipeline.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "autopilot/pipeline/attempt_loop.h"
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

/// The train stage: the built-in trainer on the training split, or the provided float model.
LayerResult TrainStage(const config::ProjectConfig& cfg, const std::string& train_csv, const std::string& test_csv,
                       const std::string& out_model, std::string* message) {
  LayerResult layer{"semantic", true, {}, 0};
  const int64_t t0 = util::MonotonicMs();
  auto fail = [&](const std::string& code, const std::string& msg) {
    layer.passed = false;
    layer.diagnostics.push_back({"semantic", code, msg, "", {}, ""});
    layer.duration_ms = util::MonotonicMs() - t0;
    *message = msg;
    return layer;
  };
  if (!cfg.model.float_model.empty()) {
    const std::string& src = cfg.model.float_model;
    if (util::EndsWith(src, ".keras")) {
      auto m = tflite::LoadKerasModel(src);
      if (!m) return fail("semantic.artifact_invalid", src + ": " + m.error().message);
      if (auto r = tflite::SaveModel(*m, out_model); !r) return fail("harness.bug", r.error().message);
    } else {
      auto m = tflite::LoadModel(src);
      if (!m) return fail("semantic.artifact_invalid", src + ": " + m.error().message);
      auto bytes = util::ReadFile(src);
      if (!bytes || !util::WriteFileAtomic(out_model, *bytes)) return fail("harness.bug", "cannot copy " + src);
    }
    *message = "provided float model " + src;
  } else {
    auto table = tflite::ReadCsv(train_csv);
    if (!table) return fail("semantic.artifact_invalid", table.error().message);
    auto x = tflite::ExtractFeatures(*table, cfg.dataset.feature_names);
    if (!x) return fail("semantic.artifact_invalid", x.error().message);
    std::vector<std::string> classes = cfg.dataset.classes;
    auto y = tflite::ExtractLabels(*table, cfg.dataset.label, &classes);
    if (!y) return fail("semantic.artifact_invalid", y.error().message);
    tflite::TrainOptions opts;
    opts.hidden.assign(cfg.model.hidden.begin(), cfg.model.hidden.end());
    opts.seed = static_cast<uint64_t>(cfg.model.train_seed);
    auto trained = tflite::TrainMlp(*x, *y, cfg.dataset.feature_names, classes, opts);
    if (!trained) return fail("harness.bug", trained.error().message);
    if (auto r = tflite::SaveModel(trained->model, out_model); !r) return fail("harness.bug", r.error().message);
    char buf[96];
    std::snprintf(buf, sizeof buf, "built-in trainer: train accuracy %.3f", trained->train_accuracy);
    *message = buf;
  }
  auto acc = stage::ModelAccuracy(out_model, test_csv, cfg.dataset.feature_names, cfg.dataset.label,
                                  cfg.dataset.classes);
  if (!acc) return fail("semantic.artifact_invalid", "float model does not fit the data: " + acc.error().message);
  char buf[64];
  std::snprintf(buf, sizeof buf, ", test accuracy %.3f", *acc);
  *message += buf;
  layer.duration_ms = util::MonotonicMs() - t0;
  return layer;
}

int64_t CsvRows(const std::string& path) {
  auto t = tflite::ReadCsv(path);
  return t ? static_cast<int64_t>(t->rows.size()) : 0;
}

std::string StopStatus(const std::string& stop_reason) {
  if (stop_reason == "transport" || stop_reason == "harness" || stop_reason == "error") return "error";
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

/// The artifact a stage records when it passes (the proof that it finished).
const char* StageProof(const std::string& stage) {
  if (stage == "dp") return "test.csv";
  if (stage == "train") return "float_model.tflite";
  if (stage == "mc") return "model_int8.tflite";
  return "sketch/sketch.ino";
}

/// Prepares an unfinished run for resumption: the stages whose proof artifact was recorded and is
/// still in out_dir unchanged are kept (in lifecycle order, each only if the ones before it are);
/// everything the other stages recorded is removed so that they run again from attempt 1.
Result<std::vector<std::string>> ResumeRun(store::RunStore* st, int64_t run_id, const std::string& out_dir) {
  std::vector<std::string> kept;
  bool chain_intact = true;
  for (const char* stage : kAllStages) {
    bool keep = false;
    if (chain_intact) {
      auto q = st->db().Prepare("SELECT sha256 FROM artifacts WHERE run_id = ? AND attempt_id IS NULL AND name = ?");
      if (!q) return q.error();
      q->Bind(1, run_id).Bind(2, std::string(StageProof(stage)));
      auto row = q->Step();
      if (!row) return row.error();
      if (*row) {
        auto bytes = util::ReadFile(out_dir + "/" + StageProof(stage));
        keep = bytes && util::Sha256Hex(*bytes) == q->ColumnText(0);
      }
    }
    // A stage that was never requested has no proof; it does not break the chain.
    auto any = st->db().Prepare("SELECT COUNT(*) FROM attempts WHERE run_id = ? AND (stage = ? OR stage LIKE ?)");
    if (!any) return any.error();
    any->Bind(1, run_id).Bind(2, std::string(stage)).Bind(3, std::string(stage) + ".%");
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
    for (const char* stage : kAllStages) {
      if (std::find(kept.begin(), kept.end(), stage) != kept.end()) continue;
      auto del = st->db().Prepare("DELETE FROM attempts WHERE run_id = ? AND (stage = ? OR stage LIKE ?)");
      if (!del) return del.error();
      del->Bind(1, run_id).Bind(2, std::string(stage)).Bind(3, std::string(stage) + ".%");
      if (auto r = del->Run(); !r) return r;
      static const std::map<std::string, std::vector<std::string>> kOutputs = {
          {"dp", {"train.csv", "test.csv"}}, {"train", {"float_model.tflite"}},
          {"mc", {"model_int8.tflite", "model.h"}}, {"sg", {"sketch/sketch.ino"}}};
      for (const auto& name : kOutputs.at(stage)) {
        auto da = st->db().Prepare("DELETE FROM artifacts WHERE run_id = ? AND attempt_id IS NULL AND name = ?");
        if (!da) return da.error();
        da->Bind(1, run_id).Bind(2, name);
        if (auto r = da->Run(); !r) return r;
      }
    }
    auto up = st->db().Prepare("UPDATE runs SET status = 'running', code = NULL, finished_at = NULL WHERE id = ?");
    if (!up) return up.error();
    up->Bind(1, run_id);
    return up->Run();
  };
  if (auto r = st->InTransaction(body); !r) return r.error();
  return kept;
}

}  // namespace

Result<std::vector<std::string>> ParseStages(const std::string& list) {
  std::vector<std::string> wanted;
  for (auto& part : util::Split(list, ',')) {
    std::string s = util::ToLower(util::Trim(part));
    if (s.empty()) continue;
    bool known = false;
    for (const char* k : kAllStages) known = known || s == k;
    if (!known) return Error{"usage", "unknown stage '" + s + "' (stages: dp, train, mc, sg)"};
    wanted.push_back(s);
  }
  if (wanted.empty()) return Error{"usage", "no stages given (stages: dp, train, mc, sg)"};
  std::vector<std::string> ordered;
  for (const char* k : kAllStages) {
    if (Requested(wanted, k)) ordered.emplace_back(k);
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
  if (!prompts) return Error{"env.misconfigured", prompts.error().message};
  const bool two_step = cfg.dp_mode == "two_step";
  for (const auto& s : options.stages) {
    if (s == "train") continue;
    std::vector<std::string> needed = {s};
    if (s == "dp" && two_step) needed = {"dp_plan", "dp_op"};
    for (const auto& p : needed) {
      if (!prompts->Has(p, format)) {
        return Error{"usage", "no '" + format + "' prompts for " + (p == s ? "stage " + s : p + " (DP two_step mode)") +
                                  " (formats: " + util::Join(prompts->Formats(p), ", ") + ")"};
      }
    }
  }
  bool needs_llm = std::any_of(options.stages.begin(), options.stages.end(),
                               [](const std::string& s) { return s != "train"; });
  if (needs_llm && backend == nullptr) return Error{"usage", "an LLM is needed for stages other than train"};

  PipelineResult result;
  bool resuming = false;
  // The run in the store.
  if (options.store) {
    std::string config_json = options.config_json;
    if (config_json.empty()) {
      config_json = json{{"project", cfg.source_file}, {"stages", options.stages}, {"format", format},
                         {"preset", preset}, {"llm", backend ? backend->Describe() : ""}}
                        .dump();
    }
    auto handle = options.store->BeginRun(options.key, config_json);
    if (!handle) return handle.error();
    if (handle->existed) {
      if (handle->status == "passed" || handle->status == "failed" || handle->status == "error") {
        return Error{"store.exists", "run " + options.key.ToString() + " is already in the store (" +
                                         handle->status + ")"};
      }
      if (!options.resume) {
        if (auto r = options.store->ResetRun(handle->id); !r) return r.error();
      }
    }
    result.run_id = handle->id;
    resuming = options.resume && handle->existed;
  }
  auto finish = [&](const std::string& status, const std::string& code) {
    if (options.store && result.run_id) (void)options.store->FinishRun(result.run_id, status, code);
  };

  auto ref = stage::EnsureReference(cfg);
  if (!ref) {
    // A setup problem, not an outcome: left unfinished so that a rerun of a sweep redoes it.
    finish("interrupted", "env.misconfigured");
    return ref.error();
  }
  result.out_dir = options.out_dir;
  if (result.out_dir.empty()) {
    result.out_dir = cfg.work_dir + "/runs/" +
                     (result.run_id ? std::to_string(result.run_id) : std::to_string(util::MonotonicMs()));
  }
  result.out_dir = std::filesystem::absolute(result.out_dir).lexically_normal().string();
  std::error_code ec;
  std::filesystem::create_directories(result.out_dir, ec);
  if (ec) {
    finish("interrupted", "env.misconfigured");
    return Error{"io", result.out_dir + ": " + ec.message()};
  }

  if (options.store && result.run_id) (void)RememberOutDir(options.store, result.run_id, result.out_dir);
  std::vector<std::string> kept;  // stages that passed before an interruption, artifacts intact
  if (resuming) {
    auto k = ResumeRun(options.store, result.run_id, result.out_dir);
    if (!k) return k.error();
    kept = *k;
  }

  exec::SandboxRunner default_runner;
  exec::ProcessRunner* runner = options.runner ? options.runner : &default_runner;
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  Recorder recorder{options.store, result.run_id, {}};
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

  // Inputs flow from stage to stage; skipped stages take the reference's.
  std::string train_csv = ref->train_csv, test_csv = ref->test_csv;
  std::string float_model = ref->float_model, int8_model = ref->int8_model;
  const std::string& out = result.out_dir;
  bool ok = true;
  std::string final_code;
  std::string final_status = "passed";

  auto budget_for = [&](int64_t attempts) {
    Budget b;
    b.max_attempts = static_cast<int>(attempts);
    b.stop = options.stop;
    if (cfg.budgets.max_tokens > 0) b.max_tokens = std::max<int64_t>(1, cfg.budgets.max_tokens - result.tokens);
    if (cfg.budgets.max_cost_usd > 0) b.max_cost_usd = std::max(1e-9, cfg.budgets.max_cost_usd - result.cost_usd);
    if (cfg.budgets.max_time_s > 0) {
      b.max_time_s = std::max(0.001, cfg.budgets.max_time_s - static_cast<double>(util::MonotonicMs() - run_t0) / 1000.0);
    }
    return b;
  };
  auto run_llm_stage = [&](StageSpec spec, int64_t attempts, StageReport* rep) {
    const int64_t t0 = util::MonotonicMs();
    StageOutcome o = RunStage(spec, *prompts, format, backend, budget_for(attempts), recorder);
    // Sub-steps (DP two_step) add up into the stage's report.
    rep->passed = o.passed;
    rep->stop_reason = o.stop_reason;
    rep->attempts += static_cast<int>(o.attempts.size());
    rep->tokens += o.tokens;
    rep->cost_usd += o.cost_usd;
    for (const auto& a : o.attempts) rep->llm_ms += static_cast<int64_t>(a.llm.timing.total_s * 1000);
    if (!o.passed && !o.attempts.empty()) rep->code = o.attempts.back().primary_code;
    rep->wall_ms += util::MonotonicMs() - t0;
    result.tokens += o.tokens;
    result.cost_usd += o.cost_usd;
    // Keep the last script/sketch for people to read, whatever the verdict.
    if (!o.code.empty()) {
      const std::string ext = spec.stage == "sg" ? ".ino" : spec.lang == extract::Lang::kJson ? ".json" : ".py";
      std::string name = spec.stage == "sg" ? "sketch/sketch.ino" : spec.stage + (ext == ".py" ? "_script" : "") + ext;
      if (!o.passed) name = spec.stage + "_last_attempt" + ext;
      if (util::WriteFileAtomic(out + "/" + name, o.code)) rep->artifacts.push_back(name);
    }
    rep->message = o.passed ? "passed after " + std::to_string(rep->attempts) + " attempt(s)"
                            : "stopped (" + o.stop_reason + ") after " + std::to_string(rep->attempts) +
                                  " attempt(s), last failure " + rep->code;
    return o.passed;
  };
  auto record_file = [&](const std::string& kind, const std::string& name) {
    if (!options.store || !result.run_id) return;
    auto content = util::ReadFile(out + "/" + name);
    if (content) (void)options.store->RecordArtifact(result.run_id, std::nullopt, kind, name, *content);
  };

  for (const char* stage_name : kAllStages) {
    StageReport rep;
    rep.stage = stage_name;
    const std::string st = stage_name;
    if (!Requested(options.stages, st)) {
      rep.skipped = true;
      rep.passed = true;
      rep.message = "not requested: inputs from the reference artifacts";
      result.stages.push_back(rep);
      continue;
    }
    if (!ok) {
      rep.stop_reason = "error";
      rep.message = result.interrupted ? "not run: interrupted" : "not run: an earlier stage failed";
      result.stages.push_back(rep);
      continue;
    }
    if (std::find(kept.begin(), kept.end(), st) != kept.end()) {
      rep.passed = true;
      rep.resumed = true;
      rep.stop_reason = "passed";
      rep.message = "passed before the interruption; kept";
      if (st == "dp") train_csv = out + "/train.csv", test_csv = out + "/test.csv";
      if (st == "train") float_model = out + "/float_model.tflite";
      if (st == "mc") int8_model = out + "/model_int8.tflite";
      say(st + ": " + rep.message);
      result.stages.push_back(rep);
      continue;
    }
    if (options.stop && options.stop->load()) {
      rep.stop_reason = "interrupted";
      rep.code = "harness.interrupted";
      rep.message = "not run: interrupted";
      ok = false;
      result.interrupted = true;
      result.stages.push_back(rep);
      continue;
    }
    say(st + ": started");
    if (st == "dp" && two_step) {
      // The study's two-step mode: a JSON plan of operations, then one script per operation.
      std::vector<stage::DpOperation> plan;
      StageSpec p;
      p.stage = "dp.plan";
      p.prompt_stage = "dp_plan";
      p.lang = extract::Lang::kJson;
      p.facts = stage::DpPlanFacts(cfg);
      p.sampling = *sampling;
      p.validate = [&plan](const std::string& code) {
        return std::vector<LayerResult>{stage::DpPlanCheck(code, &plan)};
      };
      bool step_ok = run_llm_stage(p, cfg.budgets.attempts_dp, &rep);
      const std::string raw = ref->raw_csv;
      for (size_t i = 1; step_ok && i <= plan.size(); ++i) {
        StageSpec op;
        op.stage = "dp.op" + std::to_string(i);
        op.prompt_stage = "dp_op";
        op.lang = extract::Lang::kPython;
        op.facts = stage::DpOperationFacts(cfg, plan, i);
        op.sampling = *sampling;
        const size_t count = plan.size();
        op.validate = [&cfg, raw, i, count, runner, &out](const std::string& code) {
          return stage::DpOperationChain(cfg, raw, i, count, code, runner, stage::Keep{out});
        };
        say("dp: operation " + std::to_string(i) + "/" + std::to_string(count) + " " + plan[i - 1].name);
        step_ok = run_llm_stage(op, cfg.budgets.attempts_dp, &rep);
      }
      if (step_ok) {
        rep.message = "passed: plan of " + std::to_string(plan.size()) + " operation(s), " +
                      std::to_string(rep.attempts) + " attempt(s) in all";
        train_csv = out + "/train.csv";
        test_csv = out + "/test.csv";
        rep.artifacts.insert(rep.artifacts.end(), {"train.csv", "test.csv"});
        record_file("csv", "train.csv");
        record_file("csv", "test.csv");
      }
    } else if (st == "dp") {
      StageSpec spec;
      spec.stage = "dp";
      spec.lang = extract::Lang::kPython;
      spec.facts = stage::DpFacts(cfg);
      spec.sampling = *sampling;
      const std::string raw = ref->raw_csv;
      spec.validate = [&cfg, raw, runner, &out](const std::string& code) {
        return stage::DpChain(cfg, raw, code, runner, stage::Keep{out});
      };
      if (run_llm_stage(spec, cfg.budgets.attempts_dp, &rep)) {
        train_csv = out + "/train.csv";
        test_csv = out + "/test.csv";
        rep.artifacts.insert(rep.artifacts.end(), {"train.csv", "test.csv"});
        record_file("csv", "train.csv");
        record_file("csv", "test.csv");
      }
    } else if (st == "train") {
      const int64_t t0 = util::MonotonicMs();
      std::string message;
      LayerResult layer = TrainStage(cfg, train_csv, test_csv, out + "/float_model.tflite", &message);
      rep.passed = layer.passed;
      rep.attempts = 1;
      rep.stop_reason = layer.passed ? "passed" : "error";
      if (!layer.passed) rep.code = layer.diagnostics.front().code;
      rep.message = message;
      rep.wall_ms = util::MonotonicMs() - t0;
      if (options.store && result.run_id) {
        (void)options.store->InTransaction([&]() -> Result<void> {
          auto id = options.store->BeginAttempt(result.run_id, "train", 1);
          if (!id) return id.error();
          store::ValidationRecord v;
          v.attempt_id = *id;
          v.layer = "semantic";
          v.passed = layer.passed;
          v.code = rep.code;
          v.message = message;
          v.duration_ms = layer.duration_ms;
          if (auto r = options.store->RecordValidation(v); !r) return r.error();
          return options.store->FinishAttempt(*id, layer.passed ? "passed" : "failed", rep.code, {}, "", rep.wall_ms);
        });
      }
      if (layer.passed) {
        float_model = out + "/float_model.tflite";
        rep.artifacts.push_back("float_model.tflite");
        record_file("tflite", "float_model.tflite");
      }
    } else if (st == "mc") {
      StageSpec spec;
      spec.stage = "mc";
      spec.lang = extract::Lang::kPython;
      spec.facts = stage::McFacts(cfg, CsvRows(train_csv));
      spec.sampling = *sampling;
      stage::McInputs in{float_model, train_csv, test_csv};
      spec.validate = [&cfg, in, runner, &out](const std::string& code) {
        return stage::McChain(cfg, in, code, runner, stage::Keep{out});
      };
      if (run_llm_stage(spec, cfg.budgets.attempts_mc, &rep)) {
        int8_model = out + "/model_int8.tflite";
        rep.artifacts.push_back("model_int8.tflite");
        record_file("tflite", "model_int8.tflite");
        auto header = stage::ModelHeaderFor(cfg, int8_model);
        if (header && util::WriteFileAtomic(out + "/model.h", *header)) {
          rep.artifacts.push_back("model.h");
          record_file("header", "model.h");
        }
      }
    } else if (st == "sg") {
      auto facts = stage::SgFacts(cfg, int8_model);
      if (!facts) {
        rep.stop_reason = "harness";
        rep.code = "harness.bug";
        rep.message = "SG facts: " + facts.error().message;
      } else {
        StageSpec spec;
        spec.stage = "sg";
        spec.lang = extract::Lang::kCpp;
        spec.facts = *facts;
        spec.sampling = *sampling;
        stage::SgInputs in{int8_model, "", ref->scenario_csv};
        spec.validate = [&cfg, in, runner, &out](const std::string& code) {
          return stage::SgChain(cfg, in, code, runner, stage::Keep{out});
        };
        if (run_llm_stage(spec, cfg.budgets.attempts_sg, &rep)) {
          rep.artifacts.push_back("sketch/model.h");
          record_file("sketch", "sketch/sketch.ino");
        }
      }
    }
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
