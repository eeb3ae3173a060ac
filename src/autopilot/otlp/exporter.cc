#include "autopilot/otlp/exporter.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "autopilot/exec/env_filter.h"
#include "autopilot/llm/http_client.h"
#include "autopilot/util/strings.h"
#include "autopilot/util/error_codes.h"

namespace autopilot::otlp {
namespace {

using nlohmann::json;

constexpr const char* kOtlp = "transport.otlp";

bool Retryable(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

/// Sends one request; retries the retryable answers. Returns the spans the receiver rejected.
Result<int64_t> Send(llm::HttpClient& http, const ExportTarget& target, const std::string& url,
                     const std::string& body) {
  llm::HttpRequest req;
  req.method = "POST";
  req.url = url;
  req.headers = {{"Content-Type", "application/json"}};
  for (const auto& h : target.headers) req.headers.push_back(h);
  req.body = body;
  req.limits.connect_timeout_s = std::min(10.0, target.timeout_s);
  req.limits.idle_timeout_s = target.timeout_s;
  req.limits.deadline_s = target.timeout_s;
  req.limits.max_response_bytes = 1u << 20;
  for (int attempt = 0;; ++attempt) {
    llm::HttpResponse res = http.Perform(req);
    if (res.error && res.status == 0) {
      if (attempt < target.max_retries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
        continue;
      }
      return Error{kOtlp, "OTLP export to " + RedactedUrl(url) + " failed: " + res.error->message};
    }
    if (res.status == 200) {
      json doc = json::parse(res.body, nullptr, false);
      if (doc.is_object() && doc.contains("partialSuccess") && doc["partialSuccess"].is_object()) {
        const json& p = doc["partialSuccess"];
        if (p.contains("rejectedSpans")) {
          const json& r = p["rejectedSpans"];
          if (r.is_number_integer()) return r.get<int64_t>();
          if (r.is_string()) return std::strtoll(r.get<std::string>().c_str(), nullptr, 10);
        }
      }
      return int64_t{0};
    }
    if (Retryable(res.status) && attempt < target.max_retries) {
      double wait_s = 0.5 * (1 << attempt);
      const std::string after = llm::HeaderValue(res.headers, "retry-after");
      if (!after.empty()) wait_s = std::clamp(std::strtod(after.c_str(), nullptr), 0.0, 30.0);
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(wait_s * 1000)));
      continue;
    }
    std::string reason = res.body.substr(0, 300);
    for (char& c : reason) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return Error{kOtlp, "OTLP receiver " + RedactedUrl(url) + " answered HTTP " + std::to_string(res.status) +
                            (reason.empty() ? "" : ": " + reason)};
  }
}

}  // namespace

std::string TracesUrl(const std::string& endpoint) {
  std::string e = endpoint;
  while (!e.empty() && e.back() == '/') e.pop_back();
  const std::string suffix = "/v1/traces";
  if (e.size() >= suffix.size() && e.compare(e.size() - suffix.size(), suffix.size(), suffix) == 0) return e;
  return e + suffix;
}

std::string RedactedUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t host = scheme + 3;
  const size_t path = url.find('/', host);
  const size_t at = url.rfind('@', path == std::string::npos ? url.size() : path);
  if (at == std::string::npos || at < host) return url;
  return url.substr(0, host) + url.substr(at + 1);
}

Result<std::pair<std::string, std::string>> ParseHeader(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Error{errc::kUsage, "--header expects KEY=VALUE (e.g. Authorization=Basic ${LANGFUSE_AUTH})"};
  }
  std::string key = text.substr(0, eq);
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      return Error{errc::kUsage, "header name '" + key + "' may hold only letters, digits, '-' and '_'"};
    }
  }
  const std::string raw = text.substr(eq + 1);
  std::string value;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw.compare(i, 2, "${") == 0) {
      const size_t close = raw.find('}', i + 2);
      if (close == std::string::npos) return Error{errc::kUsage, "header " + key + ": unclosed ${ in its value"};
      const std::string name = raw.substr(i + 2, close - i - 2);
      const char* v = std::getenv(name.c_str());
      if (!v) return Error{errc::kUsage, "header " + key + ": environment variable " + name + " is not set"};
      value += v;
      i = close;
    } else {
      value += raw[i];
    }
  }
  if (value.find_first_of("\r\n") != std::string::npos) {
    return Error{errc::kUsage, "header " + key + ": the value holds a line break"};
  }
  return std::pair{key, value};
}

Result<ExportSummary> ExportRuns(store::Database& db, const std::vector<int64_t>& run_ids,
                                 const ExportTarget& target) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> ids = run_ids;
  if (ids.empty()) {
    auto st = db.Prepare("SELECT id FROM runs ORDER BY id");
    if (!st) return st.error();
    while (true) {
      auto row = st->Step();
      if (!row) return row.error();
      if (!*row) break;
      ids.push_back(st->ColumnInt(0));
    }
  }
  const std::string url = TracesUrl(target.endpoint);
  // The values this process knows to be secret (API keys in the environment, and the headers we
  // send) must never be in a payload, whatever the store holds.
  const exec::Redactor& redactor = exec::ProcessRedactor();
  llm::HttpClient http;
  ExportSummary summary;
  TraceBatch batch;
  auto flush = [&]() -> Result<void> {
    if (batch.spans.empty()) return Ok();
    std::string body = ExportBody(batch.spans, target.trace);
    for (const auto& [k, v] : target.headers) {
      const bool credential = util::ToLower(k) == "authorization" || exec::IsSecretName(k);
      if (credential && v.size() >= 4 && body.find(v) != std::string::npos) {
        return Error{errc::kHarnessBug, "refusing to export: the payload holds the value of header " + k};
      }
    }
    auto rejected = Send(http, target, url, body);
    if (!rejected) return rejected.error();
    summary.rejected_spans += *rejected;
    summary.spans += static_cast<int64_t>(batch.spans.size());
    ++summary.requests;
    batch.spans = json::array();
    return Ok();
  };
  for (int64_t id : ids) {
    if (auto r = AppendRunSpans(db, id, target.trace, redactor, &batch); !r) return r.error();
    if (batch.spans.size() >= target.max_spans_per_request) {
      if (auto r = flush(); !r) return r.error();
    }
  }
  if (auto r = flush(); !r) return r.error();
  summary.runs = batch.runs;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

Result<ExportTarget> TargetFromSettings(const config::OtlpSettings& settings) {
  ExportTarget t;
  t.endpoint = settings.endpoint;
  t.trace.include_content = settings.include_content;
  for (const auto& h : settings.headers) {
    auto kv = ParseHeader(h);
    if (!kv) return Error{errc::kConfig, settings.source + ": otlp.headers: " + kv.error().message};
    t.headers.push_back(*kv);
  }
  return t;
}

}  // namespace autopilot::otlp
