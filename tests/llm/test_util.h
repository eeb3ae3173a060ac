#pragma once
// Shared helpers of the llm tests: fast options that record waits instead of sleeping.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/llm/backend.h"
#include "autopilot/llm/model_spec.h"
#include "autopilot/util/files.h"

namespace autopilot::llm::testing {

/// A key that must never show up in any output, cassette or message.
inline constexpr const char* kFakeKey = "sk-test-FAKEKEY-4f1c9e7a2b3d5e6f";

/// Backend options for tests: short timeouts, a fixed jitter seed, waits recorded not slept.
struct Harness {
  std::vector<double> sleeps;
  std::vector<std::string> warnings;

  BackendOptions Options() {
    BackendOptions o;
    o.transport.connect_timeout_s = 2;
    o.transport.idle_timeout_s = 2;
    o.transport.deadline_s = 10;
    o.retry.max_retries = 3;
    o.retry.base_delay_s = 0.5;
    o.jitter_seed = 42;
    o.sleep = [this](double s) { sleeps.push_back(s); };
    o.warn = [this](const std::string& m) { warnings.push_back(m); };
    return o;
  }
};

inline ModelSpec Spec(Provider provider, const std::string& model, const std::string& base,
                      const std::string& key = "") {
  ModelSpec s;
  s.provider = provider;
  s.model = model;
  s.base_url = base;
  s.api_key = key;
  return s;
}

inline LlmRequest UserRequest(const std::string& prompt, bool stream = false) {
  LlmRequest r;
  r.messages = {{"system", "You write Arduino sketches."}, {"user", prompt}};
  r.stream = stream;
  return r;
}

inline std::string ReadGolden(const std::string& name) {
  auto text = util::ReadFile(std::string(AUTOPILOT_TEST_DATA) + "/llm/" + name);
  return text ? *text : "<missing golden " + name + ">";
}

/// A request body as parsed JSON, so that goldens compare by content (key order and white space
/// are the serializer's business); text that is not JSON stays visible in the failure.
inline nlohmann::json GoldenJson(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_discarded() ? nlohmann::json("<not JSON: " + body + ">") : j;
}

inline nlohmann::json ReadGoldenJson(const std::string& name) { return GoldenJson(ReadGolden(name)); }

/// A temporary directory removed at scope end.
struct TempDir {
  std::string path;
  TempDir() {
    auto d = util::MakeTempDir("llm-test-");
    path = d ? *d : "/tmp";
  }
  ~TempDir() { util::RemoveTree(path); }
};

}  // namespace autopilot::llm::testing
