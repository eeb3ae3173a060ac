#include "autopilot/cli/interrupt.h"

namespace autopilot::cli {
namespace {

// The one piece of global state: a signal handler can reach nothing else.
std::atomic<bool> g_sigint{false};

extern "C" void OnSigint(int) { g_sigint.store(true); }

}  // namespace

SigintFlag::SigintFlag() {
  g_sigint.store(false);
  struct sigaction sa {};
  sa.sa_handler = OnSigint;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the tool at once
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &previous_);
}

SigintFlag::~SigintFlag() { ::sigaction(SIGINT, &previous_, nullptr); }

const std::atomic<bool>* SigintFlag::flag() const { return &g_sigint; }

}  // namespace autopilot::cli
