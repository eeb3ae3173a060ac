// autopilot config check [FILE]

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"

namespace autopilot::cli {
namespace {

nlohmann::ordered_json ToJson(const config::ProjectConfig& c) {
  const auto& s = c.sandbox;
  return {{"source_file", c.source_file},
          {"version", c.version},
          {"application", {{"name", c.application.name}, {"description", c.application.description}}},
          {"paths", {{"store", c.store}, {"work_dir", c.work_dir}}},
          {"python", {{"interpreter", c.python}}},
          {"llm", {{"model", c.llm.model}, {"preset", c.llm.preset}}},
          {"sandbox",
           {{"timeout_s", s.timeout_s},
            {"kill_grace_s", s.kill_grace_s},
            {"memory_mb", s.memory_mb},
            {"max_output_kb", s.max_output_kb},
            {"max_processes", s.max_processes},
            {"max_open_files", s.max_open_files},
            {"max_file_mb", s.max_file_mb},
            {"allow_network", s.allow_network}}}};
}

}  // namespace

CommandRunner SetupConfig(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  CLI::App* check = sub->add_subcommand(
      "check", "Validate a project file and print the resolved settings (exit 2 when invalid)");
  auto file = std::make_shared<std::string>();
  check->add_option("file", *file, "Project file (default: the global --config or autopilot.yaml)");
  return [globals, file]() -> int {
    GlobalOptions g = *globals;
    if (!file->empty()) g.config_path = *file;
    auto cfg = LoadConfig(g);
    if (!cfg) {
      ReportError(g.json, cfg.error());
      return kExitUsage;
    }
    if (g.json) {
      PrintJson(ToJson(*cfg));
    } else {
      std::cout << (cfg->source_file.empty() ? std::string("(built-in defaults)") : cfg->source_file)
                << ": ok\n"
                << ToJson(*cfg).dump(2) << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
