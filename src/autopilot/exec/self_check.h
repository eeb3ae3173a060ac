#pragma once
// `autopilot sandbox check`: proves on this machine that the sandbox contains what it claims to.

#include <string>
#include <vector>

#include "autopilot/exec/process_runner.h"

namespace autopilot::exec {

/// One probe of the self-check.
struct SelfCheckItem {
  std::string name;
  std::string status;  ///< "pass", "fail", or "warn" (a protection the kernel does not allow here)
  std::string detail;
};

/// Runs the probes: spawn, timeout kill, secret filtering, network isolation, output cap,
/// memory limit, privilege drop.
std::vector<SelfCheckItem> RunSelfCheck(ProcessRunner* runner);

/// True when a process on this machine has `arg` as one of its arguments (probes and tests look
/// for what runs, since pids inside a PID namespace are not the host's).
bool AnyProcessHasArgument(const std::string& arg);

/// A TCP listener on 127.0.0.1 with an ephemeral port, for isolation probes and tests.
class LoopbackListener {
 public:
  LoopbackListener();
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;
  int port() const { return port_; }
  bool ok() const { return fd_ >= 0; }
  /// Connections accepted so far (non-blocking).
  int AcceptPending();

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace autopilot::exec
