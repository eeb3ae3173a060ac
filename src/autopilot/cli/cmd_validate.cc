// autopilot validate --stage dp|mc|sg --project PROJECT.yaml FILE [--json]
// The validator chain of a stage on code a user already has: no LLM involved.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "autopilot/board/board_run.h"
#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/stage/dp_checks.h"
#include "autopilot/stage/mc_checks.h"
#include "autopilot/stage/python_checks.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"
#include "autopilot/validate/sketch_static.h"

namespace autopilot::cli {
namespace {

using validate::LayerResult;

struct ValidateOptions {
  std::string stage;
  std::string project;
  std::string file;
};

/// Modules a generated data/conversion script may import.
const std::vector<std::string>& AllowedPythonModules() {
  static const std::vector<std::string> kModules = {
      "pandas", "numpy", "sklearn", "scipy", "os", "sys", "json", "math", "csv", "pathlib",
      "random", "collections", "itertools", "re", "typing", "dataclasses", "shutil", "struct",
      "statistics", "functools", "warnings", "argparse", "time", "datetime", "flatbuffers",
      "tensorflow", "keras", "autopilot_tflite"};
  return kModules;
}

/// Format layer: the file as code, or the program extracted from a raw reply.
LayerResult FormatLayer(const std::string& text, const std::string& path, extract::Lang lang,
                        std::string* code) {
  LayerResult layer;
  layer.layer = "format";
  bool is_code = util::EndsWith(path, ".py") || util::EndsWith(path, ".ino") ||
                 util::EndsWith(path, ".cpp");
  if (is_code) {
    *code = text;
  } else {
    auto ex = extract::Extract(text, lang);
    if (!ex.ok) {
      layer.passed = false;
      layer.diagnostics.push_back({"format", ex.error_code, ex.message, path, {}, ""});
      return layer;
    }
    *code = ex.code;
  }
  static const char* kPlaceholders[] = {"/path/to/", "path_to_", "<YOUR_", "{decide_", "TODO: fill"};
  for (const char* p : kPlaceholders) {
    size_t at = code->find(p);
    if (at == std::string::npos) continue;
    int line = 1 + static_cast<int>(std::count(code->begin(), code->begin() + static_cast<long>(at), '\n'));
    layer.passed = false;
    layer.diagnostics.push_back({"format", "format.placeholder_left",
                                 std::string("placeholder '") + p + "' left in the code", path, line,
                                 "use the concrete paths and names from the prompt"});
    break;
  }
  return layer;
}

std::vector<LayerResult> RunDp(const config::ProjectConfig& cfg, const stage::ReferenceArtifacts& ref,
                               const std::string& code, exec::ProcessRunner* runner) {
  std::vector<LayerResult> out;
  out.push_back(stage::CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  auto dir = util::MakeTempDir("autopilot-dp-");
  if (!dir) return out;
  util::WriteFileAtomic(*dir + "/raw.csv", *util::ReadFile(ref.raw_csv)).ok();
  util::WriteFileAtomic(*dir + "/script.py", code).ok();
  int64_t started = stage::FileClockNowNs(*dir);
  out.push_back(stage::RunPythonScript("dp", *dir, "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (out.back().passed) {
    stage::DpContract c{*dir + "/raw.csv", *dir + "/train.csv", *dir + "/test.csv", cfg.dataset};
    out.push_back(stage::CheckDpOutputs(c, started));
  }
  util::RemoveTree(*dir);
  return out;
}

std::vector<LayerResult> RunMc(const config::ProjectConfig& cfg, const stage::ReferenceArtifacts& ref,
                               const std::string& code, exec::ProcessRunner* runner) {
  std::vector<LayerResult> out;
  out.push_back(stage::CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  auto dir = util::MakeTempDir("autopilot-mc-");
  if (!dir) return out;
  util::WriteFileAtomic(*dir + "/float_model.tflite", *util::ReadFile(ref.float_model)).ok();
  util::WriteFileAtomic(*dir + "/representative.csv", *util::ReadFile(ref.train_csv)).ok();
  util::WriteFileAtomic(*dir + "/script.py", code).ok();
  int64_t started = stage::FileClockNowNs(*dir);
  out.push_back(stage::RunPythonScript("mc", *dir, "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (out.back().passed) {
    stage::McContract c;
    c.output_model = *dir + "/model_int8.tflite";
    c.float_model = ref.float_model;
    c.test_csv = ref.test_csv;
    c.feature_names = cfg.dataset.feature_names;
    c.label = cfg.dataset.label;
    c.classes = cfg.dataset.classes;
    c.input_dtype = cfg.model.input_dtype;
    c.output_dtype = cfg.model.output_dtype;
    c.accuracy_tolerance = cfg.model.accuracy_tolerance;
    c.flash_kb = cfg.model.flash_kb;
    out.push_back(stage::CheckMcOutput(c, started, nullptr));
  }
  util::RemoveTree(*dir);
  return out;
}

std::vector<LayerResult> RunSg(const config::ProjectConfig& cfg, const stage::ReferenceArtifacts& ref,
                               const std::string& code, exec::ProcessRunner* runner) {
  std::vector<LayerResult> out;
  auto profile = board::LoadProfile(cfg.board.profile);
  if (!profile) {
    out.push_back({"static", false, {{"static", "env.misconfigured", profile.error().message, "", {}, ""}}, 0});
    return out;
  }
  int64_t t0 = util::MonotonicMs();
  auto facts = validate::ModelFactsFromTflite(ref.int8_model, *profile, cfg.model.header_symbol);
  if (!facts) {
    out.push_back({"static", false, {{"static", "harness.bug", facts.error().message, "", {}, ""}}, 0});
    return out;
  }
  auto st = validate::ValidateSketchStatic(code, *facts, *profile, "sketch.ino");
  if (!st) {
    out.push_back({"static", false, {{"static", "harness.bug", st.error().message, "", {}, ""}}, 0});
    return out;
  }
  st->duration_ms = util::MonotonicMs() - t0;
  out.push_back(*st);
  if (!st->passed) return out;

  auto dir = util::MakeTempDir("autopilot-sg-");
  if (!dir) return out;
  std::string sketch = *dir + "/sketch.ino";
  util::WriteFileAtomic(sketch, code).ok();
  board::BuildRequest req;
  req.sketch_path = sketch;
  req.model_tflite = ref.int8_model;
  req.symbol = cfg.model.header_symbol;
  LayerResult build{"build", true, {}, 0};
  auto b = board::BuildSketch(*profile, req, runner);
  if (!b) {
    build.passed = false;
    build.diagnostics.push_back({"build", "harness.bug", b.error().message, "", {}, ""});
  } else {
    build.duration_ms = b->build_ms;
    build.passed = b->compiled;
    for (const auto& d : b->diagnostics) {
      if (d.code.empty()) continue;
      build.diagnostics.push_back({"build", d.code, d.message, "sketch.ino", d.line, ""});
    }
  }
  out.push_back(build);
  if (b && b->compiled) {
    board::RunOptions ro;
    ro.scenario_path = ref.scenario_csv;
    ro.classes = cfg.dataset.classes;
    auto r = board::RunSketch(*b, ro, runner);
    LayerResult run{"run", true, {}, 0};
    LayerResult sem{"semantic", true, {}, 0};
    if (!r) {
      run.passed = false;
      run.diagnostics.push_back({"run", "harness.bug", r.error().message, "", {}, ""});
    } else {
      run.duration_ms = r->run_ms;
      run.passed = r->ran;
      if (!r->ran) {
        for (const auto& c : r->codes) run.diagnostics.push_back({"run", c, r->reason, "sketch.ino", {}, ""});
      } else {
        sem.passed = r->verdict == "pass";
        for (const auto& s : r->samples) {
          if (s.verdict == "pass") continue;
          sem.diagnostics.push_back({"semantic", s.verdict,
                                     "sample " + std::to_string(s.index) + ": expected " + s.expected +
                                         ", reported '" + s.reported + "'" + (s.invoked ? "" : ", no Invoke()") +
                                         (s.input_ok || !s.invoked ? "" : ", wrong input"),
                                     "", {}, ""});
        }
      }
    }
    out.push_back(run);
    if (run.passed) out.push_back(sem);
  }
  if (b) board::RemoveBuild(*b);
  util::RemoveTree(*dir);
  return out;
}

}  // namespace

CommandRunner SetupValidate(CLI::App* sub, GlobalOptions* globals) {
  sub->description(
      "Run a stage's validator chain (format → static → build → run → semantic) on code you "
      "already have — a script, a sketch, or a raw LLM reply to extract it from. No LLM is "
      "involved: the reference artifacts (split, float and int8 models, sensor scenario) are made "
      "from the project's dataset by the built-in path. Exit 0 when every layer passes.");
  auto o = std::make_shared<ValidateOptions>();
  sub->add_option("--stage", o->stage, "dp, mc or sg")->required()->check(CLI::IsMember({"dp", "mc", "sg"}));
  sub->add_option("--project", o->project, "Project file (autopilot.yaml)")->required();
  sub->add_option("file", o->file, "Script, sketch, or raw reply")->required();
  return [globals, o]() -> int {
    auto cfg = config::LoadProjectConfig(o->project);
    if (!cfg) {
      ReportError(globals->json, cfg.error());
      return kExitUsage;
    }
    auto text = util::ReadFile(o->file);
    if (!text) {
      ReportError(globals->json, Error{"usage", text.error().message});
      return kExitUsage;
    }
    auto ref = stage::BuildReference(*cfg, cfg->work_dir + "/reference");
    if (!ref) {
      ReportError(globals->json, ref.error());
      return ref.error().code == "config" ? kExitUsage : kExitFailed;
    }
    extract::Lang lang = o->stage == "sg" ? extract::Lang::kCpp : extract::Lang::kPython;
    std::string code;
    std::vector<LayerResult> layers{FormatLayer(*text, o->file, lang, &code)};
    exec::SandboxRunner runner;
    if (layers[0].passed) {
      auto rest = o->stage == "dp" ? RunDp(*cfg, *ref, code, &runner)
                  : o->stage == "mc" ? RunMc(*cfg, *ref, code, &runner)
                                     : RunSg(*cfg, *ref, code, &runner);
      layers.insert(layers.end(), rest.begin(), rest.end());
    }
    bool passed = std::all_of(layers.begin(), layers.end(), [](const LayerResult& l) { return l.passed; });
    std::vector<std::string> codes;
    for (const auto& l : layers) {
      for (const auto& d : l.diagnostics) {
        if (std::find(codes.begin(), codes.end(), d.code) == codes.end()) codes.push_back(d.code);
      }
    }
    if (globals->json) {
      nlohmann::ordered_json doc{{"stage", o->stage}, {"passed", passed}, {"codes", codes}};
      doc["layers"] = nlohmann::ordered_json::array();
      for (const auto& l : layers) {
        nlohmann::ordered_json lj{{"layer", l.layer}, {"passed", l.passed}, {"duration_ms", l.duration_ms}};
        lj["diagnostics"] = nlohmann::ordered_json::array();
        for (const auto& d : l.diagnostics) {
          lj["diagnostics"].push_back({{"code", d.code}, {"message", d.message}, {"file", d.file},
                                       {"line", d.line ? nlohmann::ordered_json(*d.line) : nullptr},
                                       {"hint", d.hint}});
        }
        doc["layers"].push_back(lj);
      }
      PrintJson(doc);
    } else {
      for (const auto& l : layers) {
        std::cout << l.layer << ": " << (l.passed ? "pass" : "FAIL") << "\n";
        for (const auto& d : l.diagnostics) {
          std::cout << "  " << d.code << ": " << (d.line ? d.file + ":" + std::to_string(*d.line) + ": " : "")
                    << d.message << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
        }
      }
      std::cout << "verdict: " << (passed ? "pass" : "fail") << "\n";
    }
    return passed ? kExitOk : kExitFailed;
  };
}

}  // namespace autopilot::cli
