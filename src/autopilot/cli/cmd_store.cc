// autopilot store info|check [--store FILE]

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/store/migrations.h"
#include "autopilot/store/run_store.h"

namespace autopilot::cli {

CommandRunner SetupStore(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto store_flag = std::make_shared<std::string>();
  auto action = std::make_shared<std::string>();
  CLI::App* info = sub->add_subcommand(
      "info", "Show the store's path, schema version, journal mode and row counts (creates it)");
  CLI::App* check = sub->add_subcommand(
      "check", "Verify the store's integrity and references (exit 1 when damaged)");
  for (CLI::App* s : {info, check}) {
    s->add_option("--store", *store_flag,
                  "Store file (default: $AUTOPILOT_STORE, else paths.store of the config)");
  }
  info->callback([action] { *action = "info"; });
  check->callback([action] { *action = "check"; });
  return [globals, store_flag, action]() -> int {
    auto path = ResolveStorePath(*globals, *store_flag);
    if (!path) {
      return ReportFailure(globals->json, path.error());
    }
    auto store = store::RunStore::Open(*path);
    if (!store) {
      return ReportFailure(globals->json, store.error());
    }
    if (*action == "check") {
      auto r = store->CheckIntegrity();
      if (globals->json) {
        PrintJson({{"path", *path}, {"ok", r.ok()}, {"problem", r.ok() ? "" : r.error().message}});
      } else {
        std::cout << (r.ok() ? *path + ": ok\n" : r.error().message + "\n");
      }
      return r.ok() ? kExitOk : kExitFailed;
    }
    auto i = store->Info();
    if (!i) {
      return ReportFailure(globals->json, i.error());
    }
    if (globals->json) {
      nlohmann::ordered_json doc{{"path", i->path},
                                 {"schema_version", i->schema_version},
                                 {"latest_schema_version", store::LatestSchemaVersion()},
                                 {"journal_mode", i->journal_mode}};
      for (const auto& [table, n] : i->rows) doc["rows"][table] = n;
      PrintJson(doc);
    } else {
      std::cout << "store:          " << i->path << "\n"
                << "schema version: " << i->schema_version << "\n"
                << "journal mode:   " << i->journal_mode << "\n";
      for (const auto& [table, n] : i->rows) std::cout << "  " << table << ": " << n << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
