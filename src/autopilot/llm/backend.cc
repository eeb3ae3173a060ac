#include "autopilot/llm/backend.h"

#include <exception>

#include "autopilot/llm/cassette.h"
#include "autopilot/llm/ollama_backend.h"
#include "autopilot/llm/openai_backend.h"

namespace autopilot::llm {

LlmResult LlmBackend::Complete(const LlmRequest& request, const StreamObserver& observer) {
  LlmResult r;
  try {
    r = DoComplete(request, observer);
  } catch (const std::exception& e) {
    // Backends do not throw; this keeps a bug (or bad_alloc) from crossing the module boundary.
    r.error = Error{errc::kHarnessBug, std::string("LLM backend failed unexpectedly: ") + e.what()};
  }
  r.request_key = RequestKey(request);
  return r;
}

Result<std::unique_ptr<LlmBackend>> MakeBackend(const ModelSpec& spec, BackendOptions options) {
  switch (spec.provider) {
    case Provider::kOpenAi:
    case Provider::kOpenAiCompatible:
      return std::unique_ptr<LlmBackend>(std::make_unique<OpenAiBackend>(spec, std::move(options)));
    case Provider::kOllama:
      return std::unique_ptr<LlmBackend>(std::make_unique<OllamaBackend>(spec, std::move(options)));
    case Provider::kReplay:
      return MakeReplayBackend(spec.model, std::move(options));
  }
  return Error{errc::kUsage, "unsupported provider"};
}

Result<Sampling> PresetSampling(const std::string& name) {
  Sampling s;
  if (name == "default" || name.empty()) return s;
  if (name == "deterministic") {
    // The study's setting: near-greedy, narrow nucleus.
    s.temperature = 0.1;
    s.top_p = 0.3;
    return s;
  }
  return Error{errc::kUsage, "unknown preset '" + name + "' (presets: " + PresetNames() + ")"};
}

const char* PresetNames() { return "default, deterministic"; }

}  // namespace autopilot::llm
