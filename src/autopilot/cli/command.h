#pragma once
// The subcommand table: each command registers its options on a CLI11 sub-app and returns the
// function to run once parsing succeeded.

#include <functional>
#include <string>

#include "autopilot/util/result.h"

namespace CLI {
class App;
}

namespace autopilot::config {
struct ProjectConfig;
}

namespace autopilot::cli {

/// Options every command sees.
struct GlobalOptions {
  bool json = false;         ///< machine-readable output on stdout
  std::string config_path;   ///< --config, else $AUTOPILOT_CONFIG, else ./autopilot.yaml if present
  bool quiet = false;
};

/// Runs the parsed command; returns an ExitCode.
using CommandRunner = std::function<int()>;

/// One row of the command table.
struct CommandSpec {
  const char* name;
  const char* summary;
  CommandRunner (*setup)(CLI::App* sub, GlobalOptions* globals);
};

CommandRunner SetupDoctor(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupSandbox(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupConfig(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupStore(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupClassify(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupExtract(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupValidate(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupRuns(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupBoard(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupModel(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupData(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupLlm(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupSweep(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupMerge(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupImport(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupRejudge(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupRun(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupReport(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupEdge(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupServe(CLI::App* sub, GlobalOptions* globals);
CommandRunner SetupExport(CLI::App* sub, GlobalOptions* globals);

/// Loads the project configuration named by the globals (or defaults when there is none).
Result<config::ProjectConfig> LoadConfig(const GlobalOptions& globals);
/// The store path: explicit flag, else $AUTOPILOT_STORE, else the configuration's.
Result<std::string> ResolveStorePath(const GlobalOptions& globals, const std::string& flag);

}  // namespace autopilot::cli
