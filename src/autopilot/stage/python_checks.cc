#include "autopilot/stage/python_checks.h"

#include <algorithm>
#include <regex>
#include <set>

#include "autopilot/taxonomy/category.h"
#include "autopilot/stage/failure_verdict.h"
#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

/// The last line that looks like "SomeError: message" in a traceback, or like OpenCV's
/// "cv2.error: OpenCV(4.6.0) ..." (a lower-case exception name in a module).
std::string FinalExceptionLine(const std::string& stderr_text) {
  static const std::regex kExc(R"(^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|\.error)\b.*)$)");
  std::string last;
  for (const auto& line : util::Split(stderr_text, '\n')) {
    std::smatch m;
    std::string t = util::Trim(line);
    if (std::regex_match(t, m, kExc)) last = t;
  }
  return last;
}

/// The taxonomy's verdict on a failed run: the shared classifier (failure_verdict.h), so the run
/// layer and `autopilot classify` never disagree.
std::string ClassifyRunFailure(const std::string& stage, const std::string& stderr_text) {
  taxonomy::FailureInput input;
  input.stage = stage;
  input.layer = "run";
  input.text = stderr_text;
  return std::string(taxonomy::IdOf(ClassifyStageFailure(input).primary));
}

}  // namespace

std::vector<std::string> ImportedModules(const std::string& code) {
  static const std::regex kImport(R"(^\s*import\s+(.+)$)");
  static const std::regex kFrom(R"(^\s*from\s+([\w.]+)\s+import\s)");
  std::set<std::string> mods;
  for (const auto& raw : util::Split(code, '\n')) {
    std::smatch m;
    if (std::regex_search(raw, m, kFrom)) {
      std::string mod = m[1];
      if (!mod.empty() && mod[0] != '.') mods.insert(mod.substr(0, mod.find('.')));
    } else if (std::regex_search(raw, m, kImport)) {
      for (auto part : util::Split(m[1].str(), ',')) {
        std::string name = util::Trim(part);
        name = name.substr(0, name.find(' '));
        name = name.substr(0, name.find('.'));
        if (!name.empty() && name.find('#') == std::string::npos) mods.insert(name);
      }
    }
  }
  return {mods.begin(), mods.end()};
}

validate::LayerResult CheckPythonStatic(const std::string& code, const std::string& python,
                                        const std::vector<std::string>& allowed_modules,
                                        exec::ProcessRunner* runner) {
  validate::LayerResult layer;
  layer.layer = "static";
  int64_t t0 = util::MonotonicMs();
  exec::ProcessRequest req;
  req.argv = {python, "-c",
              "import ast, sys\n"
              "src = sys.stdin.read()\n"
              "try:\n"
              "    compile(src, 'script.py', 'exec')\n"
              "except SyntaxError as e:\n"
              "    print(f'{e.lineno}\\t{type(e).__name__}: {e.msg}')\n"
              "    sys.exit(1)\n"};
  req.stdin_data = code;
  req.policy.timeout_s = 30;
  auto r = runner->Run(req);
  if (!r) {
    layer.passed = false;
    layer.diagnostics.push_back({"static", "harness.bug", "cannot run " + python + ": " + r.error().message, "", {}, ""});
  } else if (r->exit_code != 0) {
    layer.passed = false;
    auto parts = util::Split(util::Trim(r->stdout_data), '\t');
    validate::Diagnostic d{"static", "static.syntax", util::Trim(r->stdout_data + r->stderr_data),
                           "script.py", {}, "fix the syntax error"};
    if (parts.size() == 2) {
      d.line = std::atoi(parts[0].c_str());
      d.message = parts[1];
    }
    layer.diagnostics.push_back(d);
  }
  if (layer.passed) {
    for (const auto& mod : ImportedModules(code)) {
      if (std::find(allowed_modules.begin(), allowed_modules.end(), mod) == allowed_modules.end()) {
        layer.passed = false;
        layer.diagnostics.push_back({"static", "runtime.import",
                                     "imports '" + mod + "', which is not available here",
                                     "script.py", {},
                                     "use only: " + util::Join(allowed_modules, ", ")});
      }
    }
  }
  layer.duration_ms = util::MonotonicMs() - t0;
  return layer;
}

validate::LayerResult RunPythonScript(const std::string& stage, const std::string& workdir,
                                      const std::string& script_name, const std::string& python,
                                      const exec::SandboxPolicy& policy, exec::ProcessRunner* runner,
                                      exec::ProcessResult* out) {
  exec::ProcessRequest req;
  req.argv = {python, script_name};
  req.workdir = workdir;
  req.policy = policy;
  return RunPythonRequest(stage, script_name, req, runner, out);
}

validate::LayerResult RunPythonRequest(const std::string& stage, const std::string& script_name,
                                       const exec::ProcessRequest& req, exec::ProcessRunner* runner,
                                       exec::ProcessResult* out) {
  validate::LayerResult layer;
  layer.layer = "run";
  int64_t t0 = util::MonotonicMs();
  const exec::SandboxPolicy& policy = req.policy;
  auto r = runner->Run(req);
  layer.duration_ms = util::MonotonicMs() - t0;
  if (!r) {
    layer.passed = false;
    layer.diagnostics.push_back({"run", "harness.bug", r.error().message, "", {}, ""});
    return layer;
  }
  if (out) *out = *r;
  if (r->timed_out) {
    layer.passed = false;
    layer.diagnostics.push_back({"run", "runtime.timeout",
                                 "the script did not finish within " +
                                     std::to_string(static_cast<int>(policy.timeout_s)) + " s",
                                 script_name, {}, "avoid endless loops and waiting for input"});
  } else if (r->exit_code != 0) {
    layer.passed = false;
    std::string last = FinalExceptionLine(r->stderr_data);
    std::string code;
    if (r->signal && last.empty()) {
      // A native abort (Qt without a display, a failed assertion in a library) still says why on
      // stderr: the classifier decides when it knows the text, else it is a crash.
      code = ClassifyRunFailure(stage, r->stderr_data);
      if (code == "unknown" || code == "env.misconfigured") code = "runtime.crash";
    } else {
      code = ClassifyRunFailure(stage, r->stderr_data);
    }
    if (!r->limit_hit.empty()) code = "runtime.resource_limit";
    static const std::regex kLine(R"re(File "(?:[^"]*/)?([^"/]+\.py)", line (\d+))re");
    std::optional<int> line;
    std::string err = r->stderr_data;
    for (auto it = std::sregex_iterator(err.begin(), err.end(), kLine); it != std::sregex_iterator(); ++it) {
      if ((*it)[1] == script_name) line = std::stoi((*it)[2]);
    }
    std::string message = last;
    if (message.empty()) {
      message = r->signal ? "killed by signal " + std::to_string(r->signal)
                          : "exited with " + std::to_string(r->exit_code);
      std::string tail = util::Trim(r->stderr_data.substr(0, 400));
      if (!tail.empty()) message += ": " + tail;
    }
    layer.diagnostics.push_back({"run", code, message, script_name, line, ""});
  }
  return layer;
}

}  // namespace autopilot::stage
