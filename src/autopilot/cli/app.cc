#include "autopilot/cli/app.h"


#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>

#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/util/strings.h"
#include "autopilot/config/project_config.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {
namespace {

// The command table: adding a command is adding a row.
const CommandSpec kCommands[] = {
    {"doctor", "Check the toolchains and services this machine offers", &SetupDoctor},
    {"sandbox", "Run programs in the sandbox used for generated code", &SetupSandbox},
    {"config", "Validate and show the project configuration (autopilot.yaml)", &SetupConfig},
    {"store", "Inspect the run store (SQLite)", &SetupStore},
    {"runs", "List runs and show one attempt by attempt", &SetupRuns},
    {"classify", "Classify failure logs into the failure taxonomy", &SetupClassify},
    {"extract", "Extract the code from a raw LLM reply", &SetupExtract},
    {"run", "Run the lifecycle DP → train → MC → SG for a project, validated and repaired", &SetupRun},
    {"validate", "Run a stage's validator chain on existing code (no LLM)", &SetupValidate},
    {"board", "The virtual Nano 33 BLE Sense (build, run, check) and the real board through arduino-cli (build --toolchain arduino-cli, size estimate, flash, serial monitor)", &SetupBoard},
    {"model", "TFLite models: inspect, run, header, train, quantize, eval", &SetupModel},
    {"data", "Datasets: synthesize the case studies' data (fruit colour readings; IMU gesture captures and live streams)", &SetupData},
    {"edge", "The edge stages' files: write the synthetic detector, labels and video (edge example)", &SetupEdge},
    {"llm", "Talk to an LLM backend: chat, ping (OpenAI, Ollama, OpenAI-compatible, replay)", &SetupLlm},
    {"sweep", "Run an experiment matrix (models × formats × stages × presets × repetitions), resumable", &SetupSweep},
    {"merge", "Join run stores (e.g. sweep shards) into one", &SetupMerge},
    {"import", "Import external traces into the run store (Langfuse exports of the original study)", &SetupImport},
    {"rejudge", "Re-validate recorded attempts with this tool's chains; store the verdict beside the recorded one", &SetupRejudge},
    {"report", "Report a run store: success with CIs, pass@k, cost, failure taxonomy (html, md, csv, json)", &SetupReport},
    {"serve", "A local read-only web viewer of a run store: sweeps, cells, runs, attempts, live progress", &SetupServe},
    {"export", "Export a run store: OTLP/HTTP JSON traces with the OpenTelemetry GenAI names (otlp)", &SetupExport},
};

}  // namespace

Result<config::ProjectConfig> LoadConfig(const GlobalOptions& globals) {
  std::string path = globals.config_path;
  if (path.empty()) {
    const char* env = std::getenv("AUTOPILOT_CONFIG");
    if (env && *env) path = env;
  }
  if (path.empty() && util::PathExists("autopilot.yaml")) path = "autopilot.yaml";
  if (path.empty()) return config::DefaultProjectConfig(std::filesystem::current_path().string());
  if (!util::PathExists(path)) {
    return Error{errc::kConfig, path + ": configuration file not found"};
  }
  return config::LoadProjectConfig(path);
}

Result<std::string> ResolveStorePath(const GlobalOptions& globals, const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("AUTOPILOT_STORE");
  if (env && *env) return std::string(env);
  auto cfg = LoadConfig(globals);
  if (!cfg) return cfg.error();
  return cfg->store;
}

int ExitCodeFor(const Error& error) {
  const std::string& c = error.code;
  if (c == errc::kUsage || c == errc::kConfig || util::StartsWith(c, "config.") || util::StartsWith(c, "env.") ||
      c == errc::kImportMalformed || c == errc::kStoreExists) {
    return kExitUsage;
  }
  if (c == errc::kHarnessBug) return kExitInternal;
  return kExitFailed;
}

int Main(int argc, char** argv) {
  // A closed pipe on stdout must end the tool with an error, not a signal.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    CLI::App app{"Embedded ML Autopilot: drives LLMs through data processing, int8 TFLite "
                 "conversion and Arduino sketch generation, and validates every result.",
                 "autopilot"};
    app.set_version_flag("--version", std::string("autopilot ") + AUTOPILOT_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    GlobalOptions globals;
    app.add_flag("--json", globals.json, "Machine-readable JSON output on stdout");
    app.add_option("--config", globals.config_path,
                   "Project file (default: $AUTOPILOT_CONFIG, else ./autopilot.yaml if present)");
    app.footer(
        "Exit codes: 0 ok, 1 the checked thing failed, 2 usage or configuration error, "
        "3 internal error, 130 interrupted (run, sweep: rerun to resume).\nRun 'autopilot COMMAND --help' for a command's options.");

    std::vector<std::pair<CLI::App*, CommandRunner>> runners;
    for (const auto& spec : kCommands) {
      CLI::App* sub = app.add_subcommand(spec.name, spec.summary);
      runners.emplace_back(sub, spec.setup(sub, &globals));
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);
      return code == 0 ? kExitOk : kExitUsage;
    }
    for (auto& [sub, run] : runners) {
      if (sub->parsed()) return run();
    }
    PrintError("no command given; see 'autopilot --help'");
    return kExitUsage;
  } catch (const std::exception& e) {
    PrintError(std::string("internal error: ") + e.what());
    return kExitInternal;
  } catch (...) {
    PrintError("internal error: unknown exception");
    return kExitInternal;
  }
}

}  // namespace autopilot::cli
