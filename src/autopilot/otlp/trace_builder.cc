#include "autopilot/otlp/trace_builder.h"

#include <ctime>
#include <map>
#include <optional>

#include "autopilot/util/error_codes.h"
#include "autopilot/util/sha256.h"

namespace autopilot::otlp {
namespace {

using nlohmann::json;

constexpr int kSpanKindInternal = 1;
constexpr int kSpanKindClient = 3;
constexpr int kStatusOk = 1;
constexpr int kStatusError = 2;

/// Attribute builders in OTLP JSON: 64-bit integers are decimal strings.
class Attributes {
 public:
  explicit Attributes(const exec::Redactor& redactor) : redactor_(redactor) {}
  Attributes& Str(const std::string& key, const std::string& value) {
    list_.push_back({{"key", key}, {"value", {{"stringValue", redactor_.Apply(value)}}}});
    return *this;
  }
  /// Only when not empty (absent attributes are better than empty ones in trace UIs).
  Attributes& StrIf(const std::string& key, const std::string& value) {
    return value.empty() ? *this : Str(key, value);
  }
  Attributes& Int(const std::string& key, int64_t value) {
    list_.push_back({{"key", key}, {"value", {{"intValue", std::to_string(value)}}}});
    return *this;
  }
  Attributes& IntIf(const std::string& key, const std::optional<int64_t>& value) {
    return value ? Int(key, *value) : *this;
  }
  Attributes& Double(const std::string& key, double value) {
    list_.push_back({{"key", key}, {"value", {{"doubleValue", value}}}});
    return *this;
  }
  Attributes& Bool(const std::string& key, bool value) {
    list_.push_back({{"key", key}, {"value", {{"boolValue", value}}}});
    return *this;
  }
  Attributes& StrArray(const std::string& key, const std::vector<std::string>& values) {
    json arr = json::array();
    for (const auto& v : values) arr.push_back({{"stringValue", redactor_.Apply(v)}});
    list_.push_back({{"key", key}, {"value", {{"arrayValue", {{"values", arr}}}}}});
    return *this;
  }
  json Take() { return std::move(list_); }

 private:
  const exec::Redactor& redactor_;
  json list_ = json::array();
};

json Span(const std::string& trace_id, const std::string& span_id, const std::string& parent_id,
          const std::string& name, int kind, int64_t start_ns, int64_t end_ns, json attributes,
          int status_code, const std::string& status_message) {
  if (end_ns < start_ns) end_ns = start_ns;
  json s{{"traceId", trace_id}, {"spanId", span_id}, {"name", name}, {"kind", kind},
         {"startTimeUnixNano", std::to_string(start_ns)}, {"endTimeUnixNano", std::to_string(end_ns)},
         {"attributes", std::move(attributes)}, {"status", {{"code", status_code}}}};
  if (!parent_id.empty()) s["parentSpanId"] = parent_id;
  if (!status_message.empty()) s["status"]["message"] = status_message;
  return s;
}

std::optional<int64_t> OptInt(const store::Statement& st, int col) {
  if (st.ColumnIsNull(col)) return std::nullopt;
  return st.ColumnInt(col);
}

constexpr int64_t kMsToNs = 1000000;

struct AttemptRow {
  int64_t id = 0;
  std::string stage;
  int64_t number = 0;
  std::string status, code, rule, started_at, finished_at;
  std::optional<int64_t> code_numeric, wall_ms;
  int64_t start_ns = 0, end_ns = 0;
};

}  // namespace

int64_t UnixNanos(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return 0;
  }
  // Fraction: up to nanoseconds; the store writes milliseconds.
  int64_t frac_ns = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100000000;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      frac_ns += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const time_t secs = timegm(&tm);
  return static_cast<int64_t>(secs) * 1000000000 + frac_ns;
}

std::string HexId(const std::string& text, size_t hex_chars) { return util::Sha256Hex(text).substr(0, hex_chars); }

json ExportRequest(const json& spans, const TraceOptions& options) {
  json resource_attrs = json::array({
      {{"key", "service.name"}, {"value", {{"stringValue", options.service_name}}}},
      {{"key", "service.version"}, {"value", {{"stringValue", AUTOPILOT_VERSION}}}},
  });
  return {{"resourceSpans",
           json::array({{{"resource", {{"attributes", resource_attrs}}},
                         {"scopeSpans", json::array({{{"scope", {{"name", "autopilot"}, {"version", AUTOPILOT_VERSION}}},
                                                      {"spans", spans}}})}}})}};
}

std::string ExportBody(const json& spans, const TraceOptions& options) {
  // The envelope is small: serialise it with an empty span list and splice the spans in.
  const std::string envelope = ExportRequest(json::array(), options).dump();
  const std::string hole = "\"spans\":[]";
  const size_t at = envelope.find(hole);
  std::string body;
  body.reserve(envelope.size() + spans.size() * 1024);
  body.append(envelope, 0, at + hole.size() - 2);
  body += spans.dump(-1, ' ', false, json::error_handler_t::replace);
  body.append(envelope, at + hole.size(), std::string::npos);
  return body;
}

Result<void> AppendRunSpans(store::Database& db, int64_t run_id, const TraceOptions& options,
                            const exec::Redactor& redactor, TraceBatch* batch) {
  auto run = db.Prepare(
      "SELECT run_key, sweep, stage, model, format, preset, repetition, status, COALESCE(code, ''),"
      " started_at, COALESCE(finished_at, '') FROM runs WHERE id = ?");
  if (!run) return run.error();
  run->Bind(1, run_id);
  auto found = run->Step();
  if (!found) return found.error();
  if (!*found) return Error{errc::kUsage, "no run " + std::to_string(run_id) + " in " + db.path()};
  const std::string run_key = run->ColumnText(0);
  const std::string run_status = run->ColumnText(7);
  const std::string run_code = run->ColumnText(8);
  const std::string run_started = run->ColumnText(9);
  const std::string trace_id = HexId("autopilot-trace\n" + run_key + "\n" + run_started, 32);
  auto span_id = [&](const std::string& what) { return HexId(trace_id + "\n" + what, 16); };
  const std::string root_id = span_id("run");

  std::vector<AttemptRow> attempts;
  auto att = db.Prepare(
      "SELECT id, stage, number, status, COALESCE(code, ''), code_numeric, COALESCE(rule, ''), started_at,"
      " COALESCE(finished_at, ''), wall_ms FROM attempts WHERE run_id = ? ORDER BY id");
  if (!att) return att.error();
  att->Bind(1, run_id);
  while (true) {
    auto row = att->Step();
    if (!row) return row.error();
    if (!*row) break;
    AttemptRow a;
    a.id = att->ColumnInt(0);
    a.stage = att->ColumnText(1);
    a.number = att->ColumnInt(2);
    a.status = att->ColumnText(3);
    a.code = att->ColumnText(4);
    a.code_numeric = OptInt(*att, 5);
    a.rule = att->ColumnText(6);
    a.started_at = att->ColumnText(7);
    a.finished_at = att->ColumnText(8);
    a.wall_ms = OptInt(*att, 9);
    a.start_ns = UnixNanos(a.started_at);
    a.end_ns = !a.finished_at.empty() ? UnixNanos(a.finished_at) : a.start_ns + a.wall_ms.value_or(0) * kMsToNs;
    attempts.push_back(std::move(a));
  }

  const int64_t run_start = UnixNanos(run_started);
  int64_t run_end = UnixNanos(run->ColumnText(10));
  for (const auto& a : attempts) run_end = std::max(run_end, a.end_ns);
  {
    Attributes at(redactor);
    at.Int("autopilot.run.id", run_id).Str("autopilot.run.key", run_key).StrIf("autopilot.sweep", run->ColumnText(1))
        .Str("autopilot.stage", run->ColumnText(2)).Str("autopilot.model", run->ColumnText(3))
        .Str("autopilot.format", run->ColumnText(4)).Str("autopilot.preset", run->ColumnText(5))
        .Int("autopilot.repetition", run->ColumnInt(6)).Str("autopilot.run.status", run_status)
        .StrIf("autopilot.taxonomy.id", run_code)
        .Str("langfuse.trace.name", "autopilot run " + run->ColumnText(2))
        .StrIf("langfuse.session.id", run->ColumnText(1));
    const bool ok = run_status == "passed";
    batch->spans.push_back(Span(trace_id, root_id, "", "run " + run->ColumnText(2), kSpanKindInternal, run_start,
                                run_end, at.Take(), ok ? kStatusOk : kStatusError,
                                ok ? "" : run_status + (run_code.empty() ? "" : ": " + run_code)));
  }

  // Stage spans: the attempts of one stage, in the order the stages ran.
  std::vector<std::string> stage_order;
  std::map<std::string, std::pair<int64_t, int64_t>> stage_times;
  std::map<std::string, const AttemptRow*> stage_last;
  std::map<std::string, int64_t> stage_count;
  for (const auto& a : attempts) {
    if (!stage_times.count(a.stage)) {
      stage_order.push_back(a.stage);
      stage_times[a.stage] = {a.start_ns, a.end_ns};
    }
    auto& t = stage_times[a.stage];
    t.first = std::min(t.first, a.start_ns);
    t.second = std::max(t.second, a.end_ns);
    stage_last[a.stage] = &a;
    ++stage_count[a.stage];
  }
  for (const auto& stage : stage_order) {
    const AttemptRow& last = *stage_last[stage];
    Attributes at(redactor);
    at.Str("autopilot.stage", stage).Int("autopilot.stage.attempts", stage_count[stage])
        .Str("autopilot.stage.status", last.status).StrIf("autopilot.taxonomy.id", last.code);
    const bool ok = last.status == "passed";
    batch->spans.push_back(Span(trace_id, span_id("stage\n" + stage), root_id, "stage " + stage, kSpanKindInternal,
                                stage_times[stage].first, stage_times[stage].second, at.Take(),
                                ok ? kStatusOk : kStatusError, ok ? "" : last.code));
  }

  auto call = db.Prepare(
      "SELECT id, provider, model, COALESCE(response_model, ''), request_json, COALESCE(text, ''),"
      " COALESCE(finish_reason, ''), input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,"
      " ttft_ms, total_ms, cost_usd, retries, COALESCE(error_code, ''), COALESCE(error_message, ''), created_at"
      " FROM llm_calls WHERE attempt_id = ? ORDER BY id");
  auto val = db.Prepare(
      "SELECT id, layer, passed, COALESCE(code, ''), COALESCE(message, ''), COALESCE(file, ''), line,"
      " duration_ms, created_at FROM validations WHERE attempt_id = ? ORDER BY id");
  if (!call) return call.error();
  if (!val) return val.error();
  for (const auto& a : attempts) {
    const std::string attempt_span = span_id("attempt\n" + std::to_string(a.id));
    {
      Attributes at(redactor);
      at.Str("autopilot.stage", a.stage).Int("autopilot.attempt.number", a.number)
          .Str("autopilot.attempt.status", a.status).StrIf("autopilot.taxonomy.id", a.code)
          .IntIf("autopilot.taxonomy.numeric", a.code_numeric).StrIf("autopilot.taxonomy.rule", a.rule)
          .IntIf("autopilot.attempt.wall_ms", a.wall_ms);
      const bool ok = a.status == "passed";
      batch->spans.push_back(Span(trace_id, attempt_span, span_id("stage\n" + a.stage),
                                  "attempt " + a.stage + " #" + std::to_string(a.number), kSpanKindInternal,
                                  a.start_ns, a.end_ns, at.Take(), ok ? kStatusOk : kStatusError, ok ? "" : a.code));
    }
    call->Reset().Bind(1, a.id);
    while (true) {
      auto row = call->Step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string provider = call->ColumnText(1);
      const std::string model = call->ColumnText(2);
      const std::string finish = call->ColumnText(6);
      const std::string error_code = call->ColumnText(15);
      Attributes at(redactor);
      // GenAI inference span: operation, provider (and the older gen_ai.system Langfuse reads).
      at.Str("gen_ai.operation.name", "chat").Str("gen_ai.provider.name", provider).Str("gen_ai.system", provider)
          .Str("gen_ai.request.model", model).StrIf("gen_ai.response.model", call->ColumnText(3))
          .IntIf("gen_ai.usage.input_tokens", OptInt(*call, 7)).IntIf("gen_ai.usage.output_tokens", OptInt(*call, 8))
          .IntIf("gen_ai.usage.cache_read.input_tokens", OptInt(*call, 9))
          .IntIf("gen_ai.usage.reasoning.output_tokens", OptInt(*call, 10));
      if (!finish.empty()) at.StrArray("gen_ai.response.finish_reasons", {finish});
      if (!call->ColumnIsNull(11)) at.Double("gen_ai.response.time_to_first_chunk", static_cast<double>(call->ColumnInt(11)) / 1000.0);
      if (!call->ColumnIsNull(13)) at.Double("gen_ai.usage.cost", call->ColumnDouble(13));
      at.Int("autopilot.llm.transport_retries", call->ColumnInt(14)).StrIf("error.type", error_code);
      at.Str("autopilot.stage", a.stage).Int("autopilot.attempt.number", a.number);
      if (options.include_content) {
        json request = json::parse(call->ColumnText(4), nullptr, false);
        json input = json::array();
        if (request.is_object()) {
          for (const char* role : {"system", "user"}) {
            if (request.contains(role) && request[role].is_string()) {
              input.push_back({{"role", role}, {"parts", json::array({{{"type", "text"}, {"content", request[role]}}})}});
            }
          }
        }
        if (input.empty()) input.push_back({{"role", "user"}, {"parts", json::array({{{"type", "text"}, {"content", call->ColumnText(4)}}})}});
        json output = json::array({{{"role", "assistant"},
                                    {"parts", json::array({{{"type", "text"}, {"content", call->ColumnText(5)}}})},
                                    {"finish_reason", finish}}});
        at.Str("gen_ai.input.messages", input.dump(-1, ' ', false, json::error_handler_t::replace));
        at.Str("gen_ai.output.messages", output.dump(-1, ' ', false, json::error_handler_t::replace));
      }
      const int64_t start = a.start_ns;
      const int64_t end = call->ColumnIsNull(12) ? UnixNanos(call->ColumnText(17)) : start + call->ColumnInt(12) * kMsToNs;
      batch->spans.push_back(Span(trace_id, span_id("llm\n" + std::to_string(call->ColumnInt(0))), attempt_span,
                                  "chat " + model, kSpanKindClient, start, end, at.Take(),
                                  error_code.empty() ? kStatusOk : kStatusError,
                                  error_code.empty() ? "" : error_code + ": " + call->ColumnText(16)));
    }
    val->Reset().Bind(1, a.id);
    while (true) {
      auto row = val->Step();
      if (!row) return row.error();
      if (!*row) break;
      const std::string layer = val->ColumnText(1);
      const bool passed = val->ColumnInt(2) != 0;
      const std::string code = val->ColumnText(3);
      Attributes at(redactor);
      at.Str("autopilot.validation.layer", layer).Bool("autopilot.validation.passed", passed)
          .StrIf("autopilot.taxonomy.id", code).StrIf("autopilot.diagnostic.message", val->ColumnText(4))
          .StrIf("code.filepath", val->ColumnText(5)).IntIf("code.lineno", OptInt(*val, 6))
          .IntIf("autopilot.validation.duration_ms", OptInt(*val, 7));
      const int64_t end = UnixNanos(val->ColumnText(8));
      const int64_t start = std::max(a.start_ns, end - (val->ColumnIsNull(7) ? 0 : val->ColumnInt(7)) * kMsToNs);
      batch->spans.push_back(Span(trace_id, span_id("validation\n" + std::to_string(val->ColumnInt(0))), attempt_span,
                                  "validate " + layer, kSpanKindInternal, start, end, at.Take(),
                                  passed ? kStatusOk : kStatusError, passed ? "" : code));
    }
  }
  ++batch->runs;
  return Ok();
}

}  // namespace autopilot::otlp
