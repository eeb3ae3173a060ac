// OpenAI Chat Completions and OpenAI-compatible servers, against the loopback mock: dialects,
// split framing, and every transport fault the issue lists.

#include "autopilot/llm/openai_backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "autopilot/llm/pricing.h"
#include "autopilot/llm/result_json.h"
#include "autopilot/util/clock.h"
#include "dialects.h"
#include "mock_server.h"
#include "test_util.h"

namespace autopilot::llm {
namespace {

using testing::ChunkedResponse;
using testing::FullResponse;
using testing::Harness;
using testing::kFakeKey;
using testing::MockReply;
using testing::MockRequest;
using testing::MockServer;
using testing::OpenAiCompletion;
using testing::OpenAiError;
using testing::OpenAiStream;
using testing::OpenAiStreamSpec;

constexpr const char* kJson = "application/json";
constexpr const char* kSse = "text/event-stream; charset=utf-8";

/// Serves replies from a list, one per request; the last one repeats.
MockServer::Handler Sequence(std::vector<MockReply> replies) {
  auto shared = std::make_shared<std::vector<MockReply>>(std::move(replies));
  auto next = std::make_shared<std::atomic<size_t>>(0);
  return [shared, next](const MockRequest&) {
    const size_t i = next->fetch_add(1);
    return (*shared)[std::min(i, shared->size() - 1)];
  };
}

struct OpenAiFixture : ::testing::Test {
  Harness h;
  std::unique_ptr<MockServer> server;

  std::unique_ptr<OpenAiBackend> Start(MockServer::Handler handler, BackendOptions options,
                                       Provider provider = Provider::kOpenAi) {
    server = std::make_unique<MockServer>(std::move(handler));
    return std::make_unique<OpenAiBackend>(
        testing::Spec(provider, "gpt-4o", server->url() + "/v1", kFakeKey), std::move(options));
  }
  std::unique_ptr<OpenAiBackend> Start(MockServer::Handler handler) {
    return Start(std::move(handler), h.Options());
  }
};

TEST(OpenAiRequest, GoldenBodies) {
  LlmRequest r = testing::UserRequest("Blink the LED.", true);
  r.sampling.temperature = 0.1;
  r.sampling.top_p = 0.3;
  r.sampling.seed = 7;
  r.sampling.max_tokens = 512;
  r.sampling.stop = {"```\n\n"};
  const auto openai =
      testing::Spec(Provider::kOpenAi, "gpt-4o", "https://api.openai.com/v1", kFakeKey);
  EXPECT_EQ(testing::GoldenJson(BuildOpenAiRequestBody(openai, r)),
            testing::ReadGoldenJson("openai_request_stream.json"));
  LlmRequest plain = testing::UserRequest("Blink the LED.");
  plain.sampling.max_tokens = 256;
  const auto compat =
      testing::Spec(Provider::kOpenAiCompatible, "llama3", "http://127.0.0.1:8080/v1");
  EXPECT_EQ(testing::GoldenJson(BuildOpenAiRequestBody(compat, plain)),
            testing::ReadGoldenJson("compat_request.json"));
  // The key travels only in the Authorization header.
  EXPECT_EQ(BuildOpenAiRequestBody(openai, r).find(kFakeKey), std::string::npos);
}

TEST_F(OpenAiFixture, NonStreamingReplyIsNormalised) {
  auto backend = Start(
      Sequence({FullResponse(200, kJson, OpenAiCompletion("void setup() {}", "stop", 1000, 200))}),
      [&] {
        auto o = h.Options();
        auto prices = std::make_shared<PriceTable>();
        prices->Set("openai:gpt-4o", {2.5, 10.0, 1.25});
        o.prices = prices;
        return o;
      }());
  LlmResult r = backend->Complete(testing::UserRequest("Blink."));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "void setup() {}");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.model, "gpt-4o-2024-08-06");
  EXPECT_EQ(r.usage.input_tokens, 1000);
  EXPECT_EQ(r.usage.output_tokens, 200);
  EXPECT_EQ(r.usage.total_tokens, 1200);
  EXPECT_TRUE(r.cost_known);
  EXPECT_NEAR(r.cost_usd, (1000 * 2.5 + 200 * 10.0) / 1e6, 1e-12);  // dated id priced as gpt-4o
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.transport_retries, 0);
  EXPECT_FALSE(r.timing.ttft_s.has_value());
  EXPECT_NE(r.raw_response.find("chat.completion"), std::string::npos);
  const auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/v1/chat/completions");
  EXPECT_EQ(reqs[0].headers.at("authorization"), std::string("Bearer ") + kFakeKey);
  EXPECT_EQ(reqs[0].headers.at("content-type"), "application/json");
}

TEST_F(OpenAiFixture, StreamSplitAcrossReadsIsReassembled) {
  OpenAiStreamSpec s;
  s.pieces = {"#include <Arduino.h>\n", "void setup() {\n",
              "  Serial.begin(9600); // \xC2\xB5s \"quoted\"\n", "}\n"};
  s.cached_tokens = 4;
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, OpenAiStream(s), 7, 1)}));
  std::string seen;
  StreamObserver obs;
  obs.on_text = [&](std::string_view p) { seen.append(p); };
  LlmRequest req = testing::UserRequest("Blink the LED.", true);
  req.sampling.temperature = 0.1;
  req.sampling.top_p = 0.3;
  req.sampling.seed = 7;
  req.sampling.max_tokens = 512;
  req.sampling.stop = {"```\n\n"};
  LlmResult r = backend->Complete(req, obs);
  ASSERT_TRUE(r.ok()) << r.error->message;
  const std::string expected = s.pieces[0] + s.pieces[1] + s.pieces[2] + s.pieces[3];
  EXPECT_EQ(r.text, expected);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_TRUE(r.usage.reported);
  EXPECT_EQ(r.usage.input_tokens, 19);
  EXPECT_EQ(r.usage.cached_input_tokens, 4);
  EXPECT_EQ(r.usage.output_tokens, 10);
  ASSERT_TRUE(r.timing.ttft_s.has_value());
  EXPECT_LE(*r.timing.ttft_s, r.timing.total_s);
  // The wire body is the golden one.
  ASSERT_EQ(server->requests().size(), 1u);
  EXPECT_EQ(testing::GoldenJson(server->requests()[0].body),
            testing::ReadGoldenJson("openai_request_stream.json"));
  EXPECT_EQ(server->requests()[0].headers.at("accept"), "text/event-stream");
}

TEST_F(OpenAiFixture, CrlfFramingAndCommentLinesAreHandled) {
  OpenAiStreamSpec s;
  s.pieces = {"a", "b\r\n", "c"};
  s.crlf = true;
  s.comments = true;
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, OpenAiStream(s), 3, 0)}));
  LlmResult r = backend->Complete(testing::UserRequest("x", true));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "ab\r\nc");
}

TEST_F(OpenAiFixture, VllmUsageChunkWithNullChoices) {
  OpenAiStreamSpec s;
  s.pieces = {"ok"};
  s.usage_choices_null = true;
  s.prompt_tokens = 33;
  s.reasoning_tokens = 5;
  s.completion_tokens = 12;
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, OpenAiStream(s), 64, 0)}), h.Options(),
                       Provider::kOpenAiCompatible);
  LlmResult r = backend->Complete(testing::UserRequest("x", true));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "ok");
  EXPECT_EQ(r.usage.input_tokens, 33);
  EXPECT_EQ(r.usage.output_tokens, 12);
  EXPECT_EQ(r.usage.reasoning_tokens, 5);
  EXPECT_EQ(r.provider, "openai-compatible");
}

TEST_F(OpenAiFixture, LlamaCppTimingsGiveSpeed) {
  OpenAiStreamSpec s;
  s.pieces = {"hi"};
  s.llama_cpp_timings = true;
  s.cached_tokens = 3;
  s.done = true;
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, OpenAiStream(s), 50, 0)}), h.Options(),
                       Provider::kOpenAiCompatible);
  LlmResult r = backend->Complete(testing::UserRequest("x", true));
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_TRUE(r.timing.tokens_per_s.has_value());
  EXPECT_DOUBLE_EQ(*r.timing.tokens_per_s, 40.0);
  EXPECT_EQ(r.usage.input_tokens, 19);
}

TEST_F(OpenAiFixture, LlamaCppContextOverflowIsFatal) {
  const std::string body =
      R"({"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (4096 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}})";
  auto backend =
      Start(Sequence({FullResponse(400, kJson, body)}), h.Options(), Provider::kOpenAiCompatible);
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportContextOverflow);
  EXPECT_NE(r.error->message.find("exceeds the available context size"), std::string::npos);
  EXPECT_EQ(server->request_count(), 1u);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST_F(OpenAiFixture, RateLimitHonoursRetryAfter) {
  auto backend = Start(Sequence(
      {FullResponse(429, kJson,
                    OpenAiError("Rate limit reached for gpt-4o", "requests", "rate_limit_exceeded"),
                    {{"Retry-After", "2"}}),
       FullResponse(200, kJson, OpenAiCompletion("ok"))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.transport_retries, 1);
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].http_status, 429);
  EXPECT_EQ(r.attempts[0].code, kTransportRateLimited);
  EXPECT_EQ(r.attempts[0].wait_source, "retry-after");
  EXPECT_EQ(h.sleeps, std::vector<double>{2.0});
}

TEST_F(OpenAiFixture, RateLimitFallsBackToResetHeader) {
  auto backend = Start(
      Sequence({FullResponse(429, kJson, OpenAiError("Rate limit", "tokens", "rate_limit_exceeded"),
                             {{"x-ratelimit-remaining-requests", "5"},
                              {"x-ratelimit-remaining-tokens", "0"},
                              {"x-ratelimit-reset-requests", "120ms"},
                              {"x-ratelimit-reset-tokens", "1.5s"}}),
                FullResponse(200, kJson, OpenAiCompletion("ok"))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(h.sleeps.size(), 1u);
  EXPECT_DOUBLE_EQ(h.sleeps[0], 1.5);
  EXPECT_EQ(r.attempts[0].wait_source, "x-ratelimit-reset");
}

TEST_F(OpenAiFixture, QuotaExhaustedIsFatalAndSaysWhatToDo) {
  auto backend = Start(Sequence({FullResponse(
      429, kJson,
      OpenAiError("You exceeded your current quota, please check your plan and billing details.",
                  "insufficient_quota", "insufficient_quota"))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportQuotaExhausted);
  EXPECT_NE(r.error->message.find("add credit"), std::string::npos) << r.error->message;
  EXPECT_EQ(server->request_count(), 1u);
  EXPECT_EQ(r.transport_retries, 0);
}

TEST_F(OpenAiFixture, AuthAndNotFoundAreFatalWithAFix) {
  struct Case {
    int status;
    const char* code;
    const char* hint;
  };
  for (const Case& c :
       {Case{401, kTransportAuth, "OPENAI_API_KEY"}, Case{403, kTransportAuth, "access"},
        Case{404, kEnvMisconfigured, "model id"}}) {
    // The server echoes part of the key, as OpenAI does for a wrong one.
    auto backend = Start(Sequence(
        {FullResponse(c.status, kJson,
                      OpenAiError(std::string("Incorrect API key provided: ") + kFakeKey + ".",
                                  "invalid_request_error", "invalid_api_key"))}));
    LlmResult r = backend->Complete(testing::UserRequest("x"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->code, c.code) << c.status;
    EXPECT_NE(r.error->message.find(c.hint), std::string::npos) << r.error->message;
    EXPECT_EQ(server->request_count(), 1u) << c.status;
    const std::string everything = ResultToJson(r, true).dump();
    EXPECT_EQ(everything.find(kFakeKey), std::string::npos) << c.status << ": the key leaked";
    EXPECT_NE(everything.find("Incorrect API key provided: ***"), std::string::npos);
  }
}

TEST_F(OpenAiFixture, ServerErrorsAreRetriedWithGrowingBackoff) {
  auto backend = Start(Sequence(
      {FullResponse(500, kJson, OpenAiError("The server had an error", "server_error", "")),
       FullResponse(503, kJson, "upstream overloaded"),
       FullResponse(200, kJson, OpenAiCompletion("fine"))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "fine");
  EXPECT_EQ(r.transport_retries, 2);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_GE(h.sleeps[0], 0.5 * 0.75);
  EXPECT_LE(h.sleeps[0], 0.5 * 1.25);
  EXPECT_GE(h.sleeps[1], 1.0 * 0.75);
  EXPECT_LE(h.sleeps[1], 1.0 * 1.25);
  EXPECT_EQ(r.attempts[1].http_status, 503);
}

TEST_F(OpenAiFixture, PersistentServerErrorGivesUpAfterTheBudget) {
  auto backend =
      Start(Sequence({FullResponse(500, kJson, OpenAiError("boom", "server_error", ""))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportServerError);
  EXPECT_NE(r.error->message.find("gave up after 3 retries"), std::string::npos)
      << r.error->message;
  EXPECT_EQ(server->request_count(), 4u);
  EXPECT_EQ(r.transport_retries, 3);
}

TEST_F(OpenAiFixture, ConnectionResetIsRetried) {
  MockReply reset;
  reset.Reset();
  auto backend =
      Start(Sequence({reset, FullResponse(200, kJson, OpenAiCompletion("after reset"))}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "after reset");
  ASSERT_EQ(r.attempts.size(), 1u);
  EXPECT_EQ(r.attempts[0].code, kTransportServerError);
  EXPECT_EQ(r.attempts[0].http_status, 0);
}

TEST_F(OpenAiFixture, StalledStreamHitsTheIdleTimeout) {
  OpenAiStreamSpec s;
  s.pieces = {"never finished"};
  const std::string stream = OpenAiStream(s);
  MockReply stall;
  stall.Write(testing::ResponseHead(200, {{"Content-Type", kSse}}))
      .Write(stream.substr(0, stream.find("\n\n") + 2));
  stall.Pause(5000);
  auto options = h.Options();
  options.transport.idle_timeout_s = 0.3;
  options.retry.max_retries = 0;
  auto backend = Start(Sequence({stall}), options);
  const int64_t t0 = util::MonotonicMs();
  LlmResult r = backend->Complete(testing::UserRequest("x", true));
  const int64_t took = util::MonotonicMs() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportTimeout);
  EXPECT_NE(r.error->message.find("idle timeout"), std::string::npos) << r.error->message;
  EXPECT_GE(took, 250);
  EXPECT_LT(took, 2000);
  server->Stop();
}

TEST_F(OpenAiFixture, DeadlineBoundsANonStreamingWait) {
  MockReply slow;
  slow.Pause(5000);
  auto options = h.Options();
  options.transport.deadline_s = 0.4;
  options.retry.max_retries = 0;
  auto backend = Start(Sequence({slow}), options);
  const int64_t t0 = util::MonotonicMs();
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportTimeout);
  EXPECT_NE(r.error->message.find("deadline"), std::string::npos) << r.error->message;
  EXPECT_LT(util::MonotonicMs() - t0, 2000);
  server->Stop();
}

TEST_F(OpenAiFixture, MalformedJsonIsAServerErrorAndRetried) {
  const std::string bad = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"a\"}\n\n";
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, bad, 16, 0),
                                 FullResponse(200, kJson, "{\"choices\": [ {\"message\": ")}));
  auto r = backend->Complete(testing::UserRequest("x", true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportServerError);
  EXPECT_EQ(r.transport_retries, 3);
  EXPECT_NE(r.attempts[0].message.find("malformed JSON"), std::string::npos)
      << r.attempts[0].message;
}

TEST_F(OpenAiFixture, MidStreamErrorEventKeepsPartialText) {
  std::string body =
      "data: " +
      nlohmann::json{
          {"choices",
           {{{"index", 0}, {"delta", {{"content", "partial "}}}, {"finish_reason", nullptr}}}}}
          .dump() +
      "\n\n" +
      R"(data: {"error":{"message":"upstream model crashed","type":"server_error","code":null}})" +
      "\n\n";
  auto options = h.Options();
  options.retry.max_retries = 0;
  auto backend = Start(Sequence({ChunkedResponse(200, kSse, body, 11, 0)}), options);
  LlmResult r = backend->Complete(testing::UserRequest("x", true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportServerError);
  EXPECT_NE(r.error->message.find("upstream model crashed"), std::string::npos);
  EXPECT_EQ(r.text, "partial ");
  EXPECT_EQ(r.http_status, 200);
}

TEST_F(OpenAiFixture, TruncatedStreamsAreDetected) {
  OpenAiStreamSpec s;
  s.pieces = {"one ", "two ", "three"};
  const std::string full = OpenAiStream(s);
  auto options = h.Options();
  options.retry.max_retries = 0;
  // 1) The connection closes in the middle of an event (chunked body never terminated).
  auto cut =
      Start(Sequence({ChunkedResponse(200, kSse, full.substr(0, full.size() / 2), 9, 0, false)}),
            options);
  LlmResult r1 = cut->Complete(testing::UserRequest("x", true));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error->code, kTransportServerError);
  EXPECT_NE(r1.error->message.find("closed early"), std::string::npos) << r1.error->message;
  // 2) Clean HTTP framing, but the stream stops before any finish_reason or [DONE].
  const std::string events = full.substr(0, full.find("three"));
  auto clean = Start(
      Sequence({ChunkedResponse(200, kSse, events.substr(0, events.rfind("\n\n") + 2), 9, 0)}),
      options);
  LlmResult r2 = clean->Complete(testing::UserRequest("x", true));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error->code, kTransportServerError);
  EXPECT_NE(r2.error->message.find("ended before completion"), std::string::npos)
      << r2.error->message;
  EXPECT_EQ(r2.text, "one two ");
}

TEST_F(OpenAiFixture, FiftyMegabyteReply) {
  std::string content;
  content.reserve(50u << 20);
  for (int i = 0; content.size() < (50u << 20); ++i)
    content += "float feature_" + std::to_string(i) + " = 0.0f;\n";
  const std::string body = OpenAiCompletion(content);
  auto backend = Start(Sequence({FullResponse(200, kJson, body)}));
  LlmResult r = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text.size(), content.size());
  EXPECT_TRUE(r.raw_truncated);
  EXPECT_EQ(r.raw_response.size(), size_t{1} << 20);
  // With a cap below it the reply is refused cleanly and not retried.
  auto options = h.Options();
  options.transport.max_response_bytes = 1u << 20;
  auto capped = Start(Sequence({FullResponse(200, kJson, body)}), options);
  LlmResult c = capped->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error->code, kTransportServerError);
  EXPECT_NE(c.error->message.find("larger than"), std::string::npos);
  EXPECT_EQ(server->request_count(), 1u);
}

TEST_F(OpenAiFixture, RefusalLengthThinkAndRepetition) {
  std::string loop;
  for (int i = 0; i < 20; ++i) loop += "Serial.println(\"again\");\n";
  auto backend = Start(Sequence(
      {FullResponse(200, kJson,
                    OpenAiCompletion("", "stop", 5, 5, "gpt-4o", "I can't help with that.")),
       FullResponse(200, kJson, OpenAiCompletion("void setup() {", "length")),
       FullResponse(200, kJson, OpenAiCompletion("<think>plan the pins</think>\n\nvoid loop() {}")),
       FullResponse(200, kJson, OpenAiCompletion(loop, "length"))}));
  LlmResult refusal = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(refusal.ok());
  EXPECT_EQ(refusal.error->code, kFormatRefusal);
  EXPECT_NE(refusal.error->message.find("I can't help"), std::string::npos);

  LlmResult cut = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error->code, kFormatTruncated);
  EXPECT_EQ(cut.text, "void setup() {");  // kept for classification

  LlmResult think = backend->Complete(testing::UserRequest("x"));
  ASSERT_TRUE(think.ok());
  EXPECT_EQ(think.text, "void loop() {}");
  EXPECT_EQ(think.reasoning, "plan the pins");
  EXPECT_NE(think.raw_response.find("<think>"), std::string::npos);

  LlmResult rep = backend->Complete(testing::UserRequest("x"));
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error->code, kFormatRepetition);  // the loop is the first cause of the cut
  EXPECT_EQ(rep.flags, (std::vector<std::string>{kFormatRepetition, kFormatTruncated}));
}

TEST_F(OpenAiFixture, RefusedConnectionIsNotRetried) {
  auto backend = Start(Sequence({FullResponse(200, kJson, "{}")}));
  const std::string url = server->url();
  server->Stop();
  server.reset();
  OpenAiBackend dead(testing::Spec(Provider::kOpenAi, "gpt-4o", url + "/v1", kFakeKey),
                     h.Options());
  LlmResult r = dead.Complete(testing::UserRequest("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kTransportConnection);
  EXPECT_NE(r.error->message.find("is the server running"), std::string::npos);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST_F(OpenAiFixture, PingListsModels) {
  auto backend = Start([](const MockRequest& req) {
    if (req.method == "GET" && req.path == "/v1/models") {
      return FullResponse(
          200, kJson,
          R"({"object":"list","data":[{"id":"gpt-4o","object":"model","owned_by":"system"},{"id":"gpt-4o-mini","object":"model","owned_by":"system"}]})");
    }
    return FullResponse(404, kJson, OpenAiError("no", "invalid_request_error", ""));
  });
  auto info = backend->Ping();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->model_found);
  EXPECT_EQ(info->models, (std::vector<std::string>{"gpt-4o", "gpt-4o-mini"}));
  OpenAiBackend other(testing::Spec(Provider::kOpenAi, "gpt-5", server->url() + "/v1", kFakeKey),
                      h.Options());
  auto missing = other.Ping();
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->model_found);
}

TEST_F(OpenAiFixture, NumCtxIsIgnoredWithOneWarning) {
  auto backend = Start(Sequence({FullResponse(200, kJson, OpenAiCompletion("ok"))}));
  LlmRequest req = testing::UserRequest("x");
  req.num_ctx = 8192;
  ASSERT_TRUE(backend->Complete(req).ok());
  ASSERT_TRUE(backend->Complete(req).ok());
  ASSERT_EQ(h.warnings.size(), 1u);
  EXPECT_NE(h.warnings[0].find("num_ctx is ignored"), std::string::npos);
  EXPECT_EQ(server->requests()[0].body.find("num_ctx"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::llm
