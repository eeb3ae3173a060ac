#pragma once
// Sends a run store's traces to an OTLP/HTTP receiver (JSON to {endpoint}/v1/traces) over the
// project's libcurl client: batches, retries on 429/502/503/504 (Retry-After honoured), partial
// success counted. Header values (credentials) never appear in messages or payloads.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/otlp/trace_builder.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::otlp {

/// Where to send and how.
struct ExportTarget {
  std::string endpoint;  ///< base (http://host:4318, …/api/public/otel) or the full …/v1/traces URL
  std::vector<std::pair<std::string, std::string>> headers;
  TraceOptions trace;
  size_t max_spans_per_request = 2000;
  int max_retries = 3;
  double timeout_s = 30;
};

/// What an export did.
struct ExportSummary {
  int64_t runs = 0;
  int64_t spans = 0;
  int64_t requests = 0;
  int64_t rejected_spans = 0;  ///< reported by the receiver's partial_success
  double seconds = 0;
};

/// {endpoint}/v1/traces unless the endpoint already ends with /v1/traces.
std::string TracesUrl(const std::string& endpoint);

/// "K=V" → (K, V); ${NAME} in V is replaced by the environment variable NAME (so a secret can
/// stay out of project files and shell history). Error "usage" naming only the key.
Result<std::pair<std::string, std::string>> ParseHeader(const std::string& text);

/// The endpoint for messages: user:password@ removed.
std::string RedactedUrl(const std::string& url);

/// Exports the runs `run_ids` (every run of the store when empty), oldest first.
Result<ExportSummary> ExportRuns(store::Database& db, const std::vector<int64_t>& run_ids,
                                 const ExportTarget& target);

/// The project's `otlp:` settings as a target (headers parsed, ${NAME} expanded).
Result<ExportTarget> TargetFromSettings(const config::OtlpSettings& settings);

}  // namespace autopilot::otlp
