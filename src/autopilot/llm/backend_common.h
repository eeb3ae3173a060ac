#pragma once
// Pieces every HTTP backend shares: the retry loop, HTTP error classification and the final
// clean-up of an answer. Internal to src/autopilot/llm.

#include <functional>
#include <optional>
#include <string>

#include "autopilot/llm/backend.h"

namespace autopilot::llm {

/// What one transport attempt produced.
struct AttemptOutcome {
  LlmResult result;
  bool retryable = false;
  std::optional<RetryHint> hint;  ///< server-requested wait
};

/// Runs `attempt` until it succeeds, fails for good, or the retry policy is spent; records every
/// retried failure in the result.
LlmResult RunWithRetries(const BackendOptions& options, const StreamObserver& observer,
                         const std::function<AttemptOutcome()>& attempt);

/// A non-2xx reply as a taxonomy error with a message saying what to fix.
Error ClassifyHttpError(int status, const std::string& body, Provider provider,
                        const std::string& model, const std::string& url, bool* retryable);

/// Whether a failure is worth another attempt: timeouts, resets, 5xx, rate limits (a refused
/// connection is not: the server is not there).
bool TransportErrorRetryable(const Error& error);

/// Fills text/reasoning from the raw content (think blocks out), flags length cuts, refusals and
/// repetition loops, and prices the call.
void FinishAnswer(LlmResult* r, const std::string& content, const std::string& extra_reasoning,
                  const std::string& refusal, const BackendOptions& options,
                  const std::string& price_key);

/// Replaces every occurrence of `secret` in `s` with "***".
void ScrubSecret(std::string* s, const std::string& secret);

/// Keeps the first `max` bytes of `body` for the trace.
void KeepRaw(LlmResult* r, const std::string& body, size_t max, const std::string& secret);

/// Options with the defaults filled in (real sleep, warnings on stderr).
BackendOptions WithDefaults(BackendOptions options);

/// "HTTP 500 from http://…/chat/completions: …" helper for messages.
std::string Where(const std::string& url);

}  // namespace autopilot::llm
