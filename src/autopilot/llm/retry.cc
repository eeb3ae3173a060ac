#include "autopilot/llm/retry.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>

#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_s) {
  const std::string v = util::Trim(value);
  if (v.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '-' || v[0] == '.') {
    auto n = ParseNumber(v);
    if (!n || *n <= 0) return std::nullopt;
    return *n;
  }
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return std::nullopt;
  const int64_t when = static_cast<int64_t>(timegm(&tm));
  if (when <= now_unix_s) return std::nullopt;
  return static_cast<double>(when - now_unix_s);
}

std::optional<double> ParseResetDuration(std::string_view value) {
  const std::string v = util::Trim(value);
  if (v.empty()) return std::nullopt;
  // A bare number is seconds (some gateways send that).
  if (auto n = ParseNumber(v)) return *n >= 0 ? std::optional<double>(*n) : std::nullopt;
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && (std::isdigit(static_cast<unsigned char>(v[j])) || v[j] == '.')) ++j;
    auto number = ParseNumber(std::string_view(v).substr(i, j - i));
    if (!number) return std::nullopt;
    size_t k = j;
    while (k < v.size() && std::isalpha(static_cast<unsigned char>(v[k]))) ++k;
    const std::string_view unit = std::string_view(v).substr(j, k - j);
    double scale;
    if (unit == "h") scale = 3600;
    else if (unit == "m") scale = 60;
    else if (unit == "s") scale = 1;
    else if (unit == "ms") scale = 1e-3;
    else if (unit == "us") scale = 1e-6;
    else if (unit == "ns") scale = 1e-9;
    else return std::nullopt;
    total += *number * scale;
    any = true;
    i = k;
  }
  if (!any) return std::nullopt;
  return total;
}

std::optional<RetryHint> RetryHintFromHeaders(const std::map<std::string, std::string>& headers,
                                              int64_t now_unix_s) {
  auto get = [&](const char* name) -> std::string {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  };
  if (auto s = ParseRetryAfter(get("retry-after"), now_unix_s)) return RetryHint{*s, "retry-after"};
  const auto requests = ParseResetDuration(get("x-ratelimit-reset-requests"));
  const auto tokens = ParseResetDuration(get("x-ratelimit-reset-tokens"));
  if (!requests && !tokens) return std::nullopt;
  // Wait for the limit that ran out; when that is unclear, for the longer one.
  if (requests && util::Trim(get("x-ratelimit-remaining-requests")) == "0") {
    return RetryHint{*requests, "x-ratelimit-reset"};
  }
  if (tokens && util::Trim(get("x-ratelimit-remaining-tokens")) == "0") {
    return RetryHint{*tokens, "x-ratelimit-reset"};
  }
  return RetryHint{std::max(requests.value_or(0), tokens.value_or(0)), "x-ratelimit-reset"};
}

double BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64* rng) {
  double d = policy.base_delay_s * std::pow(2.0, std::min(retry, 30));
  d = std::min(d, policy.max_delay_s);
  if (policy.jitter > 0 && rng) {
    std::uniform_real_distribution<double> dist(1.0 - policy.jitter, 1.0 + policy.jitter);
    d *= dist(*rng);
  }
  return std::max(0.0, d);
}

}  // namespace autopilot::llm
