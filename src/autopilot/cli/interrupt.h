#pragma once
// Ctrl-C for long commands (run, sweep): the first SIGINT sets a flag the work checks between
// steps; the handler is then reset, so a second Ctrl-C ends the tool at once.

#include <atomic>
#include <csignal>

namespace autopilot::cli {

/// Installs the handler for its lifetime and restores the previous one after. One at a time.
class SigintFlag {
 public:
  SigintFlag();
  ~SigintFlag();
  SigintFlag(const SigintFlag&) = delete;
  SigintFlag& operator=(const SigintFlag&) = delete;

  /// Set once SIGINT arrived.
  const std::atomic<bool>* flag() const;
  bool raised() const { return flag()->load(); }

 private:
  struct sigaction previous_ {};
};

}  // namespace autopilot::cli
