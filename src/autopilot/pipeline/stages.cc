#include "autopilot/pipeline/stages.h"

#include <cstdio>
#include <filesystem>

#include "autopilot/stage/chains.h"
#include "autopilot/stage/contracts.h"
#include "autopilot/stage/edge_chain.h"
#include "autopilot/stage/edge_facts.h"
#include "autopilot/stage/facts.h"
#include "autopilot/stage/mc_checks.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/keras.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::pipeline {
namespace {

using validate::LayerResult;

// --- dp -------------------------------------------------------------------------------------

/// The study's two-step mode: a JSON plan of operations, then one script per operation.
bool RunDpTwoStep(StageRun& ctx, StageReport* rep) {
  std::vector<stage::DpOperation> plan;
  StageSpec p;
  p.stage = "dp.plan";
  p.prompt_stage = "dp_plan";
  p.lang = extract::Lang::kJson;
  p.facts = stage::DpPlanFacts(ctx.cfg);
  p.sampling = ctx.sampling;
  p.validate = [&plan](const std::string& code) {
    return std::vector<LayerResult>{stage::DpPlanCheck(code, &plan)};
  };
  bool ok = ctx.run_llm(p, ctx.cfg.budgets.attempts_dp, rep);
  const std::string raw = ctx.ref.raw_csv;
  const config::ProjectConfig& cfg = ctx.cfg;
  exec::ProcessRunner* runner = ctx.runner;
  const std::string out = ctx.out;
  for (size_t i = 1; ok && i <= plan.size(); ++i) {
    StageSpec op;
    op.stage = "dp.op" + std::to_string(i);
    op.prompt_stage = "dp_op";
    op.lang = extract::Lang::kPython;
    op.facts = stage::DpOperationFacts(cfg, plan, i);
    op.sampling = ctx.sampling;
    const size_t count = plan.size();
    op.validate = [&cfg, raw, i, count, runner, out](const std::string& code) {
      return stage::DpOperationChain(cfg, raw, i, count, code, runner, stage::Keep{out});
    };
    ctx.say("dp: operation " + std::to_string(i) + "/" + std::to_string(count) + " " +
            plan[i - 1].name);
    ok = ctx.run_llm(op, cfg.budgets.attempts_dp, rep);
  }
  if (ok) {
    rep->message = "passed: plan of " + std::to_string(plan.size()) + " operation(s), " +
                   std::to_string(rep->attempts) + " attempt(s) in all";
  }
  return ok;
}

/// The contracts (contracts: on) in a stage's facts; false (the stage stops as a harness
/// failure) when they cannot be made.
bool WithContracts(StageRun& ctx, const std::string& stage, const stage::ContractInputs& in, nlohmann::json* facts,
                   StageReport* rep) {
  auto r = stage::AddContractFacts(ctx.cfg, stage, in, facts);
  if (r) return true;
  rep->stop_reason = "harness";
  rep->code = "harness.bug";
  rep->message = stage + " contracts: " + r.error().message;
  return false;
}

bool RunDp(StageRun& ctx, StageReport* rep) {
  if (ctx.cfg.dp_mode == "two_step") return RunDpTwoStep(ctx, rep);
  StageSpec spec;
  spec.stage = "dp";
  spec.lang = extract::Lang::kPython;
  spec.facts = stage::DpFacts(ctx.cfg);
  if (!WithContracts(ctx, "dp", {"", ctx.ref.raw_csv, ""}, &spec.facts, rep)) return false;
  spec.sampling = ctx.sampling;
  const config::ProjectConfig& cfg = ctx.cfg;
  const std::string raw = ctx.ref.raw_csv;
  exec::ProcessRunner* runner = ctx.runner;
  const std::string out = ctx.out;
  spec.validate = [&cfg, raw, runner, out](const std::string& code) {
    return stage::DpChain(cfg, raw, code, runner, stage::Keep{out});
  };
  return ctx.run_llm(spec, cfg.budgets.attempts_dp, rep);
}

// --- train ------------------------------------------------------------------------------------

/// The built-in trainer on the training split, or the provided float model; then its accuracy on
/// the test split.
LayerResult Train(const config::ProjectConfig& cfg, const std::string& train_csv,
                  const std::string& test_csv, const std::string& out_model, std::string* message) {
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
      if (auto r = tflite::SaveModel(*m, out_model); !r)
        return fail("harness.bug", r.error().message);
    } else {
      auto m = tflite::LoadModel(src);
      if (!m) return fail("semantic.artifact_invalid", src + ": " + m.error().message);
      auto bytes = util::ReadFile(src);
      if (!bytes || !util::WriteFileAtomic(out_model, *bytes))
        return fail("harness.bug", "cannot copy " + src);
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
    if (auto r = tflite::SaveModel(trained->model, out_model); !r)
      return fail("harness.bug", r.error().message);
    char buf[96];
    std::snprintf(buf, sizeof buf, "built-in trainer: train accuracy %.3f",
                  trained->train_accuracy);
    *message = buf;
  }
  auto acc = stage::ModelAccuracy(out_model, test_csv, cfg.dataset.feature_names, cfg.dataset.label,
                                  cfg.dataset.classes);
  if (!acc)
    return fail("semantic.artifact_invalid",
                "float model does not fit the data: " + acc.error().message);
  char buf[64];
  std::snprintf(buf, sizeof buf, ", test accuracy %.3f", *acc);
  *message += buf;
  layer.duration_ms = util::MonotonicMs() - t0;
  return layer;
}

bool RunTrain(StageRun& ctx, StageReport* rep) {
  const int64_t t0 = util::MonotonicMs();
  std::string message;
  LayerResult layer = Train(ctx.cfg, ctx.inputs.train_csv, ctx.inputs.test_csv,
                            ctx.out + "/float_model.tflite", &message);
  rep->passed = layer.passed;
  rep->attempts = 1;
  rep->stop_reason = layer.passed ? "passed" : "error";
  if (!layer.passed) rep->code = layer.diagnostics.front().code;
  rep->message = message;
  rep->wall_ms = util::MonotonicMs() - t0;
  ctx.record_tool_attempt("train", layer, *rep);
  return layer.passed;
}

// --- mc ---------------------------------------------------------------------------------------

int64_t CsvRows(const std::string& path) {
  auto t = tflite::ReadCsv(path);
  return t ? static_cast<int64_t>(t->rows.size()) : 0;
}

bool RunMc(StageRun& ctx, StageReport* rep) {
  StageSpec spec;
  spec.stage = "mc";
  spec.lang = extract::Lang::kPython;
  spec.facts = stage::McFacts(ctx.cfg, CsvRows(ctx.inputs.train_csv));
  if (!WithContracts(ctx, "mc", {"", "", ctx.inputs.train_csv}, &spec.facts, rep)) return false;
  spec.sampling = ctx.sampling;
  const config::ProjectConfig& cfg = ctx.cfg;
  stage::McInputs in{ctx.inputs.float_model, ctx.inputs.train_csv, ctx.inputs.test_csv};
  exec::ProcessRunner* runner = ctx.runner;
  const std::string out = ctx.out;
  spec.validate = [&cfg, in, runner, out](const std::string& code) {
    return stage::McChain(cfg, in, code, runner, stage::Keep{out});
  };
  if (!ctx.run_llm(spec, cfg.budgets.attempts_mc, rep)) return false;
  ctx.publish(rep);
  // The header the sketch stage includes, made by the tool from the converted model.
  auto header = stage::ModelHeaderFor(cfg, out + "/model_int8.tflite");
  if (header && util::WriteFileAtomic(out + "/model.h", *header)) {
    rep->artifacts.push_back("model.h");
    ctx.record_file("header", "model.h");
  }
  return true;
}

// --- sg ---------------------------------------------------------------------------------------

bool RunSg(StageRun& ctx, StageReport* rep) {
  auto facts = stage::SgFacts(ctx.cfg, ctx.inputs.int8_model);
  if (!facts) {
    rep->stop_reason = "harness";
    rep->code = "harness.bug";
    rep->message = "SG facts: " + facts.error().message;
    return false;
  }
  StageSpec spec;
  spec.stage = "sg";
  spec.lang = extract::Lang::kCpp;
  spec.facts = *facts;
  if (!WithContracts(ctx, "sg", {ctx.inputs.int8_model, ctx.ref.raw_csv, ""}, &spec.facts, rep)) return false;
  spec.sampling = ctx.sampling;
  const config::ProjectConfig& cfg = ctx.cfg;
  stage::SgInputs in{ctx.inputs.int8_model, "", ctx.ref.scenario_csv, ctx.ref.raw_csv};
  exec::ProcessRunner* runner = ctx.runner;
  const std::string out = ctx.out;
  spec.validate = [&cfg, in, runner, out](const std::string& code) {
    return stage::SgChain(cfg, in, code, runner, stage::Keep{out});
  };
  if (!ctx.run_llm(spec, cfg.budgets.attempts_sg, rep)) return false;
  rep->artifacts.push_back("sketch/model.h");
  return true;
}

// --- psg, tpusg ---------------------------------------------------------------------------------

/// An edge stage: a Python detector script for the project's device, judged on the virtual
/// device. Its script and annotated video are kept in <run>/<stage>/.
bool RunEdge(StageRun& ctx, StageReport* rep, const std::string& stage, int64_t attempts) {
  auto facts = stage::EdgeFacts(ctx.cfg, stage);
  if (!facts) {
    rep->stop_reason = "error";
    rep->code = facts.error().code.empty() ? "env.misconfigured" : facts.error().code;
    rep->message = stage + " facts: " + facts.error().message;
    return false;
  }
  StageSpec spec;
  spec.stage = stage;
  spec.lang = extract::Lang::kPython;
  spec.facts = *facts;
  if (!WithContracts(ctx, stage, {}, &spec.facts, rep)) return false;
  spec.sampling = ctx.sampling;
  const config::ProjectConfig& cfg = ctx.cfg;
  exec::ProcessRunner* runner = ctx.runner;
  const std::string keep = ctx.out + "/" + stage;
  spec.validate = [&cfg, stage, runner, keep](const std::string& code) {
    return stage::EdgeChain(cfg, stage, code, runner, stage::Keep{keep});
  };
  if (!ctx.run_llm(spec, attempts, rep)) return false;
  ctx.publish(rep);
  const std::string video = stage + "/" + std::filesystem::path(cfg.edge.output.as).filename().string();
  if (util::PathExists(ctx.out + "/" + video)) {
    rep->artifacts.push_back(video);
    ctx.record_file("video", video);
  }
  return true;
}

bool RunPsg(StageRun& ctx, StageReport* rep) {
  return RunEdge(ctx, rep, "psg", ctx.cfg.budgets.attempts_psg);
}
bool RunTpusg(StageRun& ctx, StageReport* rep) {
  return RunEdge(ctx, rep, "tpusg", ctx.cfg.budgets.attempts_tpusg);
}

}  // namespace

const std::vector<StageDef>& Stages() {
  static const std::vector<StageDef> kStages = {
      {"dp",
       "dp",
       extract::Lang::kPython,
       {{"train.csv", "csv", &StageInputs::train_csv}, {"test.csv", "csv", &StageInputs::test_csv}},
       {},
       "test.csv",
       &config::BudgetSettings::attempts_dp,
       RunDp},
      {"train",
       nullptr,
       extract::Lang::kPython,
       {{"float_model.tflite", "tflite", &StageInputs::float_model}},
       {},
       "float_model.tflite",
       nullptr,
       RunTrain},
      {"mc",
       "mc",
       extract::Lang::kPython,
       {{"model_int8.tflite", "tflite", &StageInputs::int8_model}},
       {"model.h"},
       "model_int8.tflite",
       &config::BudgetSettings::attempts_mc,
       RunMc},
      {"sg",
       "sg",
       extract::Lang::kCpp,
       {{"sketch/sketch.ino", "sketch", nullptr}},
       {},
       "sketch/sketch.ino",
       &config::BudgetSettings::attempts_sg,
       RunSg},
      {"psg",
       "psg",
       extract::Lang::kPython,
       {{"psg/script.py", "script", nullptr}},
       {},
       "psg/script.py",
       &config::BudgetSettings::attempts_psg,
       RunPsg},
      {"tpusg",
       "tpusg",
       extract::Lang::kPython,
       {{"tpusg/script.py", "script", nullptr}},
       {},
       "tpusg/script.py",
       &config::BudgetSettings::attempts_tpusg,
       RunTpusg},
  };
  return kStages;
}

const StageDef* FindStage(const std::string& name) {
  for (const auto& s : Stages()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace autopilot::pipeline
