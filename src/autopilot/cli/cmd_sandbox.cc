// autopilot sandbox run [...] -- CMD ARGS... | autopilot sandbox check

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/self_check.h"

namespace autopilot::cli {
namespace {

/// Options of `sandbox run`, bound to CLI11.
struct RunOptions {
  double timeout_s = 60;
  int64_t memory_mb = 2048;
  std::string workdir;
  bool allow_network = false;
  int64_t max_output_kb = 1024;
  int64_t max_processes = 128;
  double grace_s = 2;
  bool keep_workdir = false;
  bool share_filesystem = false;
  std::vector<std::string> env;
  std::vector<std::string> ro;
  std::vector<std::string> rw;
  std::vector<std::string> command;
};

nlohmann::ordered_json ResultJson(const exec::ProcessResult& r) {
  return {{"exit_code", r.exit_code},
          {"signal", r.signal},
          {"timed_out", r.timed_out},
          {"wall_ms", r.wall_ms},
          {"cpu_ms", r.cpu_ms},
          {"max_rss_kb", r.max_rss_kb},
          {"stdout", r.stdout_data},
          {"stderr", r.stderr_data},
          {"stdout_truncated", r.stdout_truncated},
          {"stderr_truncated", r.stderr_truncated},
          {"network_isolated", r.network_isolated},
          {"filesystem_isolated", r.filesystem_isolated},
          {"pids_isolated", r.pids_isolated},
          {"process_limit", r.process_limit},
          {"redacted", r.redacted},
          {"stdout_bytes", r.stdout_bytes},
          {"stderr_bytes", r.stderr_bytes},
          {"limit_hit", r.limit_hit},
          {"run_as", r.run_as},
          {"workdir", r.workdir}};
}

int RunCommand(const GlobalOptions& g, const RunOptions& o) {
  if (o.command.empty()) {
    return ReportFailure(g.json, Error{errc::kUsage, "no command given: autopilot sandbox run [OPTIONS] -- CMD ARGS..."});
  }
  exec::ProcessRequest req;
  req.argv = o.command;
  req.workdir = o.workdir;
  req.keep_workdir = o.keep_workdir;
  req.policy.timeout_s = o.timeout_s;
  req.policy.kill_grace_s = o.grace_s;
  req.policy.memory_mb = o.memory_mb;
  req.policy.max_output_bytes = static_cast<size_t>(o.max_output_kb) * 1024;
  req.policy.max_processes = o.max_processes;
  req.policy.isolate_network = !o.allow_network;
  req.policy.extra_env = o.env;
  req.policy.isolate_filesystem = !o.share_filesystem;
  // --ro SRC[:DEST] / --rw SRC[:DEST]: host paths shown inside the view.
  for (const auto* list : {&o.ro, &o.rw}) {
    for (const auto& spec : *list) {
      exec::Mount m;
      size_t colon = spec.find(':');
      m.source = spec.substr(0, colon);
      if (colon != std::string::npos) m.target = spec.substr(colon + 1);
      m.writable = list == &o.rw;
      req.mounts.push_back(m);
    }
  }
  exec::SandboxRunner runner;
  auto r = runner.Run(req);
  if (!r) {
    return ReportFailure(g.json, r.error());
  }
  if (g.json) {
    PrintJson(ResultJson(*r));
  } else {
    std::cout << r->stdout_data;
    std::cout.flush();
    std::cerr << r->stderr_data;
    std::string how = r->timed_out ? "timed out, killed" + (r->signal ? " by signal " + std::to_string(r->signal) : std::string())
                      : r->signal ? "killed by signal " + std::to_string(r->signal)
                                  : "exit " + std::to_string(r->exit_code);
    std::cerr << "sandbox: " << how << " after " << r->wall_ms << " ms (cpu " << r->cpu_ms
              << " ms, max rss " << r->max_rss_kb << " KB, network "
              << (r->network_isolated ? "isolated" : "NOT isolated") << ", filesystem "
              << (r->filesystem_isolated ? "private" : "SHARED") << ", pids "
              << (r->pids_isolated ? "own namespace" : "SHARED") << ", as " << r->run_as
              << ")";
    if (r->stdout_truncated || r->stderr_truncated) {
      std::cerr << "; output truncated (" << r->stdout_bytes << " stdout / " << r->stderr_bytes
                << " stderr bytes produced)";
    }
    if (!r->limit_hit.empty()) std::cerr << "; " << r->limit_hit << " limit hit";
    if (!r->workdir.empty() && o.keep_workdir) std::cerr << "; workdir kept: " << r->workdir;
    std::cerr << "\n";
  }
  return (r->exit_code == 0 && !r->timed_out) ? kExitOk : kExitFailed;
}

int CheckCommand(const GlobalOptions& g) {
  exec::SandboxRunner runner;
  auto items = exec::RunSelfCheck(&runner);
  bool ok = true;
  for (const auto& i : items) ok = ok && i.status != "fail";
  if (g.json) {
    nlohmann::ordered_json doc{{"ok", ok}, {"checks", nlohmann::ordered_json::array()}};
    for (const auto& i : items) {
      doc["checks"].push_back({{"name", i.name}, {"status", i.status}, {"detail", i.detail}});
    }
    PrintJson(doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : items) rows.push_back({i.name, i.status, i.detail});
    std::cout << FormatTable({"sandbox check", "status", "detail"}, rows);
    std::cout << (ok ? "sandbox: self-check passed\n" : "sandbox: self-check FAILED\n");
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace

CommandRunner SetupSandbox(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto opts = std::make_shared<RunOptions>();
  auto action = std::make_shared<std::string>();
  CLI::App* run = sub->add_subcommand(
      "run",
      "Run CMD in the sandbox: a private filesystem view (system runtime read-only, its own "
      "workdir, private /tmp), its own PID namespace, only stdin/stdout/stderr inherited, "
      "time/memory/process/file limits, capped output, secrets removed from the environment, no "
      "network unless allowed. Exit 0 when CMD exits 0 in time, 1 otherwise.");
  run->add_option("--timeout", opts->timeout_s, "Wall-clock limit in seconds")
      ->default_val(60)
      ->check(CLI::PositiveNumber);
  run->add_option("--memory", opts->memory_mb, "Address-space limit in MB (0 = none)")
      ->default_val(2048)
      ->check(CLI::NonNegativeNumber);
  run->add_option("--workdir", opts->workdir,
                  "Working directory (default: a fresh temporary one, removed afterwards)");
  run->add_flag("--allow-network", opts->allow_network, "Do not isolate the network");
  run->add_option("--max-output", opts->max_output_kb, "Bytes kept per stream, in KB")
      ->default_val(1024)
      ->check(CLI::PositiveNumber);
  run->add_option("--max-procs", opts->max_processes, "Process limit (RLIMIT_NPROC)")
      ->default_val(128)
      ->check(CLI::NonNegativeNumber);
  run->add_option("--grace", opts->grace_s, "Seconds between SIGTERM and SIGKILL on timeout")
      ->default_val(2)
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--keep-workdir", opts->keep_workdir, "Keep the temporary working directory");
  run->add_option("--env", opts->env, "NAME=VALUE to pass (secret-looking names are refused)");
  run->add_option("--ro", opts->ro,
                  "SRC[:DEST] host file or folder shown read-only at DEST (absolute, or relative to "
                  "the workdir; default: SRC). Absolute paths on the command line are shown too");
  run->add_option("--rw", opts->rw, "SRC[:DEST] like --ro, but writable");
  run->add_flag("--share-filesystem", opts->share_filesystem,
                "Let the command see the host's files (trusted commands only)");
  run->add_option("command", opts->command, "Program and arguments (after --)");
  run->callback([action] { *action = "run"; });
  CLI::App* check = sub->add_subcommand(
      "check", "Self-check: prove timeout, secret filtering, network isolation, output cap, "
               "memory limit, filesystem view, private /tmp, descriptors, PID namespace, per-run "
               "process limit and privilege drop on this machine (warn: the kernel refuses it here)");
  check->callback([action] { *action = "check"; });
  return [globals, opts, action]() -> int {
    if (*action == "check") return CheckCommand(*globals);
    return RunCommand(*globals, *opts);
  };
}

}  // namespace autopilot::cli
