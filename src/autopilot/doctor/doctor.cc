#include "autopilot/doctor/doctor.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "autopilot/board/arduino_cli.h"
#include "autopilot/exec/which.h"
#include "autopilot/llm/http_client.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::doctor {
namespace {

using nlohmann::json;

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return (v && *v) ? v : fallback;
}

/// Runs a trusted local tool (no sandbox isolation: these are the machine's own programs).
Result<exec::ProcessResult> RunTool(exec::ProcessRunner* runner, std::vector<std::string> argv,
                                    double timeout_s) {
  exec::ProcessRequest req;
  req.argv = std::move(argv);
  req.policy.timeout_s = timeout_s;
  req.policy.isolate_network = false;
  req.policy.drop_privileges = false;
  req.policy.inherit_env = true;
  req.policy.isolate_filesystem = false;  // the machine's own programs, wherever they live
  req.policy.memory_mb = 0;
  req.policy.max_processes = 0;
  req.policy.max_output_bytes = 1 << 20;
  return runner->Run(req);
}

/// First thing that looks like a version number in `text`.
std::string ExtractVersion(const std::string& text) {
  static const std::regex kVersion(R"((\d+\.\d+(?:\.\d+)?(?:[-+~][0-9A-Za-z.]+)?))");
  std::smatch m;
  std::string first = util::FirstLine(text);
  if (std::regex_search(first, m, kVersion)) return m[1];
  if (std::regex_search(text, m, kVersion)) return m[1];
  return "";
}

CheckResult ToolCheck(exec::ProcessRunner* runner, const std::string& name,
                      const std::string& program, const std::vector<std::string>& args,
                      const std::string& needed_by, bool required, double timeout_s) {
  CheckResult c;
  c.name = name;
  c.needed_by = needed_by;
  c.required = required;
  std::string path = exec::Which(program);
  if (program.find('/') != std::string::npos) path = util::IsExecutableFile(program) ? program : "";
  if (path.empty()) {
    c.detail = program + " not on PATH";
    return c;
  }
  std::vector<std::string> argv{path};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunTool(runner, argv, timeout_s);
  if (!r) {
    c.detail = path + ": " + r.error().message;
    return c;
  }
  if (r->exit_code != 0) {
    c.detail = path + " exited with " + std::to_string(r->exit_code) + ": " +
               util::Trim(util::FirstLine(r->stderr_data + r->stdout_data));
    return c;
  }
  c.found = true;
  c.version = ExtractVersion(r->stdout_data + "\n" + r->stderr_data);
  c.detail = path;
  return c;
}

std::vector<CheckResult> PythonModules(exec::ProcessRunner* runner, const DoctorOptions& o) {
  struct Module {
    const char* import_name;
    const char* label;
    const char* needed_by;
  };
  static const Module kModules[] = {
      {"numpy", "numpy", "DP and MC scripts; portable MC profile"},
      {"pandas", "pandas", "DP scripts written by the LLM"},
      {"sklearn", "sklearn", "DP scripts (splits, scaling)"},
      {"flatbuffers", "flatbuffers", "portable MC profile (.tflite writer helper)"},
      {"tensorflow", "tensorflow", "MC profile 'tensorflow' (TFLiteConverter)"},
  };
  std::vector<CheckResult> out;
  std::string script =
      "import importlib, json\n"
      "out = {}\n"
      "for name in ['numpy','pandas','sklearn','flatbuffers','tensorflow']:\n"
      "    try:\n"
      "        m = importlib.import_module(name)\n"
      "        out[name] = {'found': True, 'version': str(getattr(m, '__version__', ''))}\n"
      "    except Exception as e:\n"
      "        out[name] = {'found': False, 'error': type(e).__name__ + ': ' + str(e)}\n"
      "print(json.dumps(out))\n";
  json modules;
  std::string failure;
  if (!util::IsExecutableFile(o.python)) {
    failure = o.python + " not found";
  } else {
    auto r = RunTool(runner, {o.python, "-c", script}, o.probe_timeout_s * 4);
    if (!r) {
      failure = r.error().message;
    } else if (r->exit_code != 0 || r->timed_out) {
      failure = r->timed_out ? "module probe timed out"
                             : util::Trim(util::FirstLine(r->stderr_data));
    } else {
      modules = json::parse(r->stdout_data, nullptr, false);
      if (modules.is_discarded()) failure = "unreadable module probe output";
    }
  }
  for (const auto& m : kModules) {
    CheckResult c;
    c.name = std::string("python3: ") + m.label;
    c.needed_by = m.needed_by;
    if (!failure.empty()) {
      c.detail = failure;
    } else if (modules.contains(m.import_name) && modules[m.import_name].value("found", false)) {
      c.found = true;
      c.version = modules[m.import_name].value("version", "");
      c.detail = o.python;
    } else if (modules.contains(m.import_name)) {
      c.detail = modules[m.import_name].value("error", "not importable");
      if (std::string(m.import_name) == "tensorflow") {
        c.detail += " (not packaged for Debian 12; use the 'portable' MC profile)";
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

CheckResult LiteRtCheck(const DoctorOptions& o) {
  CheckResult c;
  c.name = "npm: @litertjs/core";
  c.needed_by = "oracle tests of the TFLite interpreter (Google's runtime in WASM)";
  for (const auto& dir : o.node_module_dirs) {
    std::string pkg = dir + "/@litertjs/core/package.json";
    auto text = util::ReadFile(pkg);
    if (!text) continue;
    json j = json::parse(*text, nullptr, false);
    c.found = true;
    c.version = j.is_object() ? j.value("version", "") : "";
    c.detail = pkg;
    return c;
  }
  c.detail = "not installed (scripts/bootstrap installs it under tools/node)";
  return c;
}

CheckResult LibclangCheck() {
  CheckResult c;
  c.name = "libclang";
  c.needed_by = "SG static checks (AST of sketches over the board SDK headers)";
  // Debian installs libclang as /usr/lib/llvm-N/lib/libclang.so.N or
  // /usr/lib/<triplet>/libclang-N.so.N.
  std::vector<std::pair<int, std::string>> found;
  if (DIR* d = ::opendir("/usr/lib")) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (!util::StartsWith(n, "llvm-")) continue;
      std::string lib = "/usr/lib/" + n + "/lib/libclang.so";
      std::string lib1 = "/usr/lib/" + n + "/lib/libclang.so.1";
      std::string path = util::PathExists(lib) ? lib : (util::PathExists(lib1) ? lib1 : "");
      if (path.empty()) continue;
      found.emplace_back(std::atoi(n.c_str() + 5), path);
    }
    ::closedir(d);
  }
  if (found.empty()) {
    c.detail = "no /usr/lib/llvm-*/lib/libclang.so (Debian package libclang-14-dev)";
    return c;
  }
  std::sort(found.begin(), found.end());
  c.found = true;
  c.version = std::to_string(found.back().first);
  c.detail = found.back().second;
  return c;
}

std::vector<CheckResult> ArduinoCli(exec::ProcessRunner* runner, const DoctorOptions& o) {
  std::vector<CheckResult> out;
  std::string program = o.arduino_cli.empty() ? Env("AUTOPILOT_ARDUINO_CLI", "arduino-cli") : o.arduino_cli;
  bool needed = !o.arduino_core.empty();
  CheckResult c = ToolCheck(runner, "arduino-cli", program, {"version"},
                            needed ? "board.toolchain arduino-cli, board flash (the project's board)"
                                   : "optional real compile of sketches for the board",
                            false, o.probe_timeout_s);
  if (!c.found && needed) {
    c.detail += "; install it from https://arduino.github.io/arduino-cli/ (no Debian package) or name it "
                "with board.arduino_cli / $AUTOPILOT_ARDUINO_CLI";
  }
  out.push_back(c);
  if (!c.found) return out;
  std::vector<board::Installed> cores, libs;
  for (const char* what : {"core", "lib"}) {
    auto r = RunTool(runner, {c.detail, what, "list", "--format", "json"}, o.probe_timeout_s);
    CheckResult item;
    bool is_core = std::string(what) == "core";
    item.name = std::string("arduino-cli ") + (is_core ? "cores" : "libraries");
    item.needed_by = "real compile of sketches";
    if (!r || r->exit_code != 0) {
      item.detail = "cannot list";
      out.push_back(item);
      continue;
    }
    auto list = is_core ? board::ParseCoreList(r->stdout_data) : board::ParseLibList(r->stdout_data);
    std::vector<std::string> names;
    if (list) {
      for (const auto& e : *list) names.push_back(e.name + (e.version.empty() ? "" : "@" + e.version));
      (is_core ? cores : libs) = *list;
    }
    item.found = !names.empty();
    item.detail = !list ? list.error().message : names.empty() ? "none installed" : util::Join(names, ", ");
    out.push_back(item);
  }
  // What the project needs: the core of its FQBN, its sensors' libraries and the TFLM library,
  // each with the command that installs it when it is missing.
  auto find = [](const std::vector<board::Installed>& list, const std::string& name) -> const board::Installed* {
    for (const auto& e : list) {
      if (util::ToLower(e.name) == util::ToLower(name)) return &e;
    }
    return nullptr;
  };
  if (needed) {
    CheckResult core;
    core.name = "core " + o.arduino_core;
    core.needed_by = "the project's board (" + o.arduino_fqbn + ")";
    if (const auto* e = find(cores, o.arduino_core)) {
      core.found = true;
      core.version = e->version;
      core.detail = "installed";
    } else {
      core.detail = "missing: arduino-cli core install " + o.arduino_core;
    }
    out.push_back(core);
  }
  for (const auto& lib : o.arduino_libraries) {
    CheckResult l;
    l.name = "library " + lib;
    l.needed_by = "the project's sketch";
    if (const auto* e = find(libs, lib)) {
      l.found = true;
      l.version = e->version;
      l.detail = "installed";
    } else {
      l.detail = "missing: arduino-cli lib install \"" + lib + "\"";
      // Removed from the Library Manager at the TFLM maintainers' request (wave2 facts §3.1).
      if (lib == "Arduino_TensorFlowLite") {
        l.detail += " (no longer in the Library Manager: install the tflite-micro Arduino port from its "
                    "repository, or use profile harvard_tinymlx)";
      }
    }
    out.push_back(l);
  }
  return out;
}

}  // namespace

Result<std::string> HttpGetText(const std::string& url, double timeout_s) {
  llm::HttpRequest req;
  req.method = "GET";
  req.url = url;
  req.limits.connect_timeout_s = timeout_s;
  req.limits.idle_timeout_s = timeout_s;
  req.limits.deadline_s = timeout_s;
  req.limits.max_response_bytes = 1u << 20;  // a version endpoint is tiny; refuse floods
  llm::HttpClient client;
  auto resp = client.Perform(req);
  if (resp.error) return *resp.error;
  if (resp.status < 200 || resp.status >= 300) {
    return Error{"transport.server_error", "HTTP " + std::to_string(resp.status)};
  }
  return resp.body;
}

/// What isolation generated code gets on this machine; what is missing, and why.
CheckResult SandboxCheck(exec::ProcessRunner* runner) {
  CheckResult c;
  c.name = "sandbox isolation";
  c.required = true;
  c.needed_by = "running generated code (autopilot sandbox check proves each protection)";
  exec::ProcessRequest req;
  req.argv = {"true"};
  req.policy.timeout_s = 10;
  auto r = runner->Run(req);
  if (!r) {
    c.detail = "cannot run a sandboxed program: " + r.error().message;
    return c;
  }
  c.found = r->exit_code == 0;
  std::vector<std::string> missing;
  if (!r->filesystem_isolated) {
    std::string why = exec::SandboxViewUnavailableReason();
    missing.push_back("no private filesystem view" + (why.empty() ? std::string() : " (" + why + ")"));
  }
  if (!r->pids_isolated) missing.push_back("no PID namespace");
  if (!r->network_isolated) missing.push_back("no network namespace");
  if (r->process_limit != "cgroup") missing.push_back("process limit shared by all runs (no pids cgroup)");
  c.detail = missing.empty() ? "filesystem view, PID and network namespaces, per-run pids cgroup, as " + r->run_as
                             : "MISSING: " + util::Join(missing, "; ") +
                                   " — run as root, or enable unprivileged user namespaces "
                                   "(sysctl kernel.unprivileged_userns_clone=1)";
  return c;
}

std::vector<CheckResult> RunDoctor(const DoctorOptions& o, exec::ProcessRunner* runner) {
  std::vector<CheckResult> out;
  double t = o.probe_timeout_s;
  std::string cxx = o.cxx.empty() ? Env("CXX", "g++") : o.cxx;
  out.push_back(ToolCheck(runner, "C++ compiler", cxx, {"--version"},
                          "virtual board host build of sketches", true, t));
  out.push_back(ToolCheck(runner, "python3", o.python, {"--version"},
                          "running DP and MC scripts (configurable: python.interpreter)", true, t));
  for (auto& c : PythonModules(runner, o)) out.push_back(std::move(c));
  out.push_back(SandboxCheck(runner));
  out.push_back(ToolCheck(runner, "node", "node", {"--version"},
                          "LiteRT oracle tests (TFLite runtime in WASM)", false, t));
  out.push_back(LiteRtCheck(o));
  out.push_back(ToolCheck(runner, "flatc", "flatc", {"--version"},
                          "building the TFLite schema subset", false, t));
  out.push_back(ToolCheck(runner, "arm-none-eabi-g++", "arm-none-eabi-g++", {"--version"},
                          "optional Cortex-M4 cross build of sketches", false, t));
  out.push_back(ToolCheck(runner, "qemu-system-arm", "qemu-system-arm", {"--version"},
                          "optional run of cross-built sketches on mps2-an386", false, t));
  out.push_back(LibclangCheck());
  for (auto& c : ArduinoCli(runner, o)) out.push_back(std::move(c));
  out.push_back(ToolCheck(runner, "chromium", "chromium", {"--version"},
                          "report rendering test (headless)", false, t));

  // Ollama: the version endpoint answers without loading a model.
  CheckResult ollama;
  std::string host = o.ollama_host.empty() ? Env("OLLAMA_HOST", "http://localhost:11434")
                                           : o.ollama_host;
  if (host.find("://") == std::string::npos) host = "http://" + host;
  ollama.name = "ollama";
  ollama.needed_by = "ollama:MODEL backends";
  auto body = HttpGetText(host + "/api/version", 2.0);
  if (body) {
    json j = json::parse(*body, nullptr, false);
    ollama.found = true;
    ollama.version = j.is_object() ? j.value("version", "") : "";
    ollama.detail = util::RedactUrlCredentials(host);
  } else {
    ollama.detail = "not reachable at " + util::RedactUrlCredentials(host) + " (" + body.error().message + ")";
  }
  out.push_back(ollama);

  // OpenAI: presence only. The value is never printed, logged or measured.
  CheckResult key;
  key.name = "OPENAI_API_KEY";
  key.needed_by = "openai:MODEL backends";
  key.found = std::getenv("OPENAI_API_KEY") && *std::getenv("OPENAI_API_KEY");
  key.detail = key.found ? "set (value not shown)" : "not set";
  std::string base = Env("OPENAI_BASE_URL");
  if (!base.empty()) key.detail += "; OPENAI_BASE_URL=" + util::RedactUrlCredentials(base);
  out.push_back(key);
  return out;
}

}  // namespace autopilot::doctor
