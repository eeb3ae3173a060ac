// autopilot import langfuse EXPORT.json [--store FILE] [--format NAME] [--json]

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/importer/langfuse.h"
#include "autopilot/taxonomy/classifier.h"

namespace autopilot::cli {

CommandRunner SetupImport(CLI::App* sub, GlobalOptions* globals) {
  struct Options {
    std::string file;
    std::string store;
    std::string format = "original";
    std::string rules;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub->require_subcommand(1);
  CLI::App* lf = sub->add_subcommand(
      "langfuse", "Import a Langfuse trace export of the original prototype ({\"data\":[trace…]})");
  lf->add_option("export", o->file, "The export (raw_<model>_<uid>_<stage>_batch.json)")->required();
  lf->add_option("--store", o->store, "Store file (default: $AUTOPILOT_STORE, else paths.store)");
  lf->add_option("--format", o->format, "Prompt format to record on the runs (the export does not say)")
      ->capture_default_str();
  lf->add_option("--rules", o->rules, "Classifier rules (default: taxonomy/rules.yaml)");
  lf->add_flag("--json", o->json, "Machine-readable JSON output on stdout");
  lf->footer(
      "One run per trace (run key import:langfuse|trace:<id>, sweep 'import:langfuse'), one attempt "
      "per code generation, every generation as an LLM call with tokens, latency and cost; failed "
      "attempts are classified with the taxonomy. Importing a file twice adds nothing. Malformed "
      "input is reported with its JSON path and nothing is written.");
  return [globals, o]() -> int {
    const bool json = globals->json || o->json;
    auto path = ResolveStorePath(*globals, o->store);
    if (!path) {
      return ReportFailure(json, path.error());
    }
    auto classifier = taxonomy::Classifier::FromFile(o->rules.empty() ? taxonomy::DefaultRulesPath() : o->rules);
    if (!classifier) {
      return ReportFailure(json, classifier.error());
    }
    auto st = store::RunStore::Open(*path);
    if (!st) {
      return ReportFailure(json, st.error());
    }
    importer::LangfuseOptions lo;
    lo.format = o->format;
    lo.classifier = &*classifier;
    auto stats = importer::ImportLangfuseFile(o->file, *st, lo);
    if (!stats) {
      return ReportFailure(json, stats.error());
    }
    const auto& s = *stats;
    if (json) {
      nlohmann::ordered_json doc{{"file", o->file},          {"store", *path},
                                 {"traces", s.traces},       {"imported", s.imported},
                                 {"already_imported", s.already}, {"duplicates", s.duplicates},
                                 {"attempts", s.attempts},   {"failed_attempts", s.failed_attempts},
                                 {"unclassified", s.unclassified}, {"llm_calls", s.llm_calls},
                                 {"tokens", s.tokens},       {"cost_usd", s.cost_usd}};
      doc["runs_by_status"] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : s.runs_by_status) doc["runs_by_status"][k] = v;
      doc["attempts_by_code"] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : s.attempts_by_code) doc["attempts_by_code"][k] = v;
      PrintJson(doc);
    } else {
      std::cout << o->file << ": " << s.traces << " traces, " << s.imported << " runs imported";
      if (s.already) std::cout << ", " << s.already << " already in the store";
      if (s.duplicates) std::cout << ", " << s.duplicates << " repeated trace ids";
      std::cout << " → " << *path << "\n  " << s.attempts << " attempts (" << s.failed_attempts << " failed, "
                << s.unclassified << " without error text), " << s.llm_calls << " LLM calls, " << s.tokens
                << " tokens, " << s.cost_usd << " USD\n";
      for (const auto& [code, n] : s.attempts_by_code) std::cout << "  " << code << ": " << n << "\n";
    }
    return kExitOk;
  };
}

}  // namespace autopilot::cli
