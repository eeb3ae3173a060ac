#pragma once
// OpenAI Chat Completions (POST {base}/chat/completions), also spoken by vLLM, llama.cpp's server,
// LM Studio and Ollama's /v1, whose quirks it tolerates.

#include <string>

#include "autopilot/llm/backend.h"
#include "autopilot/llm/http_client.h"

namespace autopilot::llm {

/// The JSON body sent for `request` (pinned by golden tests). OpenAI proper gets
/// max_completion_tokens; compatible servers get max_tokens, which they all understand.
std::string BuildOpenAiRequestBody(const ModelSpec& spec, const LlmRequest& request);

/// Backend for `openai:` and `openai-compatible:` specs.
class OpenAiBackend final : public LlmBackend {
 public:
  OpenAiBackend(ModelSpec spec, BackendOptions options);
  Result<PingInfo> Ping() override;
  std::string Describe() const override { return spec_.ToString(); }

 protected:
  LlmResult DoComplete(const LlmRequest& request, const StreamObserver& observer) override;

 private:
  LlmResult Attempt(const LlmRequest& request, const StreamObserver& observer, bool* retryable,
                    std::optional<RetryHint>* hint);

  ModelSpec spec_;
  BackendOptions options_;
  HttpClient http_;
  bool warned_num_ctx_ = false;
};

}  // namespace autopilot::llm
