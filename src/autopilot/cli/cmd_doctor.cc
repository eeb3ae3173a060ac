// autopilot doctor [--json]

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/board/arduino_cli.h"
#include "autopilot/config/project_config.h"
#include "autopilot/doctor/doctor.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {

CommandRunner SetupDoctor(CLI::App* sub, GlobalOptions* globals) {
  sub->description(
      "Check every toolchain and service the tool can use: C++ compiler, Python and its modules, "
      "node and LiteRT, the ARM toolchain and QEMU, libclang, arduino-cli with the core and libraries the project's board needs (core of its FQBN, its sensors' libraries, the TFLM library of its profile; each missing one with its `arduino-cli core install` / `lib install` command), Ollama at "
      "$OLLAMA_HOST, and whether OPENAI_API_KEY is set (never its value). Exit 1 when something "
      "required is missing.");
  auto arduino_cli = std::make_shared<std::string>();
  sub->add_option("--arduino-cli", *arduino_cli,
                  "The arduino-cli executable (default: board.arduino_cli, $AUTOPILOT_ARDUINO_CLI, PATH)");
  return [globals, arduino_cli]() -> int {
    auto cfg = LoadConfig(*globals);
    if (!cfg) {
      return ReportFailure(globals->json, cfg.error());
    }
    doctor::DoctorOptions opts;
    opts.python = cfg->python;
    opts.node_module_dirs = {util::DataPath("tools/node/node_modules"),
                             "node_modules"};
    if (const char* nm = std::getenv("AUTOPILOT_NODE_MODULES"); nm && *nm) {
      opts.node_module_dirs.insert(opts.node_module_dirs.begin(), nm);
    }
    // The project's board: which arduino-cli core and libraries its sketch needs.
    opts.arduino_cli = !arduino_cli->empty() ? *arduino_cli : cfg->board.arduino_cli;
    if (auto needs = board::ArduinoNeedsOf(cfg->board.model, cfg->board.sensors, cfg->board.profile)) {
      opts.arduino_fqbn = needs->fqbn;
      opts.arduino_core = needs->core;
      opts.arduino_libraries = needs->libraries;
    }
    exec::SandboxRunner runner;
    auto checks = doctor::RunDoctor(opts, &runner);
    bool ok = true;
    for (const auto& c : checks) ok = ok && (c.found || !c.required);
    if (globals->json) {
      nlohmann::ordered_json doc;
      doc["ok"] = ok;
      doc["checks"] = nlohmann::ordered_json::array();
      for (const auto& c : checks) {
        doc["checks"].push_back({{"name", c.name},
                                 {"found", c.found},
                                 {"required", c.required},
                                 {"version", c.version},
                                 {"needed_by", c.needed_by},
                                 {"detail", c.detail}});
      }
      PrintJson(doc);
    } else {
      std::vector<std::vector<std::string>> rows;
      for (const auto& c : checks) {
        std::string status = c.found ? "found" : (c.required ? "MISSING" : "missing");
        rows.push_back({c.name, status, c.version.empty() ? "-" : c.version, c.needed_by,
                        c.detail});
      }
      std::cout << FormatTable({"name", "status", "version", "needed by", "detail"}, rows);
      std::cout << (ok ? "doctor: everything required is present\n"
                       : "doctor: something required is MISSING (run scripts/bootstrap)\n");
    }
    return ok ? kExitOk : kExitFailed;
  };
}

}  // namespace autopilot::cli
