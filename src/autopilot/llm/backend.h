#pragma once
// The seam between the tool and the LLMs it drives: one interface, one normalised result.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "autopilot/llm/http_client.h"
#include "autopilot/llm/model_spec.h"
#include "autopilot/llm/retry.h"
#include "autopilot/llm/types.h"
#include "autopilot/util/result.h"

namespace autopilot::llm {

class PriceTable;

/// Callbacks during a call, e.g. to print a streamed answer as it arrives.
struct StreamObserver {
  /// Each content delta as received (may contain <think> blocks; see ThinkFilter).
  std::function<void(std::string_view)> on_text;
  /// A transport attempt failed and the call will be retried after `attempt.wait_s`. Text already
  /// passed to on_text belongs to the abandoned attempt.
  std::function<void(const TransportAttempt& attempt)> on_retry;
};

/// How a backend talks to its server; everything has a default fit for real use.
struct BackendOptions {
  TransportOptions transport;
  RetryPolicy retry;
  /// Waits between retries (tests pass a recorder instead of sleeping).
  std::function<void(double seconds)> sleep;
  /// Seed of the backoff jitter; 0 picks a random one.
  uint64_t jitter_seed = 0;
  /// Warnings for a person (unknown price, ignored option); default: stderr.
  std::function<void(const std::string&)> warn;
  /// Prices; null counts every call as 0 USD without warning.
  std::shared_ptr<const PriceTable> prices;
  /// Ollama context window when a request does not set one (e.g. from autopilot.yaml).
  std::optional<int64_t> num_ctx;
  /// When num_ctx comes from /api/show, use at most this many tokens (memory grows with it).
  int64_t auto_num_ctx_cap = 32768;
};

/// An LLM server (or a recording of one). Implementations never throw.
class LlmBackend {
 public:
  virtual ~LlmBackend() = default;

  /// Sends `request` (retrying transport failures per the policy) and normalises the answer.
  LlmResult Complete(const LlmRequest& request, const StreamObserver& observer = {});
  /// Checks that the server answers and knows the model.
  virtual Result<PingInfo> Ping() = 0;
  /// "provider:model@base" without secrets.
  virtual std::string Describe() const = 0;

 protected:
  virtual LlmResult DoComplete(const LlmRequest& request, const StreamObserver& observer) = 0;
};

/// Creates the backend for `spec`. Fails only on a spec the backend cannot serve (e.g. a
/// cassette that does not load).
Result<std::unique_ptr<LlmBackend>> MakeBackend(const ModelSpec& spec, BackendOptions options);

/// Wraps `inner` so that every answered request is appended to the JSONL cassette at `path`.
Result<std::unique_ptr<LlmBackend>> WithRecording(std::unique_ptr<LlmBackend> inner,
                                                  const ModelSpec& spec, const std::string& path);

/// Named sampling presets: "default" (provider defaults) and "deterministic" (temperature 0.1,
/// top_p 0.3, as in the study). Error code "usage" for an unknown name.
Result<Sampling> PresetSampling(const std::string& name);
/// Names of the presets, for help texts.
const char* PresetNames();

}  // namespace autopilot::llm
