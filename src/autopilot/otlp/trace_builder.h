#pragma once
// Run store → OTLP/HTTP JSON traces (ExportTraceServiceRequest) with the OpenTelemetry GenAI
// names: one trace per run; spans per stage, attempt, LLM call and validation layer.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "autopilot/exec/redact.h"
#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::otlp {

/// What goes into the spans.
struct TraceOptions {
  /// Prompts and replies as gen_ai.input.messages / gen_ai.output.messages (opt-in, as the GenAI
  /// conventions say: they may hold data the user did not mean to send to a trace backend).
  bool include_content = false;
  std::string service_name = "autopilot";
};

/// The spans of some runs, ready to be sent in batches.
struct TraceBatch {
  nlohmann::json spans = nlohmann::json::array();  ///< OTLP Span objects
  int64_t runs = 0;
};

/// Appends the spans of run `run_id` to `batch`. Every string attribute passes `redactor` (the
/// store's texts were redacted when written; this catches what the exporting process knows to be
/// secret). Ids are derived from the run key and start time, so a re-export sends the same ids.
Result<void> AppendRunSpans(store::Database& db, int64_t run_id, const TraceOptions& options,
                            const exec::Redactor& redactor, TraceBatch* batch);

/// The ExportTraceServiceRequest around `spans` (one resource, one scope).
nlohmann::json ExportRequest(const nlohmann::json& spans, const TraceOptions& options);
/// The same request serialised (invalid UTF-8 replaced), without copying `spans` into an envelope.
std::string ExportBody(const nlohmann::json& spans, const TraceOptions& options);

/// "2026-12-03T12:45:06.123Z" → nanoseconds since the epoch (0 when it does not parse).
int64_t UnixNanos(const std::string& rfc3339);

/// The first `hex_chars` hex digits of SHA-256(text): trace ids (32) and span ids (16).
std::string HexId(const std::string& text, size_t hex_chars);

}  // namespace autopilot::otlp
