#pragma once
// Entry point of the autopilot command line.

namespace autopilot::cli {

/// Exit codes of every command (a contract: scripts and CI rely on them).
enum ExitCode : int {
  kExitOk = 0,        ///< success
  kExitFailed = 1,    ///< the checked thing failed (a check, a run, a validation)
  kExitUsage = 2,     ///< usage or configuration error
  kExitInternal = 3,  ///< the tool itself failed
};

/// Parses `argv`, runs the chosen subcommand and returns its exit code. Never throws.
int Main(int argc, char** argv);

}  // namespace autopilot::cli
