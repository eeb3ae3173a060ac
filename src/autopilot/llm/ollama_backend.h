#pragma once
// Ollama's native API (POST {host}/api/chat), the only one that can set the context window.

#include <cstdint>
#include <optional>
#include <string>

#include "autopilot/llm/backend.h"
#include "autopilot/llm/http_client.h"

namespace autopilot::llm {

/// The JSON body sent for `request` with the context window `num_ctx` (pinned by golden tests).
std::string BuildOllamaRequestBody(const ModelSpec& spec, const LlmRequest& request, int64_t num_ctx);

/// Rough token count of the prompt (bytes / 4), for the silent-truncation check.
int64_t EstimatePromptTokens(const LlmRequest& request);

/// Backend for `ollama:` specs. `options.num_ctx` is always sent: from the request, else the
/// backend options, else the model's own (Modelfile num_ctx, else its native window from
/// /api/show, capped by auto_num_ctx_cap).
class OllamaBackend final : public LlmBackend {
 public:
  OllamaBackend(ModelSpec spec, BackendOptions options);
  Result<PingInfo> Ping() override;
  std::string Describe() const override { return spec_.ToString(); }

 protected:
  LlmResult DoComplete(const LlmRequest& request, const StreamObserver& observer) override;

 private:
  Result<int64_t> ResolveNumCtx(const LlmRequest& request);
  LlmResult Attempt(const LlmRequest& request, int64_t num_ctx, const StreamObserver& observer,
                    bool* retryable, std::optional<RetryHint>* hint);

  ModelSpec spec_;
  BackendOptions options_;
  HttpClient http_;
  std::optional<int64_t> shown_num_ctx_;  ///< from /api/show, asked once
};

}  // namespace autopilot::llm
