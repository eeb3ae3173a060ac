// End-to-end: `autopilot llm chat|ping` as a user runs them, against the loopback mock.

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"
#include "dialects.h"
#include "mock_server.h"
#include "test_util.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;
using testing::FullResponse;
using testing::kFakeKey;
using testing::MockRequest;
using testing::MockServer;

using test::CliRun;

CliRun Cli(std::vector<std::string> args, std::vector<std::string> env = {}, std::string stdin_data = "") {
  return test::RunCli(args, {std::move(env), std::move(stdin_data), 30});
}

/// An OpenAI-style server: /v1/models lists "m"; chat echoes the last user message; a prompt
/// "deny" gets a 401 that echoes the key.
MockServer::Handler OpenAiLike() {
  return [](const MockRequest& req) {
    if (req.path == "/v1/models") {
      return FullResponse(200, "application/json", R"({"object":"list","data":[{"id":"m","object":"model"},{"id":"gpt-4o","object":"model"}]})");
    }
    json body = json::parse(req.body);
    const std::string prompt = body["messages"].back()["content"];
    if (prompt == "deny") {
      return FullResponse(401, "application/json",
                          testing::OpenAiError(std::string("Incorrect API key provided: ") + kFakeKey, "invalid_request_error", "invalid_api_key"));
    }
    if (body.value("stream", false)) {
      testing::OpenAiStreamSpec s;
      s.pieces = {"<think>hidden</think>", "echo: ", prompt};
      return testing::ChunkedResponse(200, "text/event-stream", testing::OpenAiStream(s), 5, 1);
    }
    return FullResponse(200, "application/json", testing::OpenAiCompletion("echo: " + prompt));
  };
}

TEST(LlmCli, ChatPrintsTheAnswer) {
  MockServer server(OpenAiLike());
  auto r = Cli({"llm", "chat", "--model", "openai-compatible:m@" + server.url() + "/v1", "--prompt", "hello"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "echo: hello\n");
}

TEST(LlmCli, ChatJsonCarriesTheNormalisedResult) {
  MockServer server(OpenAiLike());
  auto r = Cli({"llm", "chat", "--model", "openai:gpt-4o@" + server.url() + "/v1", "--prompt", "hello", "--json"},
               {std::string("OPENAI_API_KEY=") + kFakeKey});
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["text"], "echo: hello");
  EXPECT_EQ(j["finish_reason"], "stop");
  EXPECT_EQ(j["usage"]["input_tokens"], 19);
  EXPECT_EQ(j["usage"]["output_tokens"], 10);
  for (const char* f : {"cached_input_tokens", "reasoning_tokens"}) EXPECT_TRUE(j["usage"].contains(f)) << f;
  for (const char* f : {"ttft_s", "total_s", "load_s"}) EXPECT_TRUE(j["timing"].contains(f)) << f;
  EXPECT_NEAR(j["cost_usd"].get<double>(), (19 * 2.5 + 10 * 10.0) / 1e6, 1e-12);  // from pricing.yaml
  EXPECT_EQ(j["transport_retries"], 0);
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_NE(j["raw_response"].get<std::string>().find("chat.completion"), std::string::npos);
  EXPECT_EQ(j["request_key"].get<std::string>().size(), 64u);
  EXPECT_EQ(r.out.find(kFakeKey), std::string::npos);
}

TEST(LlmCli, StreamingHidesThinkingAndAppliesThePreset) {
  std::atomic<int> seen_temperature_tenths{-1};
  MockServer server([&](const MockRequest& req) {
    if (req.path == "/v1/chat/completions") {
      json body = json::parse(req.body);
      if (body.contains("temperature")) seen_temperature_tenths = static_cast<int>(body["temperature"].get<double>() * 10 + 0.5);
      EXPECT_EQ(body["top_p"], 0.3);
    }
    return OpenAiLike()(req);
  });
  auto r = Cli({"llm", "chat", "--model", "openai-compatible:m@" + server.url() + "/v1", "--prompt", "hi", "--stream",
                "--preset", "deterministic"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "echo: hi\n");
  EXPECT_EQ(seen_temperature_tenths, 1);
  auto over = Cli({"llm", "chat", "--model", "openai-compatible:m@" + server.url() + "/v1", "--prompt", "hi",
                   "--preset", "deterministic", "--temperature", "0.7"});
  EXPECT_EQ(over.code, 0) << over.err;
  EXPECT_EQ(seen_temperature_tenths, 7);
}

TEST(LlmCli, PromptFromStdin) {
  MockServer server(OpenAiLike());
  auto r = Cli({"llm", "chat", "--model", "openai-compatible:m@" + server.url() + "/v1", "--prompt", "-"}, {},
               "from stdin");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "echo: from stdin\n");
}

TEST(LlmCli, TransportFailureExits1WithTheCodeAndNoSecret) {
  MockServer server(OpenAiLike());
  auto r = Cli({"llm", "chat", "--model", "openai:gpt-4o@" + server.url() + "/v1", "--prompt", "deny"},
               {std::string("OPENAI_API_KEY=") + kFakeKey});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("transport.auth"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("OPENAI_API_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kFakeKey), std::string::npos);
  EXPECT_EQ(r.out.find(kFakeKey), std::string::npos);
  auto j = Cli({"llm", "chat", "--json", "--model", "openai:gpt-4o@" + server.url() + "/v1", "--prompt", "deny"},
               {std::string("OPENAI_API_KEY=") + kFakeKey});
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(json::parse(j.out)["error"]["code"], "transport.auth");
  EXPECT_EQ(j.out.find(kFakeKey), std::string::npos);
}

TEST(LlmCli, UsageErrorsExit2) {
  EXPECT_EQ(Cli({"llm", "chat", "--model", "gpt-4o", "--prompt", "x"}).code, 2);
  EXPECT_EQ(Cli({"llm", "chat", "--model", "openai-compatible:m@http://127.0.0.1:9/v1", "--prompt", "x", "--preset", "wild"}).code, 2);
  EXPECT_EQ(Cli({"llm", "chat", "--model", "openai-compatible:m@http://127.0.0.1:9/v1"}).code, 2);
  EXPECT_EQ(Cli({"llm", "chat", "--model", "openai-compatible:m@http://127.0.0.1:9/v1", "--prompt", "x", "--temperature", "9"}).code, 2);
  auto no_key = Cli({"llm", "chat", "--model", "openai:gpt-4o", "--prompt", "x"}, {"OPENAI_API_KEY="});
  EXPECT_EQ(no_key.code, 2);
  EXPECT_NE(no_key.err.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(Cli({"llm", "ping"}).code, 2);
}

TEST(LlmCli, RecordThenReplayOffline) {
  testing::TempDir dir;
  const std::string cassette = dir.path + "/c.jsonl";
  {
    MockServer server(OpenAiLike());
    auto rec = Cli({"llm", "chat", "--model", "openai:gpt-4o@" + server.url() + "/v1", "--prompt", "keep me", "--record", cassette},
                   {std::string("OPENAI_API_KEY=") + kFakeKey});
    ASSERT_EQ(rec.code, 0) << rec.err;
  }  // the server is gone: the replay is offline
  auto text = util::ReadFile(cassette);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find(kFakeKey), std::string::npos);
  auto again = Cli({"llm", "chat", "--model", "replay:" + cassette, "--prompt", "keep me"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "echo: keep me\n");
  auto miss = Cli({"llm", "chat", "--model", "replay:" + cassette, "--prompt", "never recorded"});
  EXPECT_EQ(miss.code, 1);
  EXPECT_NE(miss.err.find("no recorded response"), std::string::npos) << miss.err;
  EXPECT_NE(miss.err.find("never recorded"), std::string::npos);
}

TEST(LlmCli, PingChecksReachabilityAndTheModel) {
  MockServer server(OpenAiLike());
  auto ok = Cli({"llm", "ping", "openai-compatible:m@" + server.url() + "/v1"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("model present"), std::string::npos);
  auto missing = Cli({"llm", "ping", "openai-compatible:gpt-4p@" + server.url() + "/v1"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("did you mean 'gpt-4o'"), std::string::npos) << missing.err;
  const std::string url = server.url();
  server.Stop();
  auto down = Cli({"llm", "ping", "--json", "openai-compatible:m@" + url + "/v1"});
  EXPECT_EQ(down.code, 1);
  EXPECT_EQ(json::parse(down.out)["error"]["code"], "transport.connection");
}

}  // namespace
}  // namespace autopilot::llm
