#pragma once
// Running untrusted (LLM-generated) programs: the request, the limits, the outcome, and the seam.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::exec {

/// Limits and isolation applied to one child process and everything it starts.
struct SandboxPolicy {
  double timeout_s = 60.0;        ///< wall clock; then SIGTERM to the group
  double kill_grace_s = 2.0;      ///< after SIGTERM, SIGKILL to the group
  int64_t memory_mb = 2048;       ///< RLIMIT_AS per process; 0 = unlimited
  int64_t cpu_s = 0;              ///< RLIMIT_CPU; 0 = ceil(timeout_s) + 1
  int64_t max_file_mb = 256;      ///< RLIMIT_FSIZE; 0 = unlimited
  int64_t max_processes = 128;    ///< RLIMIT_NPROC (per user: see drop_privileges); 0 = unlimited
  int64_t max_open_files = 256;   ///< RLIMIT_NOFILE
  size_t max_output_bytes = 1u << 20;  ///< kept per stream; the rest is drained and counted
  bool isolate_network = true;    ///< new network namespace with only a private loopback
  bool drop_privileges = true;    ///< when the tool runs as root, run the child as `nobody`
  bool inherit_env = false;       ///< trusted tools only (doctor): keep the parent's env minus secrets
  /// Private mount namespace: the system runtime read-only, the workdir, the declared inputs and
  /// private /tmp, /dev/shm, /dev and /proc — nothing else of the host. Off only for trusted tools.
  bool isolate_filesystem = true;
  bool isolate_pids = true;       ///< own PID namespace under a tiny init: nothing outlives the run
  int64_t tmpfs_mb = 256;         ///< size of the private /tmp and /dev/shm each
  std::vector<std::string> extra_env;  ///< NAME=VALUE added to the allow-listed env (secrets refused)
};

/// A host path the child sees inside its private filesystem view.
struct Mount {
  std::string source;     ///< host path (file or directory); must exist
  std::string target;     ///< path inside the sandbox (absolute, or relative to the workdir); empty = source
  bool writable = false;  ///< read-only unless set
};

/// One program to run.
struct ProcessRequest {
  std::vector<std::string> argv;
  /// Declared inputs. Besides these, every absolute argv path (also `-I/dir`, `--opt=/path`) that
  /// exists on the host is shown read-only at the same path: what a command names, it may read.
  std::vector<Mount> mounts;
  std::string workdir;        ///< empty: a fresh temporary directory, removed afterwards
  bool keep_workdir = false;  ///< keep a fresh temporary directory (its path is in the result)
  std::string stdin_data;     ///< empty: stdin is /dev/null
  SandboxPolicy policy;
};

/// What happened. Field names match `autopilot sandbox run --json`.
struct ProcessResult {
  int exit_code = -1;  ///< -1 when the process was killed by a signal
  int signal = 0;      ///< terminating signal, 0 if it exited
  bool timed_out = false;
  int64_t wall_ms = 0;
  int64_t cpu_ms = 0;       ///< user + system time of the child and its reaped descendants
  int64_t max_rss_kb = 0;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  uint64_t stdout_bytes = 0;  ///< total produced, including what was dropped
  uint64_t stderr_bytes = 0;
  bool network_isolated = false;
  bool filesystem_isolated = false;  ///< ran in a private mount namespace (see SandboxPolicy)
  bool pids_isolated = false;        ///< ran in its own PID namespace
  std::string process_limit;         ///< "cgroup" (per run), "rlimit" (per user) or "" (none)
  bool redacted = false;  ///< secrets in stdout/stderr were replaced by [redacted:…] markers
  std::string workdir;
  std::string run_as;     ///< user the child ran as, e.g. "nobody(65534)"
  std::string limit_hit;  ///< "cpu", "file_size" or "" (memory limits surface as allocation errors)
};

/// Seam: the sandbox in production, fakes in tests of callers.
class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  /// Runs the request to completion. An Error means the tool could not run it at all (resources,
  /// bad workdir); a program that cannot be executed is a result with exit code 127.
  virtual Result<ProcessResult> Run(const ProcessRequest& request) = 0;
};

/// The Linux sandbox: the program as PID 2 under an init in its own PID and mount namespaces (a
/// private filesystem view; the namespaces kept per slot and emptied after every run), a pooled
/// network namespace joined with setns, a per-run pids cgroup, rlimits, only stdio
/// inherited, capped capture, env allow-list, privilege drop, wall-clock timeout with TERM then
/// KILL of everything in the run. Degrades to what the kernel allows; the result says what held.
class SandboxRunner final : public ProcessRunner {
 public:
  Result<ProcessResult> Run(const ProcessRequest& request) override;
};

/// Why this machine runs sandboxed programs without a private filesystem view ("" when it can).
std::string SandboxViewUnavailableReason();

}  // namespace autopilot::exec
