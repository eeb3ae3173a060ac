// autopilot board build|run|check|size|flash|monitor — the virtual Nano 33 BLE Sense, and the
// real board through arduino-cli (build, size check, upload, serial check).

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "autopilot/board/arduino_cli.h"
#include "autopilot/board/board_run.h"
#include "autopilot/board/serial_monitor.h"
#include "autopilot/board/size_estimate.h"
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
  std::string board = board::kDefaultBoard;
  std::string toolchain = "virtual";  ///< virtual | arduino-cli (the build; runs stay virtual)
  std::string arduino_cli;            ///< "" = $AUTOPILOT_ARDUINO_CLI or PATH
  std::string port;
  std::string expect;
  double seconds = 10;
  int baudrate = 9600;
};

nlohmann::ordered_json BoardDiagnosticsJson(const std::vector<board::Diagnostic>& diags) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& d : diags) {
    arr.push_back({{"file", d.file}, {"line", d.line}, {"column", d.column}, {"severity", d.severity},
                   {"message", d.message}, {"code", d.code}});
  }
  return arr;
}

/// The model.h a real build or estimate uses: --model-header as given, or one generated from
/// --model into `dir` ("" when neither is given).
Result<std::string> ModelHeaderPath(const BoardOptions& o, const board::Profile& profile, const std::string& dir) {
  if (!o.model_header.empty()) return o.model_header;
  if (o.model.empty()) return std::string();
  auto m = util::ReadFile(o.model);
  if (!m) return Error{errc::kUsage, o.model + ": cannot read model"};
  std::vector<uint8_t> bytes(m->begin(), m->end());
  std::string symbol = o.symbol.empty() ? profile.model_symbol : o.symbol;
  std::string length_symbol = o.symbol.empty() ? profile.model_length_symbol : "";
  std::string path = dir + "/model.h";
  if (auto w = util::WriteFileAtomic(path, board::ModelHeaderText(bytes, symbol, length_symbol)); !w) return w.error();
  return path;
}

/// A private folder for generated inputs, removed when it goes out of scope.
struct TempFolder {
  std::string dir;
  TempFolder() {
    auto t = util::MakeTempDir("autopilot-board-");
    if (t) dir = *t;
  }
  ~TempFolder() {
    if (!dir.empty()) util::RemoveTree(dir);
  }
};

nlohmann::ordered_json SectionsJson(const std::vector<board::SectionSize>& sections) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& s : sections) arr.push_back({{"name", s.name}, {"size", s.size}, {"max_size", s.max_size}});
  return arr;
}

/// `arduino-cli compile` on the sketch: the real build layer. Prints nothing.
Result<board::CliCompileResult> RealBuild(const BoardOptions& o) {
  auto profile = board::LoadProfile(o.profile, o.board);
  if (!profile) return profile.error();
  auto spec = board::LoadBoard(o.board);
  if (!spec) return spec.error();
  TempFolder tmp;
  auto header = ModelHeaderPath(o, *profile, tmp.dir);
  if (!header) return header.error();
  exec::SandboxRunner runner;
  return board::CompileWithArduinoCli(board::ResolveArduinoCli(o.arduino_cli), *spec, o.sketch, *header, &runner);
}

void PrintRealBuildText(const board::CliCompileResult& r) {
  for (const auto& d : r.diagnostics) {
    if (d.severity == "note" || d.severity == "warning") continue;
    std::cerr << d.file << ":" << d.line << ":" << d.column << ": " << d.severity << ": " << d.message;
    if (!d.code.empty()) std::cerr << " [" << d.code << "]";
    std::cerr << "\n";
  }
  for (const auto& s : r.sections) {
    std::cout << s.name << ": " << s.size << " of " << s.max_size << " bytes\n";
  }
}

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
  auto profile = board::LoadProfile(o.profile, o.board);
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

int RealBuildCommand(const GlobalOptions& g, const BoardOptions& o) {
  auto r = RealBuild(o);
  if (!r) return ReportFailure(g.json, r.error());
  if (g.json) {
    PrintJson({{"compiled", r->success}, {"toolchain", "arduino-cli"}, {"diagnostics", BoardDiagnosticsJson(r->diagnostics)},
               {"sections", SectionsJson(r->sections)}, {"build_ms", r->build_ms}, {"code", r->primary_code},
               {"libraries", r->libraries}, {"error", r->error}, {"exit_code", r->exit_code}});
  } else {
    PrintRealBuildText(*r);
    std::cout << (r->success ? "compiled" : "did not compile") << " (arduino-cli, " << r->build_ms << " ms)";
    if (!r->success) std::cout << ": " << r->primary_code;
    std::cout << "\n";
  }
  return r->success ? kExitOk : kExitFailed;
}

int BuildCommand(const GlobalOptions& g, const BoardOptions& o) {
  if (o.toolchain == "arduino-cli") return RealBuildCommand(g, o);
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
  // With arduino-cli the real compiler and size check are the build layer; the run itself is
  // still the virtual board's (no hardware is driven here: see `board flash` / `board monitor`).
  std::optional<board::CliCompileResult> real;
  if (o.toolchain == "arduino-cli") {
    auto r = RealBuild(o);
    if (!r) return ReportFailure(g.json, r.error());
    real = *r;
    if (!r->success) {
      if (g.json) {
        PrintJson({{"compiled", false}, {"toolchain", "arduino-cli"}, {"ran", false}, {"verdict", "fail"},
                   {"codes", {r->primary_code}}, {"reason", "arduino-cli did not compile it"},
                   {"diagnostics", BoardDiagnosticsJson(r->diagnostics)}, {"sections", SectionsJson(r->sections)},
                   {"build_ms", r->build_ms}});
      } else {
        PrintRealBuildText(*r);
        std::cout << "verdict: fail [" << r->primary_code << "] — arduino-cli did not compile it\n";
      }
      return kExitFailed;
    }
  }
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
    doc["toolchain"] = o.toolchain;
    doc["run_target"] = "virtual";
    if (real) doc["sections"] = SectionsJson(real->sections);
    PrintJson(doc);
  } else {
    if (real) PrintRealBuildText(*real);
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

/// The Cortex-M4F cross-compile estimate of the sketch's flash and RAM.
int SizeCommand(const GlobalOptions& g, const BoardOptions& o) {
  auto profile = board::LoadProfile(o.profile, o.board);
  if (!profile) return ReportFailure(g.json, profile.error());
  auto spec = board::LoadBoard(o.board);
  if (!spec) return ReportFailure(g.json, spec.error());
  TempFolder tmp;
  auto header = ModelHeaderPath(o, *profile, tmp.dir);
  if (!header) return ReportFailure(g.json, header.error());
  exec::SandboxRunner runner;
  auto e = board::EstimateSize(*profile, *spec, o.sketch, *header, &runner);
  if (!e) return ReportFailure(g.json, e.error());
  bool fits = e->compiled && e->code.empty();
  if (g.json) {
    PrintJson({{"estimate", true}, {"compiled", e->compiled}, {"fits", fits}, {"flash_bytes", e->flash_bytes},
               {"max_flash_bytes", e->max_flash_bytes}, {"ram_bytes", e->ram_bytes},
               {"max_ram_bytes", e->max_ram_bytes}, {"model_bytes", e->model_bytes},
               {"arena_bytes", e->arena_bytes}, {"code", e->code},
               {"diagnostics", BoardDiagnosticsJson(e->diagnostics)}, {"ms", e->ms}, {"board", o.board}});
  } else {
    for (const auto& d : e->diagnostics) {
      if (d.severity == "error" || d.severity == "fatal error") {
        std::cerr << d.file << ":" << d.line << ": " << d.severity << ": " << d.message << " [" << d.code << "]\n";
      }
    }
    if (e->compiled) {
      std::cout << e->Summary() << " (model " << e->model_bytes << " B, arena " << e->arena_bytes
                << " B; the sketch object only: the core and libraries add to it; " << e->ms << " ms)\n";
    } else {
      std::cout << "estimate: the sketch does not cross-compile: " << e->code << "\n";
    }
  }
  return fits ? kExitOk : kExitFailed;
}

/// arduino-cli compile + upload to the board on --port.
int FlashCommand(const GlobalOptions& g, const BoardOptions& o) {
  auto profile = board::LoadProfile(o.profile, o.board);
  if (!profile) return ReportFailure(g.json, profile.error());
  auto spec = board::LoadBoard(o.board);
  if (!spec) return ReportFailure(g.json, spec.error());
  TempFolder tmp;
  auto header = ModelHeaderPath(o, *profile, tmp.dir);
  if (!header) return ReportFailure(g.json, header.error());
  exec::SandboxRunner runner;
  auto cli = board::ResolveArduinoCli(o.arduino_cli);
  auto u = board::UploadWithArduinoCli(cli, *spec, o.sketch, *header, o.port, &runner);
  if (!u) return ReportFailure(g.json, u.error());
  if (g.json) {
    PrintJson({{"uploaded", u->success}, {"port", o.port}, {"fqbn", spec->fqbn}, {"exit_code", u->exit_code},
               {"output", u->output}, {"ms", u->ms}});
  } else {
    std::cout << u->output;
    std::cout << (u->success ? "uploaded to " : "upload failed on ") << o.port << " (" << spec->fqbn << ", "
              << u->ms << " ms)\n";
  }
  return u->success ? kExitOk : kExitFailed;
}

/// Reads the board's serial port with a time limit: the run layer of a real board.
int MonitorCommand(const GlobalOptions& g, const BoardOptions& o) {
  board::MonitorOptions mo;
  mo.port = o.port;
  mo.expect = o.expect;
  mo.seconds = o.seconds;
  mo.baudrate = o.baudrate;
  auto r = board::MonitorSerial(mo);
  if (!r) return ReportFailure(g.json, r.error());
  bool passed = o.expect.empty() || r->matched;
  if (g.json) {
    PrintJson({{"layer", "run"}, {"target", "hardware"}, {"port", o.port}, {"passed", passed},
               {"expect", o.expect}, {"matched", r->matched}, {"matched_line", r->matched_line},
               {"lines", r->lines}, {"ms", r->ms}});
  } else {
    for (const auto& l : r->lines) std::cout << l << "\n";
    std::cout << "run (hardware, " << o.port << "): " << (passed ? "pass" : "FAIL");
    if (!o.expect.empty()) {
      std::cout << (r->matched ? " — matched /" + o.expect + "/" : " — /" + o.expect + "/ not seen within " +
                                                                     std::to_string(static_cast<int64_t>(o.seconds)) + " s");
    }
    std::cout << "\n";
  }
  return passed ? kExitOk : kExitFailed;
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
  cmd->add_option("--board", o->board, "Board (board/boards/<name>): nano33ble_sense (default) or nano33ble_sense_rev2");
}

void AddArduinoCli(CLI::App* cmd, BoardOptions* o) {
  cmd->add_option("--arduino-cli", o->arduino_cli,
                  "The arduino-cli executable (default: $AUTOPILOT_ARDUINO_CLI, else arduino-cli on PATH); "
                  "it sees only $ARDUINO_DIRECTORIES_DATA (default ~/.arduino15) and "
                  "$ARDUINO_DIRECTORIES_USER (default ~/Arduino), read-only");
}

void AddToolchain(CLI::App* cmd, BoardOptions* o) {
  cmd->add_option("--toolchain", o->toolchain,
                  "virtual (default: the virtual board's host build) or arduino-cli (arduino-cli compile "
                  "--format json: the real diagnostics and size check; runs stay on the virtual board)")
      ->check(CLI::IsMember({"virtual", "arduino-cli"}));
  AddArduinoCli(cmd, o);
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
  AddToolchain(build, opts.get());
  build->callback([action] { *action = "build"; });
  CLI::App* run = sub->add_subcommand(
      "run", "Compile and run a sketch against a sensor scenario and judge every sample. Exit 0 "
             "only when the verdict is pass.");
  AddCommon(run, opts.get());
  AddToolchain(run, opts.get());
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
  CLI::App* size = sub->add_subcommand(
      "size", "Estimate flash and RAM without arduino-cli: the sketch (with model.h's array and its tensor "
              "arena) cross-compiled for Cortex-M4F by arm-none-eabi-g++ against the board SDK, measured with "
              "arm-none-eabi-size. Prints \"estimate: flash X of Y, RAM A of B\"; the core and libraries "
              "are not included. Exit 0 when it fits, 1 when it exceeds (build.memory_overflow) or does not "
              "cross-compile.");
  AddCommon(size, opts.get());
  size->callback([action] { *action = "size"; });
  CLI::App* flash = sub->add_subcommand(
      "flash", "Build the sketch with arduino-cli and upload it to the board on --port (arduino-cli compile, "
               "then arduino-cli upload -p PORT --fqbn FQBN). Exit 0 when the upload succeeded.");
  AddCommon(flash, opts.get());
  AddArduinoCli(flash, opts.get());
  flash->add_option("--port", opts->port, "Serial port of the board, e.g. /dev/ttyACM0")->required();
  flash->callback([action] { *action = "flash"; });
  CLI::App* monitor = sub->add_subcommand(
      "monitor", "Read the board's serial port for at most --seconds: the run layer of a real board "
                 "(marked hardware). Exit 0 when --expect matched a line (or, without --expect, after "
                 "the time is up), 1 when it did not within the limit.");
  monitor->add_option("--port", opts->port, "Serial port, e.g. /dev/ttyACM0")->required();
  monitor->add_option("--expect", opts->expect, "Regular expression (ECMAScript) to wait for in a line");
  monitor->add_option("--seconds", opts->seconds, "Time limit in seconds")->default_val(10);
  monitor->add_option("--baudrate", opts->baudrate, "Baud rate (arduino-cli monitor's default: 9600)")->default_val(9600);
  monitor->callback([action] { *action = "monitor"; });
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
    if (*action == "size") return SizeCommand(*globals, *opts);
    if (*action == "flash") return FlashCommand(*globals, *opts);
    if (*action == "monitor") return MonitorCommand(*globals, *opts);
    return BuildCommand(*globals, *opts);
  };
}

}  // namespace autopilot::cli
