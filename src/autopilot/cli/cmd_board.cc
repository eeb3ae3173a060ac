// autopilot board build|run SKETCH.ino — the virtual Nano 33 BLE Sense.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "autopilot/board/board_run.h"
#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/tflite/model.h"
#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"
#include "autopilot/validate/sketch_static.h"

namespace autopilot::cli {
namespace {

struct BoardOptions {
  std::string sketch;
  std::string model_header;
  std::string model;
  std::string symbol;
  std::string profile = "harvard_tinymlx";
  std::string scenario;
  std::string features = "ratio";
  std::string classes;  ///< "" = the scenario's labels, sorted
  int64_t max_virtual_ms = 0;
  double timeout_s = 10;
  std::string keep;
};

nlohmann::ordered_json DiagnosticsJson(const board::BuildResult& b) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& d : b.diagnostics) {
    arr.push_back({{"file", d.file}, {"line", d.line}, {"column", d.column}, {"severity", d.severity},
                   {"message", d.message}, {"code", d.code}});
  }
  return arr;
}

/// Builds into a fresh folder under the board's work root (the caller removes it with
/// FinishBuild); prints nothing.
Result<board::BuildResult> Build(const BoardOptions& o) {
  if (o.model_header.empty() == o.model.empty()) {
    return Error{errc::kUsage, "give exactly one of --model-header H or --model M.tflite"};
  }
  auto profile = board::LoadProfile(o.profile);
  if (!profile) return profile.error();
  board::BuildRequest req;
  req.sketch_path = o.sketch;
  req.model_header = o.model_header;
  req.model_tflite = o.model;
  req.symbol = o.symbol;
  exec::SandboxRunner runner;
  return board::BuildSketch(*profile, req, &runner);
}

/// Copies the build folder to --keep DIR/build (when asked) and removes it from the work root.
void FinishBuild(const BoardOptions& o, const board::BuildResult& b) {
  if (!o.keep.empty() && !b.workdir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.keep + "/build", ec);
    std::filesystem::copy(b.workdir, o.keep + "/build",
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing,
                          ec);
    if (ec) std::cerr << "warning: could not keep the build in " << o.keep << ": " << ec.message() << "\n";
  }
  board::RemoveBuild(b);
}

void PrintDiagnosticsText(const board::BuildResult& b) {
  for (const auto& d : b.diagnostics) {
    if (d.severity == "note") continue;
    std::cerr << d.file << ":" << d.line << ":" << d.column << ": " << d.severity << ": " << d.message;
    if (!d.code.empty()) std::cerr << " [" << d.code << "]";
    std::cerr << "\n";
  }
}

int BuildCommand(const GlobalOptions& g, const BoardOptions& o) {
  auto b = Build(o);
  if (b) FinishBuild(o, *b);
  if (!b) {
    return ReportFailure(g.json, b.error());
  }
  if (g.json) {
    nlohmann::ordered_json doc{{"compiled", b->compiled}, {"diagnostics", DiagnosticsJson(*b)},
                               {"build_ms", b->build_ms}, {"code", b->primary_code},
                               {"libraries", b->libraries}, {"profile", o.profile}};
    PrintJson(doc);
  } else {
    PrintDiagnosticsText(*b);
    std::cout << (b->compiled ? "compiled" : "did not compile") << " (" << o.profile << ", "
              << b->build_ms << " ms)";
    if (!b->compiled) std::cout << ": " << b->primary_code;
    std::cout << "\n";
  }
  return b->compiled ? kExitOk : kExitFailed;
}

int RunCommand(const GlobalOptions& g, const BoardOptions& o) {
  auto b = Build(o);
  auto cleanup = [&] {
    if (b) FinishBuild(o, *b);
  };
  if (!b) {
    cleanup();
    return ReportFailure(g.json, b.error());
  }
  board::RunReport report;
  if (b->compiled) {
    board::RunOptions ro;
    ro.scenario_path = o.scenario;
    ro.features = o.features;
    if (!o.classes.empty()) ro.classes = util::Split(o.classes, ',');
    ro.max_virtual_ms = o.max_virtual_ms;
    ro.wall_timeout_s = o.timeout_s;
    exec::SandboxRunner runner;
    auto r = board::RunSketch(*b, ro, &runner);
    if (!r) {
      cleanup();
      return ReportFailure(g.json, r.error());
    }
    report = *r;
  } else {
    report.codes = {b->primary_code};
    report.reason = "did not compile";
  }
  cleanup();
  if (g.json) {
    auto samples = nlohmann::ordered_json::array();
    for (const auto& s : report.samples) {
      samples.push_back({{"index", s.index}, {"invoked", s.invoked}, {"input_ok", s.input_ok},
                         {"expected", s.expected}, {"reported", s.reported}, {"verdict", s.verdict}});
    }
    nlohmann::ordered_json doc{{"compiled", b->compiled}, {"ran", report.ran}, {"serial", report.serial},
                               {"invokes", report.invokes}, {"samples", samples},
                               {"verdict", report.verdict}, {"codes", report.codes},
                               {"reason", report.reason}, {"diagnostics", DiagnosticsJson(*b)},
                               {"build_ms", b->build_ms}, {"run_ms", report.run_ms},
                               {"allocations", report.allocations}, {"output_reads", report.output_reads},
                               {"end", report.end_reason}};
    PrintJson(doc);
  } else {
    if (!b->compiled) PrintDiagnosticsText(*b);
    std::cout << report.serial;
    for (const auto& s : report.samples) {
      std::cout << "sample " << s.index << ": " << s.verdict << " (expected " << s.expected
                << ", reported " << (s.reported.empty() ? "nothing" : s.reported)
                << (s.invoked ? "" : ", no Invoke") << (s.invoked && !s.input_ok ? ", wrong input" : "") << ")\n";
    }
    std::cout << "verdict: " << report.verdict;
    if (!report.codes.empty()) std::cout << " [" << util::Join(report.codes, ", ") << "]";
    std::cout << " — " << report.reason << "\n";
  }
  return report.verdict == "pass" ? kExitOk : kExitFailed;
}

/// The SG static layer on one sketch (libclang over the profile's SDK headers).
int CheckCommand(const GlobalOptions& g, const BoardOptions& o) {
  if (o.model_header.empty() == o.model.empty()) {
    return ReportFailure(g.json, Error{errc::kUsage, "give exactly one of --model-header H or --model M.tflite"});
  }
  auto profile = board::LoadProfile(o.profile);
  if (!profile) {
    return ReportFailure(g.json, profile.error());
  }
  Result<validate::SketchModelFacts> facts = Error{errc::kUsage, ""};
  if (!o.model_header.empty()) {
    auto text = util::ReadFile(o.model_header);
    if (!text) {
      return ReportFailure(g.json, Error{errc::kUsage, o.model_header + ": cannot read model header"});
    }
    facts = validate::ModelFactsFromHeader(*text);
  } else {
    facts = validate::ModelFactsFromTflite(o.model, *profile, o.symbol);
  }
  if (!facts) {
    return ReportFailure(g.json, Error{errc::kUsage, facts.error().message});
  }
  auto sketch = util::ReadFile(o.sketch);
  if (!sketch) {
    return ReportFailure(g.json, Error{errc::kUsage, o.sketch + ": cannot read sketch"});
  }
  std::string name = std::filesystem::path(o.sketch).filename().string();
  auto r = validate::ValidateSketchStatic(*sketch, *facts, *profile, name);
  if (!r) {
    return ReportFailure(g.json, r.error());
  }
  if (g.json) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& d : r->diagnostics) {
      nlohmann::ordered_json line = d.line ? nlohmann::ordered_json(*d.line) : nlohmann::ordered_json(nullptr);
      arr.push_back({{"layer", d.layer}, {"code", d.code}, {"message", d.message}, {"file", d.file},
                     {"line", line}, {"hint", d.hint}});
    }
    PrintJson({{"ok", r->passed}, {"diagnostics", arr}, {"ms", r->duration_ms}, {"profile", o.profile}});
  } else {
    for (const auto& d : r->diagnostics) {
      std::cout << d.file << ":" << (d.line ? std::to_string(*d.line) + ":" : std::string()) << " " << d.code
                << ": " << d.message << (d.hint.empty() ? "" : " (" + d.hint + ")") << "\n";
    }
    std::cout << (r->passed ? "static checks passed" : "static checks failed") << "\n";
  }
  return r->passed ? kExitOk : kExitFailed;
}

int StudyModelCommand(const GlobalOptions& g, const std::string& out_dir) {
  auto bytes = tflite::SerializeModel(board::StudyEquivalentModel());
  if (!bytes) {
    return ReportFailure(g.json, bytes.error());
  }
  std::string raw(bytes->begin(), bytes->end());
  auto w1 = util::WriteFileAtomic(out_dir + "/model.tflite", raw);
  auto w2 = util::WriteFileAtomic(out_dir + "/model.h", board::ModelHeaderText(*bytes, "model", ""));
  if (!w1 || !w2) {
    return ReportFailure(g.json, !w1 ? w1.error() : w2.error());
  }
  if (g.json) {
    PrintJson({{"model", out_dir + "/model.tflite"}, {"header", out_dir + "/model.h"}, {"bytes", bytes->size()}});
  } else {
    std::cout << "wrote " << out_dir << "/model.tflite (" << bytes->size() << " bytes) and " << out_dir
              << "/model.h (const unsigned char model[])\n";
  }
  return kExitOk;
}

void AddCommon(CLI::App* cmd, BoardOptions* o) {
  cmd->add_option("sketch", o->sketch, "The .ino sketch")->required()->check(CLI::ExistingFile);
  cmd->add_option("--model-header", o->model_header, "model.h to place next to the sketch")->check(CLI::ExistingFile);
  cmd->add_option("--model", o->model, "A .tflite model; model.h is generated from it")->check(CLI::ExistingFile);
  cmd->add_option("--symbol", o->symbol, "Array name in the generated model.h (default: the profile's)");
  cmd->add_option("--profile", o->profile, "Toolchain profile: harvard_tinymlx (default) or tflm_arduino");
  cmd->add_option("--keep", o->keep, "Keep the build in this directory (for debugging)");
}

}  // namespace

CommandRunner SetupBoard(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto opts = std::make_shared<BoardOptions>();
  auto action = std::make_shared<std::string>();
  CLI::App* build = sub->add_subcommand(
      "build", "Compile a sketch for the virtual Nano 33 BLE Sense with the real toolchain's verdict. "
               "Exit 0 when it compiles, 1 when it does not.");
  AddCommon(build, opts.get());
  build->callback([action] { *action = "build"; });
  CLI::App* run = sub->add_subcommand(
      "run", "Compile and run a sketch against a sensor scenario and judge every sample. Exit 0 "
             "only when the verdict is pass.");
  AddCommon(run, opts.get());
  run->add_option("--scenario", opts->scenario, "CSV red,green,blue,clear,proximity[,label]")
      ->required()->check(CLI::ExistingFile);
  run->add_option("--features", opts->features, "The task's input features (ratio)");
  run->add_option("--classes", opts->classes,
                  "Class names in output order (default: the scenario's labels, sorted)");
  run->add_option("--max-virtual-ms", opts->max_virtual_ms, "Virtual-time cap (default: scenario + 30 s)");
  run->add_option("--timeout", opts->timeout_s, "Wall-clock limit of the run in seconds")->default_val(10);
  run->callback([action] { *action = "run"; });
  CLI::App* check = sub->add_subcommand(
      "check", "SG static checks (libclang over the board SDK headers): setup/loop, model.h, model "
               "loaded and version-checked, AllocateTensors checked, Invoke reachable from loop, input "
               "written, output read, resolver covers the model's ops. --json: {ok, diagnostics[]}. "
               "Exit 0 when every check passes, 1 when one fails.");
  check->add_option("sketch", opts->sketch, "The .ino sketch")->required()->check(CLI::ExistingFile);
  check->add_option("--model-header", opts->model_header, "model.h the sketch is built with")->check(CLI::ExistingFile);
  check->add_option("--model", opts->model, "A .tflite model; model.h as the build would generate it")->check(CLI::ExistingFile);
  check->add_option("--symbol", opts->symbol, "Array name for --model (default: the profile's)");
  check->add_option("--profile", opts->profile, "Toolchain profile: harvard_tinymlx (default) or tflm_arduino");
  check->callback([action] { *action = "check"; });
  auto out_dir = std::make_shared<std::string>();
  CLI::App* study = sub->add_subcommand(
      "study-model", "Write the study-equivalent float model (3-8-5-3, float32 I/O) as model.tflite and "
                     "a model.h defining `const unsigned char model[]`, as the study's harness had it");
  study->add_option("--out", *out_dir, "Output folder")->required()->check(CLI::ExistingDirectory);
  study->callback([action] { *action = "study-model"; });
  return [globals, opts, action, out_dir]() -> int {
    if (*action == "study-model") return StudyModelCommand(*globals, *out_dir);
    if (*action == "run") return RunCommand(*globals, *opts);
    if (*action == "check") return CheckCommand(*globals, *opts);
    return BuildCommand(*globals, *opts);
  };
}

}  // namespace autopilot::cli
