#include "autopilot/tflite/litert_oracle.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/which.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

std::string ScriptPath() { return util::DataPath("tools/litert/litert_run.mjs"); }

std::string NodeDir() { return util::DataPath("tools/node"); }

}  // namespace

bool LiteRtAvailable(std::string* why) {
  if (exec::Which("node").empty()) {
    *why = "node is not installed (scripts/bootstrap installs nodejs)";
    return false;
  }
  if (!util::PathExists(ScriptPath())) {
    *why = ScriptPath() + " is missing";
    return false;
  }
  if (!util::PathExists(NodeDir() + "/node_modules/@litertjs/core/package.json")) {
    *why = "@litertjs/core is not installed under " + NodeDir() + " (run scripts/bootstrap)";
    return false;
  }
  return true;
}

Result<LiteRtRun> RunLiteRt(const std::string& model_path, const std::vector<TensorBytesList>& inferences,
                            int repeat) {
  std::string why;
  if (!LiteRtAvailable(&why)) return Error{"litert", why};
  nlohmann::json req;
  req["model"] = model_path;
  req["repeat"] = repeat;
  req["inputs"] = nlohmann::json::array();
  for (const auto& inf : inferences) {
    nlohmann::json one = nlohmann::json::array();
    for (const auto& bytes : inf) one.push_back(bytes);
    req["inputs"].push_back(one);
  }
  exec::ProcessRequest pr;
  pr.argv = {exec::Which("node"), ScriptPath()};
  pr.stdin_data = req.dump();
  pr.policy.timeout_s = 300;
  pr.policy.memory_mb = 0;  // WebAssembly reserves a large address space
  pr.policy.isolate_network = false;
  pr.policy.isolate_filesystem = false;  // our own harness, node_modules and model paths: trusted
  pr.policy.drop_privileges = false;
  pr.policy.inherit_env = true;
  pr.policy.max_processes = 0;
  pr.policy.max_output_bytes = size_t{256} << 20;
  pr.policy.extra_env = {"AUTOPILOT_NODE_DIR=" + NodeDir()};
  exec::SandboxRunner runner;
  auto r = runner.Run(pr);
  if (!r) return r.error();
  if (r->exit_code != 0) {
    return Error{"litert", "LiteRT run failed (exit " + std::to_string(r->exit_code) + "): " + r->stderr_data};
  }
  // LiteRT logs to stdout too; the result is the last line that is a JSON object.
  std::string last;
  size_t pos = 0;
  while (pos < r->stdout_data.size()) {
    size_t end = r->stdout_data.find('\n', pos);
    if (end == std::string::npos) end = r->stdout_data.size();
    if (r->stdout_data.compare(pos, 1, "{") == 0) last = r->stdout_data.substr(pos, end - pos);
    pos = end + 1;
  }
  auto doc = nlohmann::json::parse(last, nullptr, false);
  if (doc.is_discarded() || !doc.contains("outputs")) {
    return Error{"litert", "LiteRT runner printed no result: " + r->stdout_data.substr(0, 200)};
  }
  LiteRtRun run;
  run.load_ms = doc.value("load_ms", 0.0);
  run.run_us = doc.value("run_us", 0.0);
  for (const auto& inf : doc["outputs"]) {
    TensorBytesList outs;
    for (const auto& t : inf) outs.push_back(t.get<std::vector<uint8_t>>());
    run.outputs.push_back(std::move(outs));
  }
  return run;
}

}  // namespace autopilot::tflite
