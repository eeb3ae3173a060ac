// The redactor: environment values and key shapes are replaced by stable markers, ordinary text
// is left alone, and megabytes of output are scrubbed in one linear pass.

#include "autopilot/exec/redact.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace autopilot::exec {
namespace {

// Obviously fake values: none of these was ever a credential.
constexpr const char* kFakeOpenAi = "sk-FAKE0123456789abcdefFAKE0123456789abcdef";
constexpr const char* kFakeProject = "sk-proj-FAKE_test-0123456789-abcdefghijKLMNOP";
constexpr const char* kFakePassword = "fake-db-passphrase-for-tests";

Redactor WithEnv() {
  return Redactor::FromEnvironment(
      {"PATH=/usr/bin:/bin", "TEST_DB_PASSWORD=" + std::string(kFakePassword),
       "SHORT_TOKEN=abc1234", "LANG=C.UTF-8", "EDITOR=vim-fake-editor"});
}

TEST(Redactor, ReplacesSecretNamedEnvironmentValuesWithTheirName) {
  Redactor r = WithEnv();
  EXPECT_EQ(r.value_count(), 1u);  // SHORT_TOKEN is below the minimum, EDITOR not a secret name
  std::string text =
      std::string("connecting with ") + kFakePassword + "\nretry " + kFakePassword + "!";
  EXPECT_EQ(r.Apply(text),
            "connecting with [redacted:TEST_DB_PASSWORD]\nretry [redacted:TEST_DB_PASSWORD]!");
  // Trivia and values of ordinary variables stay.
  EXPECT_EQ(r.Apply("abc1234 vim-fake-editor /usr/bin:/bin"),
            "abc1234 vim-fake-editor /usr/bin:/bin");
}

TEST(Redactor, TrimsEnvironmentValuesAndKeepsOneNamePerValue) {
  Redactor r = Redactor::FromEnvironment(
      {"B_API_KEY=  shared-fake-value-42\n", "A_TOKEN=shared-fake-value-42"});
  EXPECT_EQ(r.value_count(), 1u);
  EXPECT_EQ(r.Apply("v=shared-fake-value-42;"),
            "v=[redacted:A_TOKEN];");  // the first name in order
}

TEST(Redactor, FindsValuesInsideJsonBodiesToo) {
  Redactor r = Redactor::FromEnvironment({"Q_PASSWORD=fake\"quoted\\value"});
  EXPECT_EQ(r.value_count(), 2u);
  EXPECT_EQ(r.Apply("{\"out\": \"fake\\\"quoted\\\\value\"}"),
            "{\"out\": \"[redacted:Q_PASSWORD]\"}");
  EXPECT_EQ(r.Apply("raw fake\"quoted\\value"), "raw [redacted:Q_PASSWORD]");
}

TEST(Redactor, LongerValuesWinOverValuesTheyContain) {
  Redactor r = Redactor::FromEnvironment({"X_SECRET=fakefake", "Y_SECRET=fakefake-and-more"});
  EXPECT_EQ(r.Apply("[fakefake-and-more] [fakefake]"),
            "[[redacted:Y_SECRET]] [[redacted:X_SECRET]]");
}

TEST(Redactor, OpenAiKeys) {
  Redactor r;
  EXPECT_EQ(r.Apply(std::string("key=") + kFakeOpenAi + "\n"), "key=[redacted:openai-key]\n");
  EXPECT_EQ(r.Apply(std::string("\"") + kFakeProject + "\","), "\"[redacted:openai-key]\",");
  EXPECT_EQ(r.Apply("OPENAI_API_KEY=sk-test-FAKEKEY-4f1c9e7a2b3d5e6f"),
            "OPENAI_API_KEY=[redacted:openai-key]");
  // Long and random-looking without any digit still counts.
  EXPECT_EQ(r.Apply("sk-abcdefghijklmnopqrstuvwxyzABCD"), "[redacted:openai-key]");
}

TEST(Redactor, OrdinaryWordsThatLookLikeKeyPrefixesStay) {
  Redactor r = WithEnv();
  for (const char* text :
       {"import sklearn  # pip install scikit-learn, not sk-learn",
        "desk-top and risk-free-investment-2024", "task-1234567890123456789012345", "sk-short1",
        "sk-this-is-a-long-hyphenated-phrase-here", "Bearer of bad news", "bearer authentication.",
        "the token bearer", "mailto:user@example.com", "ssh://git@example.com/repo.git",
        "http://example.com:8080/path?a=b@c", "http://user@host/", "a ratio: 3:1 @ 5",
        "Authorization: ok", "[redacted:X] stays as it is"}) {
    std::string copy = text;
    EXPECT_FALSE(r.Apply(&copy)) << text;
    EXPECT_EQ(copy, text);
  }
}

TEST(Redactor, BearerTokens) {
  Redactor r;
  EXPECT_EQ(r.Apply("Authorization: Bearer fake.jwt-tok_en~12+/=\r\n"),
            "Authorization: Bearer [redacted:bearer]\r\n");
  EXPECT_EQ(r.Apply("{\"authorization\": \"Bearer abc\"}"),
            "{\"authorization\": \"Bearer [redacted:bearer]\"}");
  EXPECT_EQ(r.Apply("sent bearer  faketoken123."), "sent bearer  [redacted:bearer].");
  EXPECT_EQ(r.Apply("BEARER abcdefghijklmnopqrstuvwxyz"), "BEARER [redacted:bearer]");
  EXPECT_EQ(r.Apply("Authorization: Basic ZmFrZTpmYWtl"),
            "Authorization: Basic [redacted:authorization]");
}

TEST(Redactor, UrlCredentials) {
  Redactor r;
  EXPECT_EQ(r.Apply("fetch https://fakeuser:fakepass@example.com/x failed"),
            "fetch https://[redacted]@example.com/x failed");
  EXPECT_EQ(r.Apply("redis://:fakepass@127.0.0.1:6379/0"), "redis://[redacted]@127.0.0.1:6379/0");
  EXPECT_EQ(r.Apply("postgresql+psycopg://u:p@ss:w0rd@db:5432"),
            "postgresql+psycopg://[redacted]@db:5432");
  EXPECT_EQ(r.Apply("(git+ssh://a:b@h)"), "(git+ssh://[redacted]@h)");
}

TEST(Redactor, InPlaceReportsWhetherAnythingChangedAndIsIdempotent) {
  Redactor r = WithEnv();
  std::string text =
      std::string("k=") + kFakeOpenAi + " p=" + kFakePassword + " u=http://a:bcdef@h";
  ASSERT_TRUE(r.Apply(&text));
  EXPECT_EQ(text, "k=[redacted:openai-key] p=[redacted:TEST_DB_PASSWORD] u=http://[redacted]@h");
  EXPECT_TRUE(ContainsRedactionMarker(text));
  std::string again = text;
  EXPECT_FALSE(r.Apply(&again));
  EXPECT_EQ(again, text);
  std::string plain = "nothing to see";
  EXPECT_FALSE(r.Apply(&plain));
  EXPECT_FALSE(ContainsRedactionMarker(plain));
}

TEST(Redactor, AnEnvironmentValueThatIsAlsoAKeyIsNamedAndOverlapsLeaveNothing) {
  Redactor r = Redactor::FromEnvironment({std::string("OPENAI_API_KEY=") + kFakeOpenAi});
  EXPECT_EQ(r.Apply(std::string("Bearer ") + kFakeOpenAi), "Bearer [redacted:OPENAI_API_KEY]");
  // A value that starts inside a key: the two merge, no byte of either survives.
  Redactor tail = Redactor::FromEnvironment({"T_SECRET=0123456789abcdef.tail.FAKE"});
  std::string out = tail.Apply(std::string(kFakeOpenAi) + ".tail.FAKE end");
  EXPECT_EQ(out, "[redacted:openai-key] end");
}

TEST(Redactor, ProcessRedactorSeesTheToolsEnvironment) {
  // Only shapes can be asserted without knowing this process's environment; it is built once.
  const Redactor& a = ProcessRedactor();
  EXPECT_EQ(&a, &ProcessRedactor());
  EXPECT_EQ(a.Apply(std::string("x ") + kFakeOpenAi), "x [redacted:openai-key]");
}

TEST(Redactor, MegabytesInOneLinearPass) {
  Redactor r = WithEnv();
  // 8 MiB of output-like lines with a secret every 64 KiB, plus adversarial runs of prefixes.
  std::string line =
      "epoch 12: loss=0.0421 acc=0.981 url=https://example.com/a?b=c sk-short bearer x\n";
  std::string big;
  big.reserve(9u << 20);
  size_t planted = 0;
  while (big.size() < (8u << 20)) {
    big += line;
    if (big.size() % (64u << 10) < line.size()) {
      big += std::string("leak ") + kFakeOpenAi + " " + kFakePassword + "\n";
      ++planted;
    }
  }
  for (int k = 0; k < 20000; ++k) big += "a://b:c";
  for (int k = 0; k < 20000; ++k) big += "Bearer Bearer sk-sk-";
  const auto t0 = std::chrono::steady_clock::now();
  std::string out = r.Apply(big);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(out.find(kFakeOpenAi), std::string::npos);
  EXPECT_EQ(out.find(kFakePassword), std::string::npos);
  size_t markers = 0;
  for (size_t p = out.find("[redacted:TEST_DB_PASSWORD]"); p != std::string::npos;
       p = out.find("[redacted:TEST_DB_PASSWORD]", p + 1)) {
    ++markers;
  }
  EXPECT_EQ(markers, planted);
  EXPECT_GT(planted, 100u);
  EXPECT_LT(s, 2.0) << "redacting " << big.size() << " bytes took " << s << " s";
}

}  // namespace
}  // namespace autopilot::exec
