// autopilot report STORE [--format html|md|csv|json] [-o FILE]   (global --json = --format json)

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/report/collect.h"
#include "autopilot/report/render.h"
#include "autopilot/util/files.h"

namespace autopilot::cli {
namespace {

struct ReportOptions {
  std::string store;
  std::string format;  // empty: from -o's extension, else json with --json, else md
  std::string output;
};

report::Format ChooseFormat(const GlobalOptions& g, const ReportOptions& o) {
  if (!o.format.empty()) return *report::ParseFormat(o.format);
  if (!o.output.empty()) {
    if (auto f = report::FormatForPath(o.output)) return *f;
  }
  return g.json ? report::Format::kJson : report::Format::kMarkdown;
}

int Run(const GlobalOptions& g, const ReportOptions& o) {
  auto db = report::OpenStoreForReport(o.store);
  if (!db) {
    return ReportFailure(g.json, db.error());
  }
  auto data = report::Collect(*db, o.store);
  if (!data) {
    return ReportFailure(g.json, Error{errc::kStore, o.store + ": cannot aggregate the run store: " + data.error().message});
  }
  const report::Format format = ChooseFormat(g, o);
  std::string text = report::Render(*data, format);
  if (o.output.empty() || o.output == "-") {
    std::cout << text << std::flush;
    return std::cout ? kExitOk : kExitFailed;
  }
  if (auto w = util::WriteFileAtomic(o.output, text); !w) {
    return ReportFailure(g.json, Error{errc::kIo, o.output + ": cannot write the report: " + w.error().message});
  }
  if (g.json && format != report::Format::kJson) {
    PrintJson({{"output", o.output}, {"cells", data->cells.size()}, {"runs", data->runs}, {"bytes", text.size()}});
  } else if (!g.quiet) {
    std::cerr << "autopilot: wrote " << o.output << " (" << data->cells.size() << " cells, " << data->runs
              << " runs)\n";
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupReport(CLI::App* sub, GlobalOptions* globals) {
  auto o = std::make_shared<ReportOptions>();
  sub->add_option("store", o->store, "Run store file (SQLite) written by runs or sweeps")->required();
  sub->add_option("--format", o->format,
                  "html (one self-contained file with SVG charts), md, csv (one row per cell) or json "
                  "(default: from -o's extension, else json with --json, else md)")
      ->check(CLI::IsMember({"html", "md", "csv", "json"}));
  sub->add_option("-o,--output", o->output, "Write the report to FILE instead of stdout");
  sub->footer(
      "Per cell (model x format x stage x preset): runs, success rate with a Wilson 95% interval, "
      "first-attempt rate, pass@k over attempts, mean attempts to success, tokens, LLM and wall time, "
      "cost per run and per success; failure categories x model and x stage; formats compared per "
      "model x stage. Running and interrupted runs are counted as unfinished and left out of rates.");
  return [globals, o]() -> int { return Run(*globals, *o); };
}

}  // namespace autopilot::cli
