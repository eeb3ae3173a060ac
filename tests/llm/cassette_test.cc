// Record and replay: keys, round trips, loud misses, no secrets on disk.

#include "autopilot/llm/cassette.h"

#include <gtest/gtest.h>

#include <atomic>

#include "autopilot/llm/openai_backend.h"
#include "autopilot/util/files.h"
#include "dialects.h"
#include "mock_server.h"
#include "test_util.h"

namespace autopilot::llm {
namespace {

using testing::FullResponse;
using testing::kFakeKey;
using testing::MockRequest;
using testing::MockServer;

TEST(RequestKey, CoversWhatDecidesTheAnswerOnly) {
  LlmRequest a = testing::UserRequest("Blink.");
  a.sampling.temperature = 0.1;
  LlmRequest b = a;
  b.stream = true;
  b.tag = {"SG", 3};
  EXPECT_EQ(RequestKey(a), RequestKey(b));  // wire mode and tag are not part of the key
  EXPECT_EQ(RequestKey(a).size(), 64u);
  LlmRequest c = a;
  c.sampling.temperature = 0.2;
  EXPECT_NE(RequestKey(a), RequestKey(c));
  LlmRequest d = a;
  d.messages[1].content = "Blink!";
  EXPECT_NE(RequestKey(a), RequestKey(d));
  LlmRequest e = a;
  e.num_ctx = 4096;
  EXPECT_NE(RequestKey(a), RequestKey(e));
  EXPECT_EQ(NormalisedRequest(a),
            R"({"messages":[{"role":"system","content":"You write Arduino sketches."},{"role":"user","content":"Blink."}],"sampling":{"temperature":0.1}})");
}

struct CassetteFixture : ::testing::Test {
  testing::Harness h;
  testing::TempDir dir;
  std::string path() const { return dir.path + "/run.jsonl"; }
};

TEST_F(CassetteFixture, RecordThenReplayOfflineWithoutSecrets) {
  auto counter = std::make_shared<std::atomic<int>>(0);
  MockServer server([counter](const MockRequest&) {
    const int n = ++*counter;
    if (n == 2) return FullResponse(500, "application/json", "{}");  // a transport failure in between
    return FullResponse(200, "application/json", testing::OpenAiCompletion("answer " + std::to_string(n)));
  });
  const ModelSpec spec = testing::Spec(Provider::kOpenAi, "gpt-4o", server.url() + "/v1", kFakeKey);
  auto opts = h.Options();
  opts.retry.max_retries = 0;
  auto recorder = WithRecording(std::make_unique<OpenAiBackend>(spec, opts), spec, path());
  ASSERT_TRUE(recorder.ok());
  LlmRequest first = testing::UserRequest("first");
  first.tag = {"SG", 0};
  LlmRequest second = testing::UserRequest("second");
  second.tag = {"SG", 1};
  EXPECT_EQ((*recorder)->Complete(first).text, "answer 1");
  EXPECT_FALSE((*recorder)->Complete(second).ok());  // 500: not recorded
  EXPECT_EQ((*recorder)->Complete(second).text, "answer 3");
  server.Stop();

  auto text = util::ReadFile(path());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find(kFakeKey), std::string::npos) << "the API key reached the cassette";
  EXPECT_EQ(text->find("Bearer"), std::string::npos);
  auto cassette = Cassette::Load(path());
  ASSERT_TRUE(cassette.ok()) << cassette.error().message;
  ASSERT_EQ(cassette->entries().size(), 2u);
  EXPECT_EQ(cassette->entries()[0].key, RequestKey(first));
  EXPECT_EQ(cassette->entries()[1].tag.attempt, 1);
  EXPECT_EQ(cassette->entries()[1].model, "gpt-4o");

  auto replay = MakeReplayBackend(path(), h.Options());
  ASSERT_TRUE(replay.ok());
  LlmResult r1 = (*replay)->Complete(first);
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1.replayed);
  EXPECT_EQ(r1.text, "answer 1");
  EXPECT_EQ(r1.usage.input_tokens, 19);
  std::string streamed;
  StreamObserver obs;
  obs.on_text = [&](std::string_view p) { streamed.append(p); };
  LlmRequest second_streamed = second;
  second_streamed.stream = true;
  EXPECT_EQ((*replay)->Complete(second_streamed, obs).text, "answer 3");
  EXPECT_EQ(streamed, "answer 3");
}

TEST_F(CassetteFixture, MissFailsLoudlyNamingTheRequest) {
  ASSERT_TRUE(util::WriteFileAtomic(path(), "").ok());
  auto replay = MakeReplayBackend(path(), h.Options());
  ASSERT_TRUE(replay.ok());
  LlmRequest req = testing::UserRequest("Write the MC script");
  LlmResult r = (*replay)->Complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, kEnvMisconfigured);
  EXPECT_NE(r.error->message.find(RequestKey(req).substr(0, 12)), std::string::npos);
  EXPECT_NE(r.error->message.find("Write the MC script"), std::string::npos);
  EXPECT_NE(r.error->message.find(path()), std::string::npos);
}

TEST_F(CassetteFixture, RepeatedRequestsReplayInOrderAndTagFallbackWarns) {
  {
    auto writer = CassetteWriter::Open(path());
    ASSERT_TRUE(writer.ok());
    const ModelSpec spec = testing::Spec(Provider::kOllama, "phi4", "http://127.0.0.1:1");
    LlmRequest req = testing::UserRequest("same");
    req.tag = {"DP", 2};
    for (const char* t : {"one", "two"}) {
      LlmResult r;
      r.text = t;
      ASSERT_TRUE(writer->Append(spec, req, r, {}).ok());
    }
  }
  auto replay = MakeReplayBackend(path(), h.Options());
  ASSERT_TRUE(replay.ok());
  const LlmRequest same = testing::UserRequest("same");
  EXPECT_EQ((*replay)->Complete(same).text, "one");
  EXPECT_EQ((*replay)->Complete(same).text, "two");
  EXPECT_EQ((*replay)->Complete(same).text, "two");  // the last repeats

  LlmRequest changed = testing::UserRequest("same, but the prompt template changed");
  changed.tag = {"DP", 2};
  EXPECT_FALSE((*replay)->Complete(changed).ok());  // default: exact only
  ReplayOptions lenient;
  lenient.match_tag_on_miss = true;
  auto by_tag = MakeReplayBackend(path(), h.Options(), lenient);
  ASSERT_TRUE(by_tag.ok());
  LlmResult r = (*by_tag)->Complete(changed);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.text, "two");
  ASSERT_EQ(h.warnings.size(), 1u);
  EXPECT_NE(h.warnings[0].find("stage DP attempt 2"), std::string::npos);
}

TEST_F(CassetteFixture, CorruptLinesAreReportedWithTheirPosition) {
  ASSERT_TRUE(util::WriteFileAtomic(path(), "{\"key\":\"k\",\"result\":{}}\nnot json\n").ok());
  auto c = Cassette::Load(path());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find(path() + ":2"), std::string::npos) << c.error().message;
  auto missing = MakeReplayBackend(dir.path + "/nope.jsonl", h.Options());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::llm
