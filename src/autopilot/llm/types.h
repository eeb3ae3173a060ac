#pragma once
// Value types shared by every LLM backend: the request we send and the normalised result we get.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::llm {

/// Taxonomy ids (TAXONOMY.md) that LLM calls produce.
inline constexpr const char* kTransportTimeout = "transport.timeout";
inline constexpr const char* kTransportRateLimited = "transport.rate_limited";
inline constexpr const char* kTransportQuotaExhausted = "transport.quota_exhausted";
inline constexpr const char* kTransportAuth = "transport.auth";
inline constexpr const char* kTransportServerError = "transport.server_error";
inline constexpr const char* kTransportContextOverflow = "transport.context_overflow";
inline constexpr const char* kTransportContextTruncated = "transport.context_truncated";
inline constexpr const char* kTransportConnection = "transport.connection";
inline constexpr const char* kFormatTruncated = "format.truncated";
inline constexpr const char* kFormatRefusal = "format.refusal";
inline constexpr const char* kFormatRepetition = "format.repetition";
/// Wrong model name, bad base URL, rejected parameter, replay miss: the user's setup must change.
inline constexpr const char* kEnvMisconfigured = "env.misconfigured";

/// One chat message.
struct Message {
  std::string role;  ///< system | user | assistant
  std::string content;
};

/// Sampling controls; unset fields are left to the provider's defaults.
struct Sampling {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
  std::optional<int64_t> max_tokens;
  std::vector<std::string> stop;
};

/// Where a request comes from in a run; not part of the request key (see cassette.h).
struct RequestTag {
  std::string stage;  ///< "DP", "MC", "SG" or "" outside a pipeline
  int attempt = 0;    ///< repair attempt (never a transport retry)
};

/// A chat request, independent of the provider.
struct LlmRequest {
  std::vector<Message> messages;
  Sampling sampling;
  std::optional<int64_t> num_ctx;  ///< Ollama context window; other providers ignore it
  bool stream = false;             ///< stream on the wire (SSE / NDJSON)
  RequestTag tag;
};

/// Token counts as the provider reported them.
struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;         ///< includes reasoning tokens
  int64_t cached_input_tokens = 0;   ///< part of input_tokens served from the prompt cache
  int64_t reasoning_tokens = 0;      ///< part of output_tokens spent thinking
  int64_t total_tokens = 0;
  bool reported = false;             ///< false when the server sent no usage (e.g. a cut stream)
};

/// Wall-clock figures of one call (the last transport attempt).
struct Timing {
  std::optional<double> ttft_s;        ///< request start → first streamed token (streaming only)
  double total_s = 0;                  ///< request start → last byte
  std::optional<double> load_s;        ///< model load time, where the server reports it (Ollama)
  std::optional<double> tokens_per_s;  ///< generation speed, where the server reports it
};

/// One failed transport attempt that was retried (or gave up).
struct TransportAttempt {
  int http_status = 0;   ///< 0 when no response arrived
  std::string code;      ///< taxonomy id
  std::string message;
  double wait_s = 0;     ///< how long we waited before the next attempt
  std::string wait_source;  ///< "retry-after", "x-ratelimit-reset", "backoff" or "" (gave up)
};

/// The normalised outcome of one LLM call (after transport retries).
struct LlmResult {
  std::string provider;         ///< openai | ollama | openai-compatible | replay
  std::string requested_model;  ///< model named in the spec
  std::string model;            ///< model the server says answered (may carry a date suffix)
  std::string text;             ///< the answer, with <think> blocks removed
  std::string reasoning;        ///< removed <think> text and reasoning fields, kept for the trace
  std::string finish_reason;    ///< stop | length | content_filter | tool_calls | "" when unknown
  Usage usage;
  Timing timing;
  double cost_usd = 0;
  bool cost_known = false;      ///< false: no price for this model (cost counted as 0)
  int http_status = 0;
  std::string raw_response;     ///< provider body verbatim (secrets scrubbed), capped
  bool raw_truncated = false;
  int transport_retries = 0;    ///< retries made by the transport layer, never repair attempts
  std::vector<TransportAttempt> attempts;  ///< each failed attempt, in order
  std::vector<std::string> flags;          ///< format.* findings, e.g. format.truncated
  std::vector<std::string> warnings;       ///< things a person should know (quirks, fallbacks)
  std::string request_key;                 ///< SHA-256 of the normalised request (cassette key)
  bool replayed = false;
  std::optional<Error> error;              ///< transport.* or format.* failure; text may be partial

  bool ok() const { return !error.has_value(); }
};

/// Result of `ping`: the server answers and the model exists.
struct PingInfo {
  std::string base_url;
  bool model_found = false;
  std::vector<std::string> models;  ///< what the server offers
  double latency_s = 0;
};

}  // namespace autopilot::llm
