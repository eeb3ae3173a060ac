#pragma once
// Model specs: PROVIDER:MODEL[@BASE_URL], e.g. openai:gpt-4o, ollama:qwen2.5-coder:32b,
// openai-compatible:llama3@http://127.0.0.1:8080/v1, replay:run.jsonl.

#include <functional>
#include <string>
#include <string_view>

#include "autopilot/util/result.h"

namespace autopilot::llm {

enum class Provider { kOpenAi, kOllama, kOpenAiCompatible, kReplay };

/// "openai", "ollama", "openai-compatible", "replay".
const char* ProviderName(Provider p);

/// A parsed spec with the base URL and key resolved from the environment.
struct ModelSpec {
  Provider provider = Provider::kOpenAi;
  std::string model;     ///< model id; for replay, the cassette path
  std::string base_url;  ///< no trailing slash; "" for replay
  std::string api_key;   ///< never printed, logged or recorded

  /// "provider:model@base_url" without the key (credentials in the URL masked).
  std::string ToString() const;
  /// "provider:model", the key used for prices and cassettes.
  std::string PriceKey() const;
};

/// Looks up an environment variable; "" when unset.
using EnvLookup = std::function<std::string(const std::string& name)>;
/// EnvLookup over the process environment (read once per call, no caching).
EnvLookup ProcessEnv();

inline constexpr const char* kOpenAiDefaultBase = "https://api.openai.com/v1";
inline constexpr const char* kOllamaDefaultHost = "http://localhost:11434";

/// Parses `spec`. Keys: OPENAI_API_KEY for openai (required), OPENAI_COMPATIBLE_API_KEY for
/// openai-compatible (optional; the OpenAI key is never sent to other servers). Bases:
/// OPENAI_BASE_URL, OLLAMA_HOST. Errors have code "usage" (bad spec) or "env.misconfigured"
/// (missing key).
Result<ModelSpec> ParseModelSpec(std::string_view spec, const EnvLookup& env);

}  // namespace autopilot::llm
