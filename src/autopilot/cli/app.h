#pragma once
// Entry point of the autopilot command line.

#include "autopilot/util/result.h"

namespace autopilot::cli {

/// Exit codes of every command (a contract: scripts and CI rely on them).
enum ExitCode : int {
  kExitOk = 0,        ///< success
  kExitFailed = 1,    ///< the checked thing failed (a check, a run, a validation)
  kExitUsage = 2,     ///< usage or configuration error
  kExitInternal = 3,  ///< the tool itself failed
};

/// The one exit code for a command that stops on `error` (every command uses it):
///  2 (usage) for what the user can fix in the call or its files: usage, config (malformed
///    files, errors name file:line), env.misconfigured (a missing tool or setting),
///    import.malformed, store.exists;
///  3 (internal) for harness.bug, a defect of the tool;
///  1 (failed) for everything else: the checked thing failed, or a file, store or model could
///    not be used.
int ExitCodeFor(const Error& error);

/// Parses `argv`, runs the chosen subcommand and returns its exit code. Never throws.
int Main(int argc, char** argv);

}  // namespace autopilot::cli
