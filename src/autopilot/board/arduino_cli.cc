#include "autopilot/board/arduino_cli.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/exec/which.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace fs = std::filesystem;
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

int64_t IntField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_number_integer()) ? it->get<int64_t>() : 0;
}

/// arduino-cli's severities in the virtual build's spelling, so one set of rules reads both.
std::string Severity(const std::string& s) {
  if (s == "ERROR") return "error";
  if (s == "FATAL") return "fatal error";
  if (s == "WARNING") return "warning";
  return util::ToLower(s);
}

/// The sketch as arduino-cli wants it: a folder named like the sketch holding <name>.ino and,
/// when given, model.h. Returns the sketch folder.
Result<std::string> StageSketch(const std::string& work, const std::string& sketch_path,
                                const std::string& model_header) {
  std::string name = fs::path(sketch_path).stem().string();
  if (name.empty()) return Error{errc::kUsage, sketch_path + ": not a sketch file"};
  std::string dir = work + "/" + name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{errc::kIo, "cannot create " + dir + ": " + ec.message()};
  auto ino = util::ReadFile(sketch_path);
  if (!ino) return Error{errc::kUsage, sketch_path + ": cannot read sketch (" + ino.error().message + ")"};
  if (auto w = util::WriteFileAtomic(dir + "/" + name + ".ino", *ino); !w) return w.error();
  if (!model_header.empty()) {
    auto h = util::ReadFile(model_header);
    if (!h) return Error{errc::kUsage, model_header + ": cannot read model header"};
    if (auto w = util::WriteFileAtomic(dir + "/model.h", *h); !w) return w.error();
  }
  return dir;
}

/// What every arduino-cli run gets: its two folders (read-only) and the variables that name
/// them; downloads go into the run's own folder. Nothing else of the user's home is shown.
exec::ProcessRequest CliRequest(const ArduinoCliSettings& cli, std::vector<std::string> argv,
                                const std::string& work) {
  exec::ProcessRequest req;
  req.argv = std::move(argv);
  req.workdir = work;
  req.policy.timeout_s = 300;  // a first mbed build takes minutes on a slow machine
  req.policy.memory_mb = 4096;
  req.policy.max_processes = 256;
  req.policy.max_file_mb = 512;
  req.policy.max_output_bytes = 4u << 20;
  req.policy.extra_env = {"LC_ALL=C", "ARDUINO_DIRECTORIES_DATA=" + cli.data_dir,
                          "ARDUINO_DIRECTORIES_USER=" + cli.user_dir,
                          "ARDUINO_DIRECTORIES_DOWNLOADS=" + work + "/downloads",
                          "ARDUINO_UPDATER_ENABLE_NOTIFICATION=false"};
  for (const auto& d : {cli.data_dir, cli.user_dir}) {
    if (!d.empty() && util::PathExists(d)) req.mounts.push_back({d, d, false});
  }
  std::string program_dir = fs::path(cli.program).parent_path().string();
  if (!program_dir.empty()) req.mounts.push_back({program_dir, program_dir, false});
  return req;
}

Result<nlohmann::json> ParseJson(const std::string& text, const char* what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    std::string head = text.substr(0, 300);
    return Error{errc::kEnv, std::string("arduino-cli ") + what + " did not print JSON (" + e.what() +
                                 "): " + head};
  }
}

}  // namespace

ArduinoCliSettings ResolveArduinoCli(const std::string& program) {
  ArduinoCliSettings s;
  std::string want = !program.empty() ? program : EnvOr("AUTOPILOT_ARDUINO_CLI", "arduino-cli");
  s.program = exec::Which(want);
  if (!s.program.empty()) s.program = fs::absolute(s.program).lexically_normal().string();
  if (!s.program.empty() && !util::IsExecutableFile(s.program)) s.program.clear();
  std::string home = EnvOr("HOME", "/root");
  s.data_dir = EnvOr("ARDUINO_DIRECTORIES_DATA", home + "/.arduino15");
  s.user_dir = EnvOr("ARDUINO_DIRECTORIES_USER", home + "/Arduino");
  return s;
}

std::string CoreOfFqbn(const std::string& fqbn) {
  auto parts = util::Split(fqbn, ':');
  if (parts.size() < 2) return fqbn;
  return parts[0] + ":" + parts[1];
}

Result<CliCompileResult> ParseCompileJson(const std::string& json_text, int exit_code) {
  auto doc = ParseJson(json_text, "compile");
  if (!doc) return doc.error();
  if (!doc->is_object()) return Error{errc::kEnv, "arduino-cli compile printed JSON that is not an object"};
  CliCompileResult r;
  r.exit_code = exit_code;
  r.success = doc->value("success", false) && exit_code == 0;
  r.error = StringField(*doc, "error");
  r.compiler_out = StringField(*doc, "compiler_out");
  r.compiler_err = StringField(*doc, "compiler_err");
  auto br = doc->find("builder_result");
  if (br != doc->end() && br->is_object()) {
    if (auto d = br->find("diagnostics"); d != br->end() && d->is_array()) {
      for (const auto& e : *d) {
        if (!e.is_object()) continue;
        Diagnostic diag;
        diag.file = StringField(e, "file");
        diag.line = static_cast<int>(IntField(e, "line"));
        diag.column = static_cast<int>(IntField(e, "column"));
        diag.severity = Severity(StringField(e, "severity"));
        diag.message = StringField(e, "message");
        if (diag.severity == "error" || diag.severity == "fatal error") diag.code = ClassifyBuildMessage(diag.message);
        r.diagnostics.push_back(diag);
      }
    }
    if (auto s = br->find("executable_sections_size"); s != br->end() && s->is_array()) {
      for (const auto& e : *s) {
        if (e.is_object()) r.sections.push_back({StringField(e, "name"), IntField(e, "size"), IntField(e, "max_size")});
      }
    }
    if (auto l = br->find("used_libraries"); l != br->end() && l->is_array()) {
      for (const auto& e : *l) {
        if (e.is_object()) r.libraries.push_back(StringField(e, "name"));
      }
    }
  }
  // Diagnostics are only parsed for gcc-like compilers: otherwise the raw stderr is all there is.
  bool has_error = false;
  for (const auto& d : r.diagnostics) has_error = has_error || !d.code.empty();
  if (!r.success && !has_error) {
    for (auto& d : ParseCompilerOutput(r.compiler_err)) r.diagnostics.push_back(d);
  }
  for (const auto& s : r.sections) {
    if (s.max_size > 0 && s.size > s.max_size) {
      Diagnostic d;
      d.file = "sketch";
      d.severity = "error";
      d.message = s.name + " section is " + std::to_string(s.size) + " bytes, over the board's maximum of " +
                  std::to_string(s.max_size) + " bytes (" + (s.name == "text" ? "flash" : "RAM") + ")";
      d.code = "build.memory_overflow";
      r.diagnostics.push_back(d);
      r.success = false;
    }
  }
  for (const auto& d : r.diagnostics) {
    if (!d.code.empty()) {
      r.primary_code = d.code;
      break;
    }
  }
  if (!r.success && r.primary_code.empty()) {
    // A failure without a compiler message: the platform is not installed, the FQBN is wrong.
    r.primary_code = r.error.find("not found") != std::string::npos || r.error.find("not installed") != std::string::npos
                         ? "env.misconfigured"
                         : "unknown";
    Diagnostic d;
    d.file = "arduino-cli";
    d.severity = "error";
    d.message = r.error.empty() ? "arduino-cli compile failed (exit " + std::to_string(exit_code) + ")" : r.error;
    d.code = r.primary_code;
    r.diagnostics.push_back(d);
  }
  return r;
}

Result<CliCompileResult> CompileWithArduinoCli(const ArduinoCliSettings& cli, const BoardSpec& board,
                                               const std::string& sketch_path,
                                               const std::string& model_header,
                                               exec::ProcessRunner* runner) {
  if (cli.program.empty()) {
    return Error{errc::kEnv, "arduino-cli not found: install it (https://arduino.github.io/arduino-cli/) or "
                             "name it with --arduino-cli PATH, board.arduino_cli or $AUTOPILOT_ARDUINO_CLI"};
  }
  int64_t start = util::MonotonicMs();
  auto work = MakeBuildFolder();
  if (!work) return work.error();
  util::RemoveTreeOnExit remove{*work};
  auto dir = StageSketch(*work, sketch_path, model_header);
  if (!dir) return dir.error();
  auto req = CliRequest(cli, {cli.program, "compile", "--fqbn", board.fqbn, "--format", "json",
                              "--build-path", *work + "/build", *dir},
                        *work);
  auto run = runner->Run(req);
  if (!run) return run.error();
  if (run->timed_out) {
    CliCompileResult r;
    r.primary_code = "runtime.timeout";
    r.diagnostics.push_back({"arduino-cli", 0, 0, "error", "arduino-cli compile timed out", "runtime.timeout"});
    r.build_ms = util::MonotonicMs() - start;
    return r;
  }
  if (run->exit_code == 127 || run->stdout_data.empty()) {
    return Error{errc::kEnv, cli.program + " compile printed nothing (exit " + std::to_string(run->exit_code) +
                                 "): " + run->stderr_data.substr(0, 500)};
  }
  auto r = ParseCompileJson(run->stdout_data, run->exit_code);
  if (!r) return r.error();
  // Paths in the sandbox's build folder mean nothing afterwards: name the sketch as the user did.
  std::string staged = *dir + "/" + fs::path(*dir).filename().string() + ".ino";
  for (auto& d : r->diagnostics) {
    if (d.file == staged) d.file = sketch_path;
  }
  r->build_ms = util::MonotonicMs() - start;
  return r;
}

Result<ArduinoNeeds> ArduinoNeedsOf(const std::string& board, const std::vector<std::string>& sensors,
                                    const std::string& profile) {
  auto spec = LoadBoard(board);
  if (!spec) return spec.error();
  ArduinoNeeds n;
  n.fqbn = spec->fqbn;
  n.core = CoreOfFqbn(spec->fqbn);
  auto add = [&n](const std::string& name) {
    if (!name.empty() && std::find(n.libraries.begin(), n.libraries.end(), name) == n.libraries.end()) {
      n.libraries.push_back(name);
    }
  };
  for (const auto& id : sensors) {
    if (const SensorSpec* s = spec->Sensor(id)) add(s->library.library);
  }
  auto toolchain = LoadProfile(profile, "");
  if (!toolchain) return toolchain.error();
  for (const auto& dir : toolchain->library_dirs) {
    std::string name = fs::path(dir).filename().string();
    if (auto props = util::ReadFile(dir + "/library.properties")) {
      for (const auto& line : util::Split(*props, '\n')) {
        if (util::StartsWith(line, "name=")) name = util::Trim(line.substr(5));
      }
    }
    add(name);
  }
  return n;
}

Result<std::vector<Installed>> ParseCoreList(const std::string& json_text) {
  auto doc = ParseJson(json_text, "core list");
  if (!doc) return doc.error();
  std::vector<Installed> out;
  // {"platforms": [...]}; old releases printed the bare list.
  const nlohmann::json* list = doc->is_array() ? &*doc : nullptr;
  if (doc->is_object()) {
    if (auto p = doc->find("platforms"); p != doc->end() && p->is_array()) list = &*p;
  }
  if (!list) return out;  // `{}`: nothing installed
  for (const auto& e : *list) {
    if (!e.is_object()) continue;
    std::string version = StringField(e, "installed_version");
    if (version.empty()) version = StringField(e, "installed");
    out.push_back({StringField(e, "id"), version});
  }
  return out;
}

Result<std::vector<Installed>> ParseLibList(const std::string& json_text) {
  auto doc = ParseJson(json_text, "lib list");
  if (!doc) return doc.error();
  std::vector<Installed> out;
  const nlohmann::json* list = doc->is_array() ? &*doc : nullptr;
  if (doc->is_object()) {
    if (auto p = doc->find("installed_libraries"); p != doc->end() && p->is_array()) list = &*p;
  }
  if (!list) return out;
  for (const auto& e : *list) {
    if (!e.is_object()) continue;
    auto lib = e.find("library");
    if (lib == e.end() || !lib->is_object()) continue;
    out.push_back({StringField(*lib, "name"), StringField(*lib, "version")});
  }
  return out;
}

Result<std::vector<Installed>> ListInstalled(const ArduinoCliSettings& cli, const std::string& kind,
                                             exec::ProcessRunner* runner) {
  if (cli.program.empty()) return Error{errc::kEnv, "arduino-cli not found"};
  auto work = MakeBuildFolder();
  if (!work) return work.error();
  util::RemoveTreeOnExit remove{*work};
  auto run = runner->Run(CliRequest(cli, {cli.program, kind, "list", "--format", "json"}, *work));
  if (!run) return run.error();
  if (run->exit_code != 0) {
    return Error{errc::kEnv, "arduino-cli " + kind + " list failed (exit " + std::to_string(run->exit_code) +
                                 "): " + run->stderr_data.substr(0, 500) + run->stdout_data.substr(0, 500)};
  }
  return kind == "core" ? ParseCoreList(run->stdout_data) : ParseLibList(run->stdout_data);
}

Result<UploadResult> UploadWithArduinoCli(const ArduinoCliSettings& cli, const BoardSpec& board,
                                          const std::string& sketch_path, const std::string& model_header,
                                          const std::string& port, exec::ProcessRunner* runner) {
  if (cli.program.empty()) return Error{errc::kEnv, "arduino-cli not found"};
  int64_t start = util::MonotonicMs();
  auto work = MakeBuildFolder();
  if (!work) return work.error();
  util::RemoveTreeOnExit remove{*work};
  auto dir = StageSketch(*work, sketch_path, model_header);
  if (!dir) return dir.error();
  // upload flashes a build: compile it first (sandboxed, like every build), then upload that.
  auto compile = runner->Run(CliRequest(cli, {cli.program, "compile", "--fqbn", board.fqbn, "--format", "json",
                                              "--build-path", *work + "/build", *dir},
                                        *work));
  if (!compile) return compile.error();
  if (compile->exit_code != 0) {
    UploadResult u;
    u.exit_code = compile->exit_code;
    u.output = "arduino-cli compile failed before upload:\n" + compile->stdout_data + compile->stderr_data;
    u.ms = util::MonotonicMs() - start;
    return u;
  }
  auto req = CliRequest(cli, {cli.program, "upload", "-p", port, "--fqbn", board.fqbn, "--build-path",
                              *work + "/build", *dir},
                        *work);
  // The serial device, the board's USB re-enumeration (1200 bps touch) and the host's udev view
  // are needed: no private filesystem or network view, no user switch.
  req.policy.isolate_filesystem = false;
  req.policy.isolate_network = false;
  req.policy.drop_privileges = false;
  auto run = runner->Run(req);
  if (!run) return run.error();
  UploadResult u;
  u.exit_code = run->exit_code;
  u.success = run->exit_code == 0;
  u.output = run->stdout_data + run->stderr_data;
  u.ms = util::MonotonicMs() - start;
  return u;
}

}  // namespace autopilot::board
