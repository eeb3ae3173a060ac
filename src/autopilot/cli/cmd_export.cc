// autopilot export otlp STORE --endpoint URL [--header K=V]... [--run ID]... [--include-content]

#include <CLI/CLI.hpp>
#include <iostream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/otlp/exporter.h"
#include "autopilot/store/sqlite.h"

namespace autopilot::cli {
namespace {

struct ExportOptions {
  std::string store;
  std::string endpoint;
  std::vector<std::string> headers;
  std::vector<int64_t> runs;
  bool include_content = false;
};

int ExportOtlp(const GlobalOptions& g, const ExportOptions& o) {
  otlp::ExportTarget target;
  target.endpoint = o.endpoint;
  target.trace.include_content = o.include_content;
  for (const auto& h : o.headers) {
    auto kv = otlp::ParseHeader(h);
    if (!kv) return ReportFailure(g.json, kv.error());
    target.headers.push_back(*kv);
  }
  auto db = store::Database::OpenReadOnly(o.store);
  if (!db) return ReportFailure(g.json, Error{errc::kUsage, db.error().message});
  auto summary = otlp::ExportRuns(*db, o.runs, target);
  if (!summary) return ReportFailure(g.json, summary.error());
  const auto& s = *summary;
  const double rate = s.seconds > 0 ? static_cast<double>(s.spans) / s.seconds : 0;
  const std::string url = otlp::RedactedUrl(otlp::TracesUrl(o.endpoint));
  if (g.json) {
    PrintJson({{"endpoint", url}, {"runs", s.runs}, {"spans", s.spans}, {"requests", s.requests},
               {"rejected_spans", s.rejected_spans}, {"seconds", s.seconds}, {"spans_per_second", rate},
               {"content", o.include_content}});
  } else {
    std::cout << "exported " << s.runs << " run(s) as " << s.spans << " spans in " << s.requests << " request(s) to "
              << url << (s.rejected_spans ? " (" + std::to_string(s.rejected_spans) + " spans rejected)" : "") << "\n";
  }
  return s.rejected_spans > 0 ? kExitFailed : kExitOk;
}

}  // namespace

CommandRunner SetupExport(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto o = std::make_shared<ExportOptions>();
  CLI::App* ot = sub->add_subcommand(
      "otlp", "Send the store's runs as OTLP/HTTP JSON traces (OpenTelemetry GenAI names) to a collector or Langfuse");
  ot->add_option("store", o->store, "Run store (.db)")->required()->check(CLI::ExistingFile);
  ot->add_option("--endpoint", o->endpoint,
                 "Receiver base URL (http://127.0.0.1:4318; Langfuse: https://HOST/api/public/otel); /v1/traces is appended")
      ->required();
  ot->add_option("--header", o->headers,
                 "Request header KEY=VALUE, repeatable; ${NAME} in VALUE is read from the environment "
                 "(Langfuse: Authorization=Basic ${LANGFUSE_BASIC}, the base64 of pk:sk)")
      ->allow_extra_args(false);
  ot->add_option("--run", o->runs, "Only this run id (repeatable; default: every run)")->allow_extra_args(false);
  ot->add_flag("--include-content", o->include_content,
               "Also send prompts and replies (gen_ai.input.messages / gen_ai.output.messages); off by default");
  ot->footer(
      "One trace per run: spans per stage, attempt, LLM call (chat MODEL, gen_ai.* usage and finish reasons) and "
      "validation layer, taxonomy ids as autopilot.taxonomy.id. Header values are never printed; secrets known to "
      "this process (secret-named environment variables) are redacted from every attribute.");
  return [globals, o]() -> int { return ExportOtlp(*globals, *o); };
}

}  // namespace autopilot::cli
