#pragma once
// Runs the built autopilot binary the way a user would, for the CLI tests of every area. The tool
// under test is trusted: it runs outside the sandbox's filesystem view and network namespace,
// with the test's environment (plus `env`, set inside the child so that even secret-looking test
// values reach the tool).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "autopilot/exec/process_runner.h"

namespace autopilot::test {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

struct CliCall {
  std::vector<std::string> env;  ///< NAME=VALUE set for the tool only
  std::string stdin_data;
  double timeout_s = 60;
  std::string workdir = "/tmp";
};

inline CliRun RunCli(const std::vector<std::string>& args, const CliCall& call = {}) {
  exec::ProcessRequest req;
  req.argv = {"/usr/bin/env"};
  req.argv.insert(req.argv.end(), call.env.begin(), call.env.end());
  req.argv.push_back(AUTOPILOT_BINARY);
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.stdin_data = call.stdin_data;
  req.policy.timeout_s = call.timeout_s;
  req.policy.isolate_network = false;
  req.policy.drop_privileges = false;
  req.policy.inherit_env = true;
  req.policy.isolate_filesystem = false;
  req.policy.memory_mb = 0;
  req.policy.max_processes = 0;
  req.policy.max_output_bytes = 16 << 20;
  req.workdir = call.workdir;
  exec::SandboxRunner runner;
  auto r = runner.Run(req);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return {};
  return {r->exit_code, r->stdout_data, r->stderr_data};
}

}  // namespace autopilot::test
