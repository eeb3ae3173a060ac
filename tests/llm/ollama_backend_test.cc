// Ollama's native /api/chat against the loopback mock: NDJSON framing, num_ctx always set, silent
// truncation, mid-stream errors.

#include "autopilot/llm/ollama_backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "dialects.h"
#include "mock_server.h"
#include "test_util.h"

namespace autopilot::llm {
namespace {

using testing::ChunkedResponse;
using testing::FullResponse;
using testing::Harness;
using testing::MockReply;
using testing::MockRequest;
using testing::MockServer;
using testing::OllamaSingle;
using testing::OllamaStream;
using testing::OllamaStreamSpec;

constexpr const char* kNdjson = "application/x-ndjson";
constexpr const char* kJson = "application/json; charset=utf-8";

nlohmann::json Body(const MockRequest& r) {
  return nlohmann::json::parse(r.body);
}

/// Routes /api/show to `show` and /api/chat to `chats` in order (the last one repeats).
MockServer::Handler Routes(std::string show, std::vector<MockReply> chats) {
  auto replies = std::make_shared<std::vector<MockReply>>(std::move(chats));
  auto next = std::make_shared<std::atomic<size_t>>(0);
  return [show, replies, next](const MockRequest& req) {
    if (req.path == "/api/show") return FullResponse(200, kJson, show);
    if (req.path == "/api/tags") {
      return FullResponse(
          200, kJson,
          R"({"models":[{"name":"qwen2.5-coder:32b","model":"qwen2.5-coder:32b","size":19851349856},{"name":"phi4:latest","model":"phi4:latest","size":9053116391}]})");
    }
    const size_t i = next->fetch_add(1);
    return (*replies)[std::min(i, replies->size() - 1)];
  };
}

struct OllamaFixture : ::testing::Test {
  Harness h;
  std::unique_ptr<MockServer> server;

  std::unique_ptr<OllamaBackend> Start(MockServer::Handler handler, BackendOptions options,
                                       const std::string& model = "qwen2.5-coder:32b") {
    server = std::make_unique<MockServer>(std::move(handler));
    return std::make_unique<OllamaBackend>(testing::Spec(Provider::kOllama, model, server->url()),
                                           std::move(options));
  }
  std::unique_ptr<OllamaBackend> Start(MockServer::Handler handler) {
    return Start(std::move(handler), h.Options());
  }
};

TEST(OllamaRequest, GoldenBody) {
  LlmRequest r = testing::UserRequest("Blink the LED.", true);
  r.sampling.temperature = 0.1;
  r.sampling.top_p = 0.3;
  r.sampling.seed = 7;
  r.sampling.max_tokens = 512;
  r.sampling.stop = {"```\n\n"};
  const auto spec = testing::Spec(Provider::kOllama, "qwen2.5-coder:32b", "http://localhost:11434");
  EXPECT_EQ(testing::GoldenJson(BuildOllamaRequestBody(spec, r, 8192)),
            testing::ReadGoldenJson("ollama_request.json"));
}

TEST_F(OllamaFixture, NdjsonStreamSplitAcrossReads) {
  OllamaStreamSpec s;
  s.pieces = {"void ", "setup() {\n", "  pinMode(LED_BUILTIN, OUTPUT);\n", "}\n"};
  auto backend = Start(Routes("{}", {ChunkedResponse(200, kNdjson, OllamaStream(s), 5, 1)}));
  LlmRequest req = testing::UserRequest("Blink the LED.", true);
  req.num_ctx = 8192;
  req.sampling.temperature = 0.1;
  req.sampling.top_p = 0.3;
  req.sampling.seed = 7;
  req.sampling.max_tokens = 512;
  req.sampling.stop = {"```\n\n"};
  std::string seen;
  StreamObserver obs;
  obs.on_text = [&](std::string_view p) { seen.append(p); };
  LlmResult r = backend->Complete(req, obs);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "void setup() {\n  pinMode(LED_BUILTIN, OUTPUT);\n}\n");
  EXPECT_EQ(seen, r.text);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage.input_tokens, 26);
  EXPECT_EQ(r.usage.output_tokens, 290);
  ASSERT_TRUE(r.timing.load_s.has_value());
  EXPECT_NEAR(*r.timing.load_s, 0.005025959, 1e-9);
  ASSERT_TRUE(r.timing.tokens_per_s.has_value());
  EXPECT_NEAR(*r.timing.tokens_per_s, 290 / 4.709213, 1e-6);
  ASSERT_TRUE(r.timing.ttft_s.has_value());
  const auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 1u);  // num_ctx given: no /api/show
  EXPECT_EQ(reqs[0].path, "/api/chat");
  EXPECT_EQ(testing::GoldenJson(reqs[0].body), testing::ReadGoldenJson("ollama_request.json"));
  EXPECT_EQ(reqs[0].headers.count("authorization"), 0u);
}

TEST_F(OllamaFixture, NonStreamingSetsStreamFalse) {
  OllamaStreamSpec s;
  s.pieces = {"ok"};
  auto options = h.Options();
  options.num_ctx = 4096;  // from autopilot.yaml
  auto backend = Start(Routes("{}", {FullResponse(200, kJson, OllamaSingle(s))}), options);
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "ok");
  const auto body = Body(server->requests().at(0));
  EXPECT_EQ(body["stream"], false);
  EXPECT_EQ(body["options"]["num_ctx"], 4096);
}

TEST_F(OllamaFixture, NumCtxComesFromApiShowOnceAndIsCapped) {
  OllamaStreamSpec s;
  s.pieces = {"ok"};
  const std::string show =
      R"({"modelfile":"FROM x","parameters":"stop \"<|im_end|>\"","template":"{{ .Prompt }}","details":{"family":"qwen2"},"model_info":{"general.architecture":"qwen2","qwen2.context_length":131072,"qwen2.embedding_length":5120}})";
  auto backend = Start(Routes(show, {FullResponse(200, kJson, OllamaSingle(s))}));
  ASSERT_TRUE(backend->Complete(testing::UserRequest("x")).ok());
  ASSERT_TRUE(backend->Complete(testing::UserRequest("y")).ok());
  const auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].path, "/api/show");
  EXPECT_EQ(Body(reqs[0])["model"], "qwen2.5-coder:32b");
  EXPECT_EQ(Body(reqs[1])["options"]["num_ctx"], 32768);  // 131072 capped
  EXPECT_EQ(Body(reqs[2])["options"]["num_ctx"], 32768);
}

TEST_F(OllamaFixture, ModelfileNumCtxWins) {
  OllamaStreamSpec s;
  s.pieces = {"ok"};
  const std::string show =
      R"({"parameters":"num_ctx                        16384\nstop                           \"<|im_end|>\"","model_info":{"llama.context_length":131072}})";
  auto backend = Start(Routes(show, {FullResponse(200, kJson, OllamaSingle(s))}));
  ASSERT_TRUE(backend->Complete(testing::UserRequest("x")).ok());
  EXPECT_EQ(Body(server->requests().at(1))["options"]["num_ctx"], 16384);
}

TEST_F(OllamaFixture, SilentTruncationIsReported) {
  OllamaStreamSpec s;
  s.pieces = {"I only saw the end of your prompt."};
  s.prompt_eval_count = 2048;  // the whole window: Ollama cut the prompt to fit
  auto backend = Start(Routes("{}", {ChunkedResponse(200, kNdjson, OllamaStream(s), 64, 0)}));
  LlmRequest req = testing::UserRequest("x", true);
  req.num_ctx = 2048;
  LlmResult r = backend->Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportContextTruncated);
  EXPECT_NE(r.error->message.find("raise --num-ctx"), std::string::npos);
  EXPECT_EQ(r.text, "I only saw the end of your prompt.");
  EXPECT_EQ(server->request_count(), 1u);  // not retried: it would truncate again
}

TEST_F(OllamaFixture, PromptFarLargerThanTheWindowIsTruncationEvenWithCaching) {
  OllamaStreamSpec s;
  s.pieces = {"ok"};
  s.prompt_eval_count = 30;  // only the uncached tail was evaluated
  auto backend = Start(Routes("{}", {FullResponse(200, kJson, OllamaSingle(s))}));
  LlmRequest req = testing::UserRequest(std::string(40000, 'x'));  // ~10k tokens
  req.num_ctx = 2048;
  LlmResult r = backend->Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportContextTruncated);
  // A prompt that fits passes the same check.
  LlmRequest fits = testing::UserRequest(std::string(4000, 'x'));
  fits.num_ctx = 2048;
  EXPECT_TRUE(backend->Complete(fits).ok());
}

TEST_F(OllamaFixture, MidStreamErrorLineIsRetried) {
  std::string broken =
      R"({"model":"qwen2.5-coder:32b","created_at":"2025-01-01T12:00:00Z","message":{"role":"assistant","content":"void"},"done":false})"
      "\n"
      R"({"error":"an error was encountered while running the model: unexpected EOF"})"
      "\n";
  OllamaStreamSpec s;
  s.pieces = {"void setup() {}"};
  auto backend = Start(Routes("{}", {ChunkedResponse(200, kNdjson, broken, 13, 0),
                                     ChunkedResponse(200, kNdjson, OllamaStream(s), 13, 0)}));
  LlmRequest req = testing::UserRequest("x", true);
  req.num_ctx = 4096;
  std::vector<TransportAttempt> retries;
  StreamObserver obs;
  obs.on_retry = [&](const TransportAttempt& a) { retries.push_back(a); };
  LlmResult r = backend->Complete(req, obs);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "void setup() {}");
  EXPECT_EQ(r.transport_retries, 1);
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_NE(retries[0].message.find("unexpected EOF"), std::string::npos);
  EXPECT_EQ(retries[0].http_status, 200);
}

TEST_F(OllamaFixture, StreamWithoutDoneIsAnError) {
  OllamaStreamSpec s;
  s.pieces = {"half"};
  s.done = false;
  auto options = h.Options();
  options.retry.max_retries = 0;
  auto backend =
      Start(Routes("{}", {ChunkedResponse(200, kNdjson, OllamaStream(s), 8, 0)}), options);
  LlmRequest req = testing::UserRequest("x", true);
  req.num_ctx = 4096;
  LlmResult r = backend->Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportServerError);
  EXPECT_NE(r.error->message.find("before \"done\""), std::string::npos);
  EXPECT_EQ(r.text, "half");
}

TEST_F(OllamaFixture, MissingModelSaysPullIt) {
  auto backend = Start(
      [](const MockRequest&) {
        return FullResponse(404, kJson, R"({"error":"model 'qwen9:70b' not found"})");
      },
      h.Options(), "qwen9:70b");
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kEnvMisconfigured);
  EXPECT_NE(r.error->message.find("ollama pull qwen9:70b"), std::string::npos) << r.error->message;
  EXPECT_EQ(server->request_count(), 1u);  // the /api/show probe already told us
}

TEST_F(OllamaFixture, LengthCutIsFlagged) {
  OllamaStreamSpec s;
  s.pieces = {"void setup() {"};
  s.done_reason = "length";
  auto backend = Start(Routes("{}", {FullResponse(200, kJson, OllamaSingle(s))}));
  LlmRequest req = testing::UserRequest("x");
  req.num_ctx = 4096;
  LlmResult r = backend->Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kFormatTruncated);
  EXPECT_EQ(r.finish_reason, "length");
}

TEST_F(OllamaFixture, PingFindsModelsWithImplicitLatestTag) {
  auto backend = Start(Routes("{}", {}), h.Options(), "phi4");
  auto info = backend->Ping();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->model_found);
  EXPECT_EQ(info->models.size(), 2u);
  OllamaBackend missing(testing::Spec(Provider::kOllama, "llama3.1:8b", server->url()),
                        h.Options());
  auto none = missing.Ping();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->model_found);
}

}  // namespace
}  // namespace autopilot::llm
