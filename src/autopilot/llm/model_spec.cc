#include "autopilot/llm/model_spec.h"

#include <cstdlib>

#include "autopilot/llm/types.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

const char* kSpecHelp =
    "expected PROVIDER:MODEL[@BASE_URL] with PROVIDER one of openai, ollama, openai-compatible, "
    "replay (e.g. openai:gpt-4o, ollama:qwen2.5-coder:32b, "
    "openai-compatible:llama3@http://127.0.0.1:8080/v1, replay:run.jsonl)";

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

bool HasScheme(std::string_view url) {
  return util::StartsWith(url, "http://") || util::StartsWith(url, "https://");
}

/// OLLAMA_HOST may be "host", "host:port", "0.0.0.0:11434" or a full URL. As in Ollama's own
/// client, port 11434 is implied only when no scheme is given.
std::string NormaliseOllamaHost(std::string host) {
  const bool bare = !HasScheme(host);
  if (bare) host = "http://" + host;
  const std::string scheme_end = "://";
  const size_t h = host.find(scheme_end) + scheme_end.size();
  // 0.0.0.0 is where a server listens, not where a client connects.
  if (host.compare(h, 7, "0.0.0.0") == 0) host.replace(h, 7, "127.0.0.1");
  const size_t slash = host.find('/', h);
  const std::string authority = host.substr(h, slash == std::string::npos ? std::string::npos : slash - h);
  if (bare && (authority.find(':') == std::string::npos || authority.back() == ']')) {
    host.insert(h + authority.size(), ":11434");
  }
  return TrimSlashes(host);
}

}  // namespace

const char* ProviderName(Provider p) {
  switch (p) {
    case Provider::kOpenAi: return "openai";
    case Provider::kOllama: return "ollama";
    case Provider::kOpenAiCompatible: return "openai-compatible";
    case Provider::kReplay: return "replay";
  }
  return "?";
}

std::string ModelSpec::ToString() const {
  std::string s = std::string(ProviderName(provider)) + ":" + model;
  if (!base_url.empty()) s += "@" + util::RedactUrlCredentials(base_url);
  return s;
}

std::string ModelSpec::PriceKey() const { return std::string(ProviderName(provider)) + ":" + model; }

EnvLookup ProcessEnv() {
  return [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
}

Result<ModelSpec> ParseModelSpec(std::string_view spec_text, const EnvLookup& env) {
  const std::string text = util::Trim(spec_text);
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Error{errc::kUsage, "invalid model spec '" + text + "': " + kSpecHelp};
  }
  const std::string provider = util::ToLower(text.substr(0, colon));
  std::string rest = text.substr(colon + 1);
  ModelSpec spec;
  if (provider == "replay") {
    spec.provider = Provider::kReplay;
    spec.model = rest;
    return spec;
  }
  if (provider == "openai") {
    spec.provider = Provider::kOpenAi;
  } else if (provider == "ollama") {
    spec.provider = Provider::kOllama;
  } else if (provider == "openai-compatible" || provider == "openai_compatible") {
    spec.provider = Provider::kOpenAiCompatible;
  } else {
    std::string hint = util::ClosestMatch(provider, {"openai", "ollama", "openai-compatible", "replay"});
    return Error{errc::kUsage, "unknown provider '" + provider + "' in model spec '" + text + "'" +
                              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; " + kSpecHelp};
  }
  std::string base;
  // The first '@' that starts a URL separates the model from the base (the URL may hold '@').
  size_t at = rest.find("@http://");
  if (at == std::string::npos) at = rest.find("@https://");
  if (at != std::string::npos) {
    base = rest.substr(at + 1);
    rest = rest.substr(0, at);
  } else if (rest.find('@') != std::string::npos) {
    return Error{errc::kUsage, "the base URL in model spec '" + util::RedactUrlCredentials(text) +
                              "' must start with http:// or https://"};
  }
  if (rest.empty()) return Error{errc::kUsage, "model spec '" + text + "' names no model; " + kSpecHelp};
  spec.model = rest;
  switch (spec.provider) {
    case Provider::kOpenAi:
      if (base.empty()) base = env("OPENAI_BASE_URL");
      if (base.empty()) base = kOpenAiDefaultBase;
      spec.api_key = util::Trim(env("OPENAI_API_KEY"));
      if (spec.api_key.empty()) {
        return Error{kEnvMisconfigured,
                     "OPENAI_API_KEY is not set: export your OpenAI API key to use '" + text + "'"};
      }
      break;
    case Provider::kOllama:
      if (base.empty()) base = env("OLLAMA_HOST");
      base = base.empty() ? std::string(kOllamaDefaultHost) : NormaliseOllamaHost(base);
      break;
    case Provider::kOpenAiCompatible:
      if (base.empty()) {
        return Error{errc::kUsage, "openai-compatible needs a base URL: openai-compatible:" + rest +
                                  "@http://HOST:PORT/v1"};
      }
      spec.api_key = util::Trim(env("OPENAI_COMPATIBLE_API_KEY"));
      break;
    case Provider::kReplay:
      break;
  }
  spec.base_url = TrimSlashes(base);
  return spec;
}

}  // namespace autopilot::llm
