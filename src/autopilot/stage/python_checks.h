#pragma once
// Static and run layers shared by the Python stages (DP, MC).

#include <string>
#include <vector>

#include "autopilot/exec/process_runner.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::stage {

/// Top-level modules the script imports (`import a.b` → "a", `from c import d` → "c").
std::vector<std::string> ImportedModules(const std::string& code);

/// Static layer: the script parses (py_compile, sandboxed) and imports only allowed modules.
/// A SyntaxError is static.syntax with its line; a module off the allow-list is runtime.import.
validate::LayerResult CheckPythonStatic(const std::string& code, const std::string& python,
                                        const std::vector<std::string>& allowed_modules,
                                        exec::ProcessRunner* runner);

/// Run layer: runs `script_name` (already written into `workdir`) with `python`, sandboxed.
/// Non-zero exit → the final traceback line as the message and the taxonomy classifier's code
/// for the `stage` (dp, mc); timeout → runtime.timeout.
validate::LayerResult RunPythonScript(const std::string& stage, const std::string& workdir,
                                      const std::string& script_name, const std::string& python,
                                      const exec::SandboxPolicy& policy, exec::ProcessRunner* runner,
                                      exec::ProcessResult* out);

/// Run layer for a request the caller prepared (mounts, environment, limits): as RunPythonScript.
/// A native abort is classified by what it printed (e.g. Qt without a display) before it is
/// called a crash.
validate::LayerResult RunPythonRequest(const std::string& stage, const std::string& script_name,
                                       const exec::ProcessRequest& req, exec::ProcessRunner* runner,
                                       exec::ProcessResult* out);

}  // namespace autopilot::stage
