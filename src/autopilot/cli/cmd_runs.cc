// autopilot runs list [--store FILE] | autopilot runs show ID [--store FILE]   (global --json)

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/store/run_store.h"

namespace autopilot::cli {
namespace {

struct RunsOptions {
  std::string store;
  std::string action;
  int64_t id = 0;
  int limit = 50;
};

int List(const GlobalOptions& g, store::RunStore& s, const RunsOptions& o) {
  auto runs = s.ListRuns(o.limit);
  if (!runs) {
    return ReportFailure(g.json, runs.error());
  }
  if (g.json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : *runs) {
      arr.push_back({{"id", r.id}, {"sweep", r.key.sweep}, {"stage", r.key.stage}, {"model", r.key.model},
                     {"format", r.key.format}, {"preset", r.key.preset}, {"repetition", r.key.repetition},
                     {"status", r.status}, {"code", r.code}, {"attempts", r.attempts},
                     {"started_at", r.started_at}, {"finished_at", r.finished_at}});
    }
    PrintJson({{"runs", arr}});
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    rows.push_back({std::to_string(r.id), r.key.stage, r.key.model, r.key.format, r.status,
                    r.code.empty() ? "-" : r.code, std::to_string(r.attempts), r.started_at});
  }
  std::cout << FormatTable({"id", "stage", "model", "format", "status", "code", "attempts", "started"}, rows);
  return kExitOk;
}

int Show(const GlobalOptions& g, store::RunStore& s, const RunsOptions& o) {
  auto& db = s.db();
  auto run = db.Prepare("SELECT run_key, status, COALESCE(code,''), started_at, COALESCE(finished_at,'') FROM runs WHERE id = ?");
  if (!run) {
    return ReportFailure(g.json, run.error());
  }
  run->Bind(1, o.id);
  auto row = run->Step();
  if (!row || !*row) {
    return ReportFailure(g.json, Error{errc::kUsage, "no run with id " + std::to_string(o.id) + " in " + db.path()});
  }
  nlohmann::ordered_json doc{{"id", o.id}, {"run_key", run->ColumnText(0)}, {"status", run->ColumnText(1)},
                             {"code", run->ColumnText(2)}, {"started_at", run->ColumnText(3)},
                             {"finished_at", run->ColumnText(4)}, {"attempts", nlohmann::ordered_json::array()}};
  auto att = db.Prepare(
      "SELECT a.id, a.stage, a.number, a.status, COALESCE(a.code,''), COALESCE(a.wall_ms,0),"
      " COALESCE(l.model,''), COALESCE(l.input_tokens,0), COALESCE(l.output_tokens,0),"
      " COALESCE(l.cost_usd,0), COALESCE(l.retries,0), COALESCE(l.error_code,'')"
      " FROM attempts a LEFT JOIN llm_calls l ON l.attempt_id = a.id WHERE a.run_id = ? ORDER BY a.id");
  if (!att) {
    return ReportFailure(g.json, att.error());
  }
  att->Bind(1, o.id);
  while (true) {
    auto r = att->Step();
    if (!r || !*r) break;
    nlohmann::ordered_json a{{"stage", att->ColumnText(1)}, {"number", att->ColumnInt(2)},
                             {"status", att->ColumnText(3)}, {"code", att->ColumnText(4)},
                             {"wall_ms", att->ColumnInt(5)}, {"model", att->ColumnText(6)},
                             {"input_tokens", att->ColumnInt(7)}, {"output_tokens", att->ColumnInt(8)},
                             {"cost_usd", att->ColumnDouble(9)}, {"transport_retries", att->ColumnInt(10)},
                             {"llm_error", att->ColumnText(11)}, {"validations", nlohmann::ordered_json::array()}};
    auto v = db.Prepare("SELECT layer, passed, COALESCE(code,''), COALESCE(message,''), COALESCE(file,''), line"
                        " FROM validations WHERE attempt_id = ? ORDER BY id");
    if (v) {
      v->Bind(1, att->ColumnInt(0));
      while (true) {
        auto vr = v->Step();
        if (!vr || !*vr) break;
        a["validations"].push_back({{"layer", v->ColumnText(0)}, {"passed", v->ColumnInt(1) != 0},
                                    {"code", v->ColumnText(2)}, {"message", v->ColumnText(3)},
                                    {"file", v->ColumnText(4)},
                                    {"line", v->ColumnIsNull(5) ? nlohmann::ordered_json(nullptr)
                                                                : nlohmann::ordered_json(v->ColumnInt(5))}});
      }
    }
    doc["attempts"].push_back(a);
  }
  if (g.json) {
    PrintJson(doc);
    return kExitOk;
  }
  std::cout << "run " << o.id << " (" << doc["run_key"].get<std::string>() << "): " << doc["status"].get<std::string>()
            << (doc["code"].get<std::string>().empty() ? "" : " [" + doc["code"].get<std::string>() + "]") << "\n";
  for (const auto& a : doc["attempts"]) {
    std::cout << "  " << a["stage"].get<std::string>() << " attempt " << a["number"].get<int64_t>() << ": "
              << a["status"].get<std::string>()
              << (a["code"].get<std::string>().empty() ? "" : " " + a["code"].get<std::string>()) << " ("
              << a["input_tokens"].get<int64_t>() << "+" << a["output_tokens"].get<int64_t>() << " tokens, "
              << a["wall_ms"].get<int64_t>() << " ms)\n";
    for (const auto& v : a["validations"]) {
      std::cout << "    " << v["layer"].get<std::string>() << ": " << (v["passed"].get<bool>() ? "pass" : "FAIL")
                << (v["code"].get<std::string>().empty() ? "" : " " + v["code"].get<std::string>() + ": " +
                                                                    v["message"].get<std::string>())
                << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupRuns(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto o = std::make_shared<RunsOptions>();
  CLI::App* list = sub->add_subcommand("list", "List the runs in the store, newest first");
  CLI::App* show = sub->add_subcommand("show", "Show one run attempt by attempt (LLM call, layers, codes)");
  for (CLI::App* s : {list, show}) {
    s->add_option("--store", o->store, "Store file (default: $AUTOPILOT_STORE, else paths.store)");
  }
  list->add_option("--limit", o->limit, "At most this many runs")->check(CLI::PositiveNumber);
  show->add_option("id", o->id, "Run id (from runs list)")->required();
  list->callback([o] { o->action = "list"; });
  show->callback([o] { o->action = "show"; });
  return [globals, o]() -> int {
    auto path = ResolveStorePath(*globals, o->store);
    if (!path) {
      return ReportFailure(globals->json, path.error());
    }
    auto s = store::RunStore::Open(*path);
    if (!s) {
      return ReportFailure(globals->json, s.error());
    }
    return o->action == "show" ? Show(*globals, *s, *o) : List(*globals, *s, *o);
  };
}

}  // namespace autopilot::cli
