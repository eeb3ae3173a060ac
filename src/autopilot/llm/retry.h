#pragma once
// When and how long to wait before retrying a failed LLM call.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace autopilot::llm {

/// Transport retry policy. Only transport failures are retried here; repair attempts belong to the
/// pipeline and are counted apart.
struct RetryPolicy {
  int max_retries = 4;          ///< retries after the first attempt
  double base_delay_s = 1.0;    ///< first backoff; doubles each retry
  double max_delay_s = 60.0;    ///< cap of one wait (a longer server hint gives up instead)
  double jitter = 0.25;         ///< ± fraction applied to backoff waits
  double max_total_wait_s = 300;  ///< all waits of one call together
};

/// Seconds from a Retry-After value: delta-seconds ("2", "1.5") or an HTTP-date relative to
/// `now_unix_s`. Negative, zero-or-garbage values (Azure sends "-1") yield nullopt.
std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_s);

/// Seconds from an OpenAI reset duration such as "12ms", "1s", "6m0s", "1h2m3.5s".
std::optional<double> ParseResetDuration(std::string_view value);

/// The server's hint (seconds) from lower-cased headers: Retry-After first, then the
/// x-ratelimit-reset-* matching the exhausted limit (or the longer of the two).
struct RetryHint {
  double seconds = 0;
  std::string source;  ///< "retry-after" or "x-ratelimit-reset"
};
std::optional<RetryHint> RetryHintFromHeaders(const std::map<std::string, std::string>& headers,
                                              int64_t now_unix_s);

/// Exponential backoff with jitter for retry number `retry` (0-based).
double BackoffDelay(const RetryPolicy& policy, int retry, std::mt19937_64* rng);

}  // namespace autopilot::llm
