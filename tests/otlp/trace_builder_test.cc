#include "autopilot/otlp/trace_builder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "autopilot/store/run_store.h"
#include "viewer_store.h"

namespace autopilot::otlp {
namespace {

using nlohmann::json;

/// The attribute `key` of span `s` as its OTLP value object (null when absent).
json Attr(const json& s, const std::string& key) {
  for (const auto& a : s["attributes"]) {
    if (a["key"] == key) return a["value"];
  }
  return nullptr;
}

class TraceBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("otlp-trace-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
    ASSERT_EQ(serve::testing::WriteViewerStore(path_), "");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TraceBatch Build(int64_t run, const TraceOptions& o = {}, const exec::Redactor& r = exec::Redactor()) {
    auto db = store::Database::OpenReadOnly(path_);
    EXPECT_TRUE(db);
    TraceBatch b;
    auto ok = AppendRunSpans(*db, run, o, r, &b);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    return b;
  }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TraceBuilderTest, OneTraceWithRunStageAttemptLlmAndValidationSpansLinkedToTheirParents) {
  TraceBatch b = Build(1);
  // run + stage + 2 attempts + 2 LLM calls + (3 + 5) validations
  ASSERT_EQ(b.spans.size(), 14u);
  std::map<std::string, json> by_id;
  for (const auto& s : b.spans) by_id[s["spanId"]] = s;
  const json& root = b.spans[0];
  EXPECT_EQ(root["name"], "run sg");
  EXPECT_FALSE(root.contains("parentSpanId"));
  for (const auto& s : b.spans) {
    EXPECT_EQ(s["traceId"], root["traceId"]);
    EXPECT_EQ(s["traceId"].get<std::string>().size(), 32u);
    EXPECT_EQ(s["spanId"].get<std::string>().size(), 16u);
    if (s["spanId"] == root["spanId"]) continue;
    ASSERT_TRUE(by_id.count(s["parentSpanId"])) << s["name"];
    const std::string parent = by_id[s["parentSpanId"]]["name"];
    const std::string name = s["name"];
    if (name == "stage sg") {
      EXPECT_EQ(parent, "run sg");
    }
    if (name.rfind("attempt", 0) == 0) {
      EXPECT_EQ(parent, "stage sg");
    }
    if (name.rfind("chat", 0) == 0 || name.rfind("validate", 0) == 0) {
      EXPECT_EQ(parent.rfind("attempt sg #", 0), 0u) << name;
    }
    EXPECT_LE(std::stoll(s["startTimeUnixNano"].get<std::string>()), std::stoll(s["endTimeUnixNano"].get<std::string>()));
  }
  // The LLM call: GenAI name, kind CLIENT, required and usage attributes.
  const json* chat = nullptr;
  for (const auto& s : b.spans) {
    if (s["name"] == "chat m1") {
      chat = &s;
      break;
    }
  }
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ((*chat)["kind"], 3);
  EXPECT_EQ(Attr(*chat, "gen_ai.operation.name")["stringValue"], "chat");
  EXPECT_EQ(Attr(*chat, "gen_ai.provider.name")["stringValue"], "replay");
  EXPECT_EQ(Attr(*chat, "gen_ai.request.model")["stringValue"], "m1");
  EXPECT_EQ(Attr(*chat, "gen_ai.usage.input_tokens")["intValue"], "120");
  EXPECT_EQ(Attr(*chat, "gen_ai.usage.output_tokens")["intValue"], "80");
  EXPECT_EQ(Attr(*chat, "gen_ai.response.finish_reasons")["arrayValue"]["values"][0]["stringValue"], "stop");
  EXPECT_TRUE(Attr(*chat, "gen_ai.input.messages").is_null()) << "content only when asked";
  // The failed attempt and its failed layer carry the taxonomy id and an error status.
  bool saw_build = false;
  for (const auto& s : b.spans) {
    if (s["name"] == "validate build" && Attr(s, "autopilot.validation.passed")["boolValue"] == false) {
      saw_build = true;
      EXPECT_EQ(Attr(s, "autopilot.taxonomy.id")["stringValue"], "build.undeclared");
      EXPECT_EQ(Attr(s, "code.lineno")["intValue"], "2");
      EXPECT_EQ(s["status"]["code"], 2);
    }
    if (s["name"] == "attempt sg #1") {
      EXPECT_EQ(Attr(s, "autopilot.taxonomy.id")["stringValue"], "build.undeclared");
    }
  }
  EXPECT_TRUE(saw_build);
}

TEST_F(TraceBuilderTest, IdsAreStableAcrossExportsAndDistinctAcrossRuns) {
  TraceBatch a = Build(1), b = Build(1), c = Build(2);
  EXPECT_EQ(a.spans, b.spans);
  EXPECT_NE(a.spans[0]["traceId"], c.spans[0]["traceId"]);
}

TEST_F(TraceBuilderTest, ContentIsOptInAsGenAiMessages) {
  TraceOptions o;
  o.include_content = true;
  TraceBatch b = Build(1, o);
  for (const auto& s : b.spans) {
    if (s["name"] != "chat m1") continue;
    json in = json::parse(Attr(s, "gen_ai.input.messages")["stringValue"].get<std::string>());
    EXPECT_EQ(in[0]["role"], "system");
    EXPECT_EQ(in[1]["parts"][0]["content"], "Write the sketch <b>now</b>.");
    json out = json::parse(Attr(s, "gen_ai.output.messages")["stringValue"].get<std::string>());
    EXPECT_EQ(out[0]["role"], "assistant");
    return;
  }
  FAIL() << "no chat span";
}

TEST_F(TraceBuilderTest, SecretsTheRedactorKnowsNeverReachTheSpans) {
  // A diagnostic that quotes a key the exporting process holds (written past the store's own
  // redaction, as an older or foreign store might hold it).
  const std::string secret = "sk-live-0123456789abcdefSECRET";
  {
    auto db = store::Database::Open(path_, false);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->Exec("UPDATE validations SET message = 'key " + secret + " rejected' WHERE code = 'build.undeclared'"));
  }
  auto redactor = exec::Redactor::FromEnvironment({"VENDOR_API_KEY=" + secret});
  TraceOptions o;
  o.include_content = true;
  std::string wire = ExportRequest(Build(1, o, redactor).spans, o).dump();
  EXPECT_EQ(wire.find(secret), std::string::npos);
  EXPECT_NE(wire.find("[redacted"), std::string::npos);
}

TEST(TraceTimes, ParsesTheStoreTimestamps) {
  EXPECT_EQ(UnixNanos("1970-01-01T00:00:01.250Z"), 1250000000);
  EXPECT_EQ(UnixNanos("2026-12-03T12:45:06.123Z") % 1000000000, 123000000);
  EXPECT_EQ(UnixNanos("garbage"), 0);
}

TEST(TraceRequest, TheSerialisedBodyIsTheRequestWithItsSpans) {
  json spans = json::array({{{"name", "a"}}, {{"name", "b\xff"}}});
  json parsed = json::parse(ExportBody(spans, {}));
  json expected = ExportRequest(json::array({{{"name", "a"}}, {{"name", "b\xEF\xBF\xBD"}}}), {});
  EXPECT_EQ(parsed, expected);
}

TEST(TraceRequest, HasOneResourceWithTheServiceName) {
  json req = ExportRequest(json::array(), {});
  EXPECT_EQ(req["resourceSpans"][0]["resource"]["attributes"][0]["key"], "service.name");
  EXPECT_EQ(req["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"], "autopilot");
}

}  // namespace
}  // namespace autopilot::otlp
