// PROVIDER:MODEL[@BASE_URL] parsing and where keys and hosts come from.

#include "autopilot/llm/model_spec.h"

#include <gtest/gtest.h>

#include <map>

#include "autopilot/llm/types.h"
#include "test_util.h"

namespace autopilot::llm {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

TEST(ModelSpec, OpenAiUsesKeyAndDefaultOrConfiguredBase) {
  auto s = ParseModelSpec("openai:gpt-4o", Env({{"OPENAI_API_KEY", testing::kFakeKey}}));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->provider, Provider::kOpenAi);
  EXPECT_EQ(s->model, "gpt-4o");
  EXPECT_EQ(s->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(s->api_key, testing::kFakeKey);
  EXPECT_EQ(s->ToString().find(testing::kFakeKey), std::string::npos);
  auto custom = ParseModelSpec("openai:gpt-4o", Env({{"OPENAI_API_KEY", "k"}, {"OPENAI_BASE_URL", "https://proxy.example/v1/"}}));
  EXPECT_EQ(custom->base_url, "https://proxy.example/v1");
  auto explicit_base = ParseModelSpec("openai:gpt-4o@http://127.0.0.1:9/v1", Env({{"OPENAI_API_KEY", "k"}, {"OPENAI_BASE_URL", "https://x/v1"}}));
  EXPECT_EQ(explicit_base->base_url, "http://127.0.0.1:9/v1");
}

TEST(ModelSpec, OpenAiWithoutKeyIsAConfigurationError) {
  auto s = ParseModelSpec("openai:gpt-4o", Env({}));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, kEnvMisconfigured);
  EXPECT_NE(s.error().message.find("OPENAI_API_KEY"), std::string::npos);
}

TEST(ModelSpec, OllamaHostForms) {
  auto d = ParseModelSpec("ollama:qwen2.5-coder:32b", Env({}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->model, "qwen2.5-coder:32b");
  EXPECT_EQ(d->base_url, "http://localhost:11434");
  EXPECT_EQ(ParseModelSpec("ollama:phi4", Env({{"OLLAMA_HOST", "0.0.0.0"}}))->base_url, "http://127.0.0.1:11434");
  EXPECT_EQ(ParseModelSpec("ollama:phi4", Env({{"OLLAMA_HOST", "gpu-box:8000"}}))->base_url, "http://gpu-box:8000");
  EXPECT_EQ(ParseModelSpec("ollama:phi4", Env({{"OLLAMA_HOST", "https://ollama.lan/"}}))->base_url, "https://ollama.lan");
  EXPECT_EQ(ParseModelSpec("ollama:phi4@http://10.0.0.5:11434", Env({{"OLLAMA_HOST", "x"}}))->base_url, "http://10.0.0.5:11434");
}

TEST(ModelSpec, CompatibleNeedsABaseAndNeverBorrowsTheOpenAiKey) {
  auto s = ParseModelSpec("openai-compatible:llama3@http://127.0.0.1:8080/v1",
                          Env({{"OPENAI_API_KEY", testing::kFakeKey}}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->provider, Provider::kOpenAiCompatible);
  EXPECT_EQ(s->model, "llama3");
  EXPECT_EQ(s->base_url, "http://127.0.0.1:8080/v1");
  EXPECT_EQ(s->api_key, "");
  EXPECT_EQ(ParseModelSpec("openai-compatible:m@http://h/v1", Env({{"OPENAI_COMPATIBLE_API_KEY", "local"}}))->api_key, "local");
  auto no_base = ParseModelSpec("openai-compatible:llama3", Env({}));
  ASSERT_FALSE(no_base.ok());
  EXPECT_EQ(no_base.error().code, "usage");
}

TEST(ModelSpec, ReplayAndBadSpecs) {
  auto r = ParseModelSpec("replay:/tmp/run@1.jsonl", Env({}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->provider, Provider::kReplay);
  EXPECT_EQ(r->model, "/tmp/run@1.jsonl");
  for (const char* bad : {"gpt-4o", "openai:", ":gpt-4o", "ollama:phi4@localhost:11434"}) {
    auto e = ParseModelSpec(bad, Env({{"OPENAI_API_KEY", "k"}}));
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, "usage") << bad;
  }
  auto typo = ParseModelSpec("olama:phi4", Env({}));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("did you mean 'ollama'"), std::string::npos) << typo.error().message;
}

}  // namespace
}  // namespace autopilot::llm
