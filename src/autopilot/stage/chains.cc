#include "autopilot/stage/chains.h"

#include <algorithm>
#include <filesystem>

#include "autopilot/board/arduino_cli.h"
#include "autopilot/board/board_run.h"
#include "autopilot/board/host_build.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/profile.h"
#include "autopilot/board/size_estimate.h"
#include "autopilot/exec/which.h"
#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/dp_checks.h"
#include "autopilot/stage/failure_verdict.h"
#include "autopilot/stage/mc_checks.h"
#include "autopilot/stage/python_checks.h"
#include "autopilot/stage/scratch.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"
#include "autopilot/validate/sketch_static.h"

namespace autopilot::stage {
namespace {

using validate::Diagnostic;
using validate::LayerResult;

LayerResult Fail(const std::string& layer, const std::string& code, const std::string& message) {
  return LayerResult{layer, false, {Diagnostic{layer, code, message, "", {}, ""}}, 0};
}

/// Copies `name` from `from` into `to` (both folders); false when it cannot.
bool CopyInto(const std::string& from, const std::string& to, const std::string& name) {
  auto bytes = util::ReadFile(from + "/" + name);
  return bytes && util::WriteFileAtomic(to + "/" + name, *bytes).ok();
}

Result<void> Stage(const std::string& from, const std::string& to) {
  auto bytes = util::ReadFile(from);
  if (!bytes) return Error{errc::kHarnessBug, "cannot read input " + from + ": " + bytes.error().message};
  return util::WriteFileAtomic(to, *bytes);
}

}  // namespace

const std::vector<std::string>& AllowedPythonModules() {
  static const std::vector<std::string> kModules = {
      "pandas", "numpy", "sklearn", "scipy", "os", "sys", "json", "math", "csv", "pathlib",
      "random", "collections", "itertools", "re", "typing", "dataclasses", "shutil", "struct",
      "statistics", "functools", "warnings", "argparse", "time", "datetime", "flatbuffers",
      "tensorflow", "keras", "autopilot_tflite"};
  return kModules;
}

void CheckPlaceholders(const std::string& code, const std::string& file, LayerResult* layer) {
  static const char* kPlaceholders[] = {"/path/to/", "path_to_", "<YOUR_", "{decide_", "TODO: fill"};
  for (const char* p : kPlaceholders) {
    size_t at = code.find(p);
    if (at == std::string::npos) continue;
    int line = 1 + static_cast<int>(std::count(code.begin(), code.begin() + static_cast<long>(at), '\n'));
    layer->passed = false;
    layer->diagnostics.push_back({"format", "format.placeholder_left",
                                  std::string("placeholder '") + p + "' left in the code", file, line,
                                  "use the concrete paths and names from the prompt"});
    return;
  }
}

LayerResult FormatLayerForFile(const std::string& text, const std::string& path, extract::Lang lang,
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
  CheckPlaceholders(*code, path, &layer);
  return layer;
}

std::vector<LayerResult> DpChain(const config::ProjectConfig& cfg, const std::string& raw_csv,
                                 const std::string& code, exec::ProcessRunner* runner, const Keep& keep) {
  std::vector<LayerResult> out;
  out.push_back(CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  if (cfg.contracts.enabled) {
    out.push_back(UnitLayer(cfg, "dp", ContractInputs{"", raw_csv, ""}, code, runner));
    if (!out.back().passed) return out;
  }
  Scratch s("autopilot-dp-");
  if (s.dir().empty()) return {Fail("run", "env.misconfigured", "cannot create a scratch folder")};
  if (auto r = Stage(raw_csv, s.dir() + "/raw.csv"); !r) return {Fail("run", "harness.bug", r.error().message)};
  if (auto r = util::WriteFileAtomic(s.dir() + "/script.py", code); !r) {
    return {Fail("run", "harness.bug", r.error().message)};
  }
  int64_t started = FileClockNowNs(s.dir());
  out.push_back(RunPythonScript("dp", s.dir(), "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (!out.back().passed) return out;
  DpContract c{s.dir() + "/raw.csv", s.dir() + "/train.csv", s.dir() + "/test.csv", cfg.dataset};
  out.push_back(CheckDpOutputs(c, started));
  if (out.back().passed && !keep.dir.empty()) {
    if (!CopyInto(s.dir(), keep.dir, "train.csv") || !CopyInto(s.dir(), keep.dir, "test.csv")) {
      out.back() = Fail("semantic", "harness.bug", "cannot keep train.csv/test.csv in " + keep.dir);
    }
  }
  return out;
}

LayerResult DpPlanCheck(const std::string& json_text, std::vector<DpOperation>* plan) {
  LayerResult layer{"static", true, {}, 0};
  auto bad = [&](const std::string& msg) {
    layer.passed = false;
    layer.diagnostics.push_back({"static", "format.structured_invalid", msg, "plan.json", {},
                                 R"(reply {"operations": [{"name": "...", "description": "..."}]})"});
    return layer;
  };
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded()) return bad("the plan is not valid JSON");
  const nlohmann::json* ops = nullptr;
  if (doc.is_object() && doc.contains("operations")) ops = &doc["operations"];
  if (doc.is_array()) ops = &doc;  // a bare list is accepted: the intent is unambiguous
  if (!ops || !ops->is_array()) return bad("no \"operations\" list");
  if (ops->empty()) return bad("the plan has no operations");
  if (ops->size() > static_cast<size_t>(kMaxDpOperations)) {
    return bad("the plan has " + std::to_string(ops->size()) + " operations; at most " +
               std::to_string(kMaxDpOperations) + " are allowed");
  }
  plan->clear();
  for (size_t i = 0; i < ops->size(); ++i) {
    const auto& op = (*ops)[i];
    std::string where = "operation " + std::to_string(i + 1);
    if (!op.is_object()) return bad(where + " is not an object");
    if (!op.contains("name") || !op["name"].is_string() || util::Trim(op["name"].get<std::string>()).empty()) {
      return bad(where + " has no \"name\" string");
    }
    if (!op.contains("description") || !op["description"].is_string() ||
        util::Trim(op["description"].get<std::string>()).empty()) {
      return bad(where + " has no \"description\" string");
    }
    plan->push_back({util::Trim(op["name"].get<std::string>()), util::Trim(op["description"].get<std::string>())});
  }
  return layer;
}

std::vector<LayerResult> DpOperationChain(const config::ProjectConfig& cfg, const std::string& raw_csv, size_t index,
                                          size_t count, const std::string& code, exec::ProcessRunner* runner,
                                          const Keep& keep) {
  std::vector<LayerResult> out;
  out.push_back(CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  Scratch s("autopilot-dpop-");
  if (s.dir().empty()) return {Fail("run", "env.misconfigured", "cannot create a scratch folder")};
  if (auto r = Stage(raw_csv, s.dir() + "/raw.csv"); !r) return {Fail("run", "harness.bug", r.error().message)};
  const std::string input = DpOperationInput(index);
  if (input != "raw.csv") {
    if (auto r = Stage(keep.dir + "/" + input, s.dir() + "/" + input); !r) {
      return {Fail("run", "harness.bug", r.error().message)};
    }
  }
  if (auto r = util::WriteFileAtomic(s.dir() + "/script.py", code); !r) {
    return {Fail("run", "harness.bug", r.error().message)};
  }
  int64_t started = FileClockNowNs(s.dir());
  out.push_back(RunPythonScript("dp", s.dir(), "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (!out.back().passed) return out;
  const auto outputs = DpOperationOutputs(index, count);
  if (index >= count) {
    DpContract c{s.dir() + "/raw.csv", s.dir() + "/train.csv", s.dir() + "/test.csv", cfg.dataset};
    out.push_back(CheckDpOutputs(c, started));
  } else {
    LayerResult sem{"semantic", true, {}, 0};
    const std::string path = s.dir() + "/" + outputs[0];
    Freshness fresh = OutputFreshness(path, started);
    if (fresh == Freshness::kMissing) {
      sem = Fail("semantic", "semantic.artifact_missing", outputs[0] + " was not written");
    } else if (fresh == Freshness::kStale) {
      sem = Fail("semantic", "semantic.artifact_stale", outputs[0] + " is older than this run");
    } else {
      auto table = tflite::ReadCsv(path);
      if (!table) {
        sem = Fail("semantic", "semantic.artifact_invalid", outputs[0] + ": " + table.error().message);
      } else if (table->rows.empty()) {
        sem = Fail("semantic", "semantic.artifact_invalid", outputs[0] + " has a header but no rows");
      }
    }
    out.push_back(sem);
  }
  if (out.back().passed) {
    for (const auto& name : outputs) {
      if (!CopyInto(s.dir(), keep.dir, name)) {
        out.back() = Fail("semantic", "harness.bug", "cannot keep " + name + " in " + keep.dir);
        break;
      }
    }
  }
  return out;
}

std::vector<LayerResult> McChain(const config::ProjectConfig& cfg, const McInputs& in,
                                 const std::string& code, exec::ProcessRunner* runner, const Keep& keep) {
  std::vector<LayerResult> out;
  out.push_back(CheckPythonStatic(code, cfg.python, AllowedPythonModules(), runner));
  if (!out.back().passed) return out;
  if (cfg.contracts.enabled) {
    out.push_back(UnitLayer(cfg, "mc", ContractInputs{"", "", in.train_csv}, code, runner));
    if (!out.back().passed) return out;
  }
  Scratch s("autopilot-mc-");
  if (s.dir().empty()) return {Fail("run", "env.misconfigured", "cannot create a scratch folder")};
  for (auto [from, name] : {std::pair{in.float_model, "float_model.tflite"}, std::pair{in.train_csv, "representative.csv"}}) {
    if (auto r = Stage(from, s.dir() + "/" + name); !r) return {Fail("run", "harness.bug", r.error().message)};
  }
  // The portable profile's helper module, importable from the script's folder.
  std::string helper = util::DataPath("python/autopilot_tflite.py");
  if (util::PathExists(helper)) {
    // Without it a correct script would fail to import: the harness's failure, not the model's.
    if (auto r = Stage(helper, s.dir() + "/autopilot_tflite.py"); !r) {
      return {Fail("run", "harness.bug", r.error().message)};
    }
  }
  if (auto r = util::WriteFileAtomic(s.dir() + "/script.py", code); !r) {
    return {Fail("run", "harness.bug", r.error().message)};
  }
  int64_t started = FileClockNowNs(s.dir());
  out.push_back(RunPythonScript("mc", s.dir(), "script.py", cfg.python, cfg.sandbox.ToPolicy(), runner, nullptr));
  if (!out.back().passed) return out;
  McContract c;
  c.output_model = s.dir() + "/model_int8.tflite";
  c.float_model = in.float_model;
  c.test_csv = in.test_csv;
  c.feature_names = cfg.dataset.feature_names;
  c.label = cfg.dataset.label;
  c.classes = cfg.dataset.classes;
  c.input_dtype = cfg.model.input_dtype;
  c.output_dtype = cfg.model.output_dtype;
  c.accuracy_tolerance = cfg.model.accuracy_tolerance;
  c.flash_kb = cfg.model.flash_kb;
  out.push_back(CheckMcOutput(c, started, nullptr));
  if (out.back().passed && !keep.dir.empty() && !CopyInto(s.dir(), keep.dir, "model_int8.tflite")) {
    out.back() = Fail("semantic", "harness.bug", "cannot keep model_int8.tflite in " + keep.dir);
  }
  return out;
}

Result<std::string> ModelHeaderFor(const config::ProjectConfig& cfg, const std::string& model_path) {
  auto bytes = util::ReadFile(model_path);
  if (!bytes) return bytes.error();
  std::vector<uint8_t> data(bytes->begin(), bytes->end());
  return board::ModelHeaderText(data, cfg.model.header_symbol, cfg.model.header_symbol + "_len");
}

std::vector<LayerResult> SgChain(const config::ProjectConfig& cfg, const SgInputs& in,
                                 const std::string& code, exec::ProcessRunner* runner, const Keep& keep) {
  std::vector<LayerResult> out;
  auto profile = board::LoadProfile(cfg.board.profile, cfg.board.model);
  if (!profile) return {Fail("static", "env.misconfigured", profile.error().message)};
  int64_t t0 = util::MonotonicMs();
  auto facts = validate::ModelFactsFromTflite(in.int8_model, *profile, cfg.model.header_symbol);
  if (!facts) return {Fail("static", "harness.bug", facts.error().message)};
  auto board_spec = board::LoadBoard(cfg.board.model);
  if (!board_spec) return {Fail("static", "env.misconfigured", board_spec.error().message)};
  facts->sensors = validate::SketchSensorsOf(*board_spec, cfg.board.sensors);
  auto st = validate::ValidateSketchStatic(code, *facts, *profile, "sketch.ino");
  if (!st) return {Fail("static", "harness.bug", st.error().message)};
  st->duration_ms = util::MonotonicMs() - t0;
  out.push_back(*st);
  if (!st->passed) return out;

  Scratch s("autopilot-sg-");
  if (s.dir().empty()) return {Fail("build", "env.misconfigured", "cannot create a scratch folder")};
  std::string sketch = s.dir() + "/sketch.ino";
  std::string header = s.dir() + "/model.h";
  if (auto r = util::WriteFileAtomic(sketch, code); !r) return {Fail("build", "harness.bug", r.error().message)};
  if (in.model_header.empty()) {
    auto text = ModelHeaderFor(cfg, in.int8_model);
    if (!text) return {Fail("build", "harness.bug", text.error().message)};
    if (auto r = util::WriteFileAtomic(header, *text); !r) return {Fail("build", "harness.bug", r.error().message)};
  } else if (auto r = Stage(in.model_header, header); !r) {
    return {Fail("build", "harness.bug", r.error().message)};
  }
  // A header the board does not have: name the ones it does (a Rev1 library on Rev2, the
  // Nano 33 IoT's IMU on the Sense).
  std::string headers_hint = "this board (" + board_spec->display_name + ") has:";
  for (const auto& sensor : board_spec->sensors) {
    headers_hint += " <" + sensor.library.include + "> (" + sensor.id + ", object " + sensor.library.object + ");";
  }
  auto add_build_diagnostics = [&](const std::vector<board::Diagnostic>& diags, LayerResult* layer) {
    for (const auto& d : diags) {
      if (d.code.empty()) continue;
      layer->diagnostics.push_back({"build", d.code, d.message, "sketch.ino", d.line ? std::optional<int>(d.line) : std::nullopt,
                                    d.code == "build.missing_header" ? headers_hint : ""});
    }
  };
  LayerResult build{"build", true, {}, 0};
  std::vector<Diagnostic> notes;  // sizes: after the errors, so the first diagnostic is the verdict's
  Result<board::BuildResult> b = Error{errc::kHarnessBug, "not built"};
  bool real_ok = true;
  if (cfg.board.toolchain == "arduino-cli") {
    // The real compiler and size check decide the build layer; the run layer stays the virtual
    // board, so the sketch is also built for it once arduino-cli accepted it.
    auto cli = board::CompileWithArduinoCli(board::ResolveArduinoCli(cfg.board.arduino_cli), *board_spec, sketch,
                                            header, runner);
    if (!cli) {
      real_ok = false;
      build.passed = false;
      build.diagnostics.push_back({"build", "env.misconfigured", cli.error().message, "", {}, ""});
    } else {
      build.duration_ms = cli->build_ms;
      real_ok = cli->success;
      build.passed = cli->success;
      add_build_diagnostics(cli->diagnostics, &build);
      for (const auto& sec : cli->sections) {
        notes.push_back({"build", "note", "arduino-cli: " + sec.name + " " + std::to_string(sec.size) + " of " +
                                                      std::to_string(sec.max_size) + " bytes",
                                     "", {}, ""});
      }
      if (!cli->success && build.diagnostics.empty()) {
        build.diagnostics.push_back({"build", cli->primary_code.empty() ? "unknown" : cli->primary_code,
                                     cli->error.empty() ? "arduino-cli compile failed" : cli->error, "sketch.ino", {}, ""});
      }
    }
  }
  if (real_ok) {
    board::BuildRequest req;
    req.sketch_path = sketch;
    req.model_header = header;
    b = board::BuildSketch(*profile, req, runner);
    if (!b) {
      build.passed = false;
      build.diagnostics.push_back({"build", "harness.bug", b.error().message, "", {}, ""});
    } else if (cfg.board.toolchain != "arduino-cli") {
      build.duration_ms = b->build_ms;
      build.passed = b->compiled;
      add_build_diagnostics(b->diagnostics, &build);
      if (!b->compiled && !build.diagnostics.empty()) {
        // The first error's code is the layer's verdict: the taxonomy decides it with the facts of
        // the profile this sketch was built with (does the installed library have the name?).
        taxonomy::FailureInput fi;
        fi.stage = "sg";
        fi.layer = "build";
        fi.profile = profile->name;
        fi.text = b->compiler_output;
        taxonomy::Verdict v = ClassifyStageFailure(fi);
        // Only a specific rule overrides the build's own code: not the catch-all, nor a verdict
        // without a rule (rules that could not be loaded).
        if (v.primary != taxonomy::Category::kUnknown && v.rule != "none" && v.rule != "cc.other_error") {
          build.diagnostics.front().code = std::string(taxonomy::IdOf(v.primary));
        }
      }
      if (!b->compiled && build.diagnostics.empty()) {
        build.diagnostics.push_back({"build", "unknown", "the sketch did not compile and the compiler gave no classified error", "sketch.ino", {}, ""});
      }
    } else if (!b->compiled) {
      // arduino-cli accepted what the virtual board's build rejects: the run cannot happen.
      build.passed = false;
      add_build_diagnostics(b->diagnostics, &build);
      build.diagnostics.push_back({"build", "harness.bug", "arduino-cli compiled the sketch but the virtual board's build did not", "sketch.ino", {}, ""});
    }
    // The size estimate for the board (Cortex-M4F cross-compile), when the cross compiler is here
    // and the real toolchain did not already measure it.
    if (build.passed && cfg.board.toolchain != "arduino-cli" && !exec::Which("arm-none-eabi-g++").empty()) {
      auto est = board::EstimateSize(*profile, *board_spec, sketch, header, runner);
      if (est && est->compiled) {
        if (est->code == "build.memory_overflow") {
          build.passed = false;
          add_build_diagnostics(est->diagnostics, &build);
        }
        notes.push_back({"build", "note", est->Summary(), "", {}, ""});
      }
    }
  }
  build.diagnostics.insert(build.diagnostics.end(), notes.begin(), notes.end());
  out.push_back(build);
  if (build.passed && b && b->compiled && cfg.contracts.enabled) {
    out.push_back(UnitLayer(cfg, "sg", ContractInputs{in.int8_model, in.raw_csv, ""}, code, runner));
    if (!out.back().passed) {
      board::RemoveBuild(*b);
      return out;
    }
  }
  if (build.passed && b && b->compiled) {
    board::RunOptions ro;
    ro.scenario_path = in.scenario_csv;
    ro.classes = cfg.dataset.classes;
    if (cfg.dataset.feature_kind == "window") {
      ro.window = cfg.dataset;
      ro.emojis.clear();
    }
    auto r = board::RunSketch(*b, ro, runner);
    LayerResult run{"run", true, {}, 0};
    LayerResult sem{"semantic", true, {}, 0};
    if (!r) {
      run.passed = false;
      run.diagnostics.push_back({"run", "harness.bug", r.error().message, "", {}, ""});
    } else {
      run.duration_ms = r->run_ms;
      run.passed = r->ran;
      if (!r->serial.empty()) run.evidence.emplace_back("serial", r->serial);
      if (!r->ran) {
        for (const auto& c : r->codes) run.diagnostics.push_back({"run", c, r->reason, "sketch.ino", {}, ""});
        if (run.diagnostics.empty()) run.diagnostics.push_back({"run", "runtime.crash", r->reason, "sketch.ino", {}, ""});
      } else {
        sem.passed = r->verdict == "pass";
        // The board's own judgement of the whole run (arena too small, op not registered, sensor
        // never read, no inference) leads; the per-sample verdicts follow as evidence.
        if (!sem.passed) {
          for (const auto& c : r->codes) {
            sem.diagnostics.push_back({"semantic", c, r->reason, "sketch.ino", {}, ""});
          }
        }
        for (const auto& smp : r->samples) {
          if (smp.verdict == "pass") continue;
          sem.diagnostics.push_back({"semantic", smp.verdict,
                                     (ro.window ? "window " : "sample ") + std::to_string(smp.index) + ": expected " + smp.expected +
                                         ", reported '" + smp.reported + "'" + (smp.invoked ? "" : ", no Invoke()") +
                                         (smp.input_ok || !smp.invoked ? "" : ", wrong input") +
                                         (smp.detail.empty() ? "" : ": " + smp.detail),
                                     "", {}, ""});
        }
        if (r->judged) {
          nlohmann::json samples = nlohmann::json::array();
          for (const auto& smp : r->samples) {
            samples.push_back({{"index", smp.index}, {"expected", smp.expected}, {"reported", smp.reported},
                               {"invoked", smp.invoked}, {"input_ok", smp.input_ok}, {"verdict", smp.verdict}});
          }
          sem.evidence.emplace_back("samples", samples.dump());
        }
        if (!sem.passed && sem.diagnostics.empty()) {
          sem.diagnostics.push_back({"semantic", "unknown", "the oracle failed the run without a classified reason: " + r->reason, "", {}, ""});
        }
      }
    }
    out.push_back(run);
    if (run.passed) out.push_back(sem);
  }
  if (b) board::RemoveBuild(*b);
  if (!out.empty() && out.back().passed && out.back().layer == "semantic" && !keep.dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(keep.dir + "/sketch", ec);
    if (ec || !util::WriteFileAtomic(keep.dir + "/sketch/sketch.ino", code) ||
        !CopyInto(s.dir(), keep.dir + "/sketch", "model.h")) {
      out.back() = Fail("semantic", "harness.bug", "cannot keep the sketch in " + keep.dir);
    }
  }
  return out;
}

}  // namespace autopilot::stage
