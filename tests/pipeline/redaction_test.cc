// Redaction end to end: a DP script from a (mock) OpenAI provider writes secrets into a file in its
// workdir, reads them back, prints them and fails. Neither the tool's own key, another secret-named
// variable's value nor an sk- shaped key may reach the run store or the next request to the
// provider, and the repair request says that values were redacted. Also the loop itself: repair
// facts pass the redactor and flag markers that came from upstream.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../llm/dialects.h"
#include "../llm/mock_server.h"
#include "autopilot/exec/redact.h"
#include "autopilot/pipeline/attempt_loop.h"
#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/pipeline/pipeline.h"
#include "autopilot/util/files.h"

namespace autopilot::pipeline {
namespace {

// Fake values, made up for this test; the two environment values are set before main() so that
// exec::ProcessRedactor(), built once on first use, sees them whichever test of this binary runs
// first.
constexpr const char* kToolKey = "sk-test-FAKE-redaction-e2e-00000000000000000000";
constexpr const char* kPassword = "fake-passphrase-for-redaction-e2e";
constexpr const char* kOtherKey = "sk-proj-FAKEe2eKEY0123456789abcdefghijklmn";

const bool kEnvironmentSet = [] {
  ::setenv("OPENAI_API_KEY", kToolKey, 1);
  ::setenv("REDACTION_E2E_PASSWORD", kPassword, 1);
  return true;
}();

std::string Reversed(std::string s) {
  return std::string(s.rbegin(), s.rend());
}

/// The leaking script: the environment values appear only reversed in the code, so what reaches
/// the store and the prompt must come from the program's output; the third key is in the code.
std::string LeakingReply() {
  return "```python\n"
         "secret = \"" +
         Reversed(kToolKey) +
         "\"[::-1]\n"
         "password = \"" +
         Reversed(kPassword) +
         "\"[::-1]\n"
         "other = \"" +
         kOtherKey +
         "\"\n"
         "with open('leak.txt', 'w') as f:\n"
         "    f.write(secret + '\\n' + password + '\\n' + other + '\\n')\n"
         "with open('leak.txt') as f:\n"
         "    found = f.read().split()\n"
         "print('found', found)\n"
         "raise RuntimeError('cannot connect with ' + ' '.join(found))\n"
         "```\n";
}

/// Where `needle` occurs in any column of any table of the store (as "table.column").
std::vector<std::string> FindInStore(store::RunStore* st, const std::string& needle) {
  std::vector<std::string> tables, hits;
  auto list = st->db().Prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
  while (list && *list->Step()) tables.push_back(list->ColumnText(0));
  EXPECT_GE(tables.size(), 5u);
  for (const auto& t : tables) {
    std::vector<std::string> columns;
    auto info = st->db().Prepare("SELECT name FROM pragma_table_info(?)");
    info->Bind(1, t);
    while (*info->Step()) columns.push_back(info->ColumnText(0));
    for (const auto& c : columns) {
      auto q = st->db().Prepare("SELECT COUNT(*) FROM \"" + t + "\" WHERE instr(CAST(\"" + c +
                                "\" AS BLOB), CAST(? AS BLOB)) > 0");
      EXPECT_TRUE(q) << t << "." << c;
      q->Bind(1, needle);
      if (*q->Step() && q->ColumnInt(0) > 0) hits.push_back(t + "." + c);
    }
  }
  return hits;
}

TEST(Redaction, SecretsPrintedByASandboxedScriptReachNeitherTheStoreNorTheNextRequest) {
  ASSERT_TRUE(kEnvironmentSet);
  ASSERT_GE(exec::ProcessRedactor().value_count(), 2u);
  std::atomic<int> calls{0};
  llm::testing::MockServer server([&](const llm::testing::MockRequest&) {
    std::string reply = calls++ == 0 ? LeakingReply() : "I cannot fix this without the key.";
    return llm::testing::FullResponse(200, "application/json",
                                      llm::testing::OpenAiCompletion(reply));
  });
  auto dir = util::MakeTempDir("autopilot-redaction-test-");
  ASSERT_TRUE(dir);
  auto cfg = config::LoadProjectConfig(std::string(AUTOPILOT_SOURCE_DIR) +
                                       "/examples/fruit/autopilot.yaml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  cfg->work_dir = *dir + "/work";
  cfg->budgets.attempts_dp = 2;
  auto st = store::RunStore::Open(*dir + "/runs.db");
  ASSERT_TRUE(st) << st.error().message;

  BackendSetup setup;
  std::vector<std::string> warnings;
  setup.warn = [&](const std::string& m) { warnings.push_back(m); };
  auto backend = OpenBackend("openai:gpt-4o-mini@" + server.url(), setup);
  ASSERT_TRUE(backend) << backend.error().message;
  PipelineOptions o;
  o.store = &*st;
  o.key = {"test", "redaction", "openai:gpt-4o-mini", "markdown", "deterministic", 0};
  o.out_dir = *dir + "/out";
  o.stages = {"dp"};
  auto r = RunPipeline(*cfg, backend->get(), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->passed);

  // The script really ran and failed on its own exception (so its output was there to leak).
  auto code = st->db().QueryText(
      "SELECT COALESCE(code,'') FROM attempts WHERE stage = 'dp' AND number = 1");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->rfind("runtime.", 0), 0u) << *code;
  auto message = st->db().QueryText(
      "SELECT COALESCE(v.message,'') FROM validations v JOIN attempts a ON a.id = v.attempt_id"
      " WHERE a.number = 1 AND v.layer = 'run'");
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("RuntimeError: cannot connect with [redacted:"), std::string::npos)
      << *message;
  EXPECT_NE(message->find("[redacted:REDACTION_E2E_PASSWORD]"), std::string::npos) << *message;

  // Nothing secret anywhere in the store.
  for (const char* secret : {kToolKey, kPassword, kOtherKey}) {
    EXPECT_EQ(FindInStore(&*st, secret), std::vector<std::string>{}) << secret;
  }

  // The repair request went out without them and says why its text holds markers.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string& repair = requests[1].body;
  for (const char* secret : {kToolKey, kPassword, kOtherKey}) {
    EXPECT_EQ(repair.find(secret), std::string::npos) << secret << " in\n" << repair;
  }
  auto body = nlohmann::json::parse(repair);
  std::string user = body["messages"].back()["content"];
  EXPECT_NE(user.find("Values that looked like secrets were replaced by `[redacted:…]` markers"),
            std::string::npos)
      << user;
  EXPECT_NE(user.find("[redacted:OPENAI_API_KEY]"), std::string::npos) << user;
  EXPECT_NE(user.find("[redacted:REDACTION_E2E_PASSWORD]"), std::string::npos) << user;
  EXPECT_NE(user.find("[redacted:openai-key]"), std::string::npos)
      << user;  // kOtherKey in the code
  // The first request had nothing to redact and says nothing about it.
  EXPECT_EQ(requests[0].body.find("[redacted"), std::string::npos);
  // The provider did get the key where it belongs: the Authorization header, not the body.
  EXPECT_EQ(requests[1].headers["authorization"], std::string("Bearer ") + kToolKey);
  util::RemoveTree(*dir);
}

/// Answers from a list, in order; remembers the prompts.
class ListBackend : public llm::LlmBackend {
 public:
  explicit ListBackend(std::vector<std::string> replies) : replies_(std::move(replies)) {}
  std::vector<std::string> prompts;
  Result<llm::PingInfo> Ping() override { return llm::PingInfo{}; }
  std::string Describe() const override { return "list"; }

 protected:
  llm::LlmResult DoComplete(const llm::LlmRequest& request, const llm::StreamObserver&) override {
    prompts.push_back(request.messages.back().content);
    llm::LlmResult r;
    r.provider = "list";
    r.requested_model = "list";
    r.text = next_ < replies_.size() ? replies_[next_++] : "";
    return r;
  }

 private:
  std::vector<std::string> replies_;
  size_t next_ = 0;
};

class RepairRedaction : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lib = prompt::PromptLibrary::Load(std::string(AUTOPILOT_SOURCE_DIR) + "/prompts");
    ASSERT_TRUE(lib.ok());
    lib_ = std::move(*lib);
    spec_.stage = "mc";
    spec_.lang = extract::Lang::kPython;
    spec_.facts = {{"app", {{"name", "fruit"}}},
                   {"model", {{"float_path", "f.tflite"}, {"output_path", "q.tflite"}}},
                   {"data", {{"representative_path", "r.csv"}, {"rows", 10}}},
                   {"features", {{"names", "r,g,b"}}},
                   {"io", {{"input_dtype", "int8"}, {"output_dtype", "int8"}}},
                   {"profile", {{"name", "portable"}, {"instructions", "numpy"}}},
                   {"budget", {{"flash_kb", 1024}}}};
  }
  prompt::PromptLibrary lib_;
  StageSpec spec_;
};

TEST_F(RepairRedaction, DiagnosticsAndPreviousCodePassTheSpecsRedactor) {
  exec::Redactor redactor =
      exec::Redactor::FromEnvironment({"UNIT_FAKE_TOKEN=unit-fake-token-value"});
  spec_.redactor = &redactor;
  spec_.validate = [](const std::string& code) {
    validate::LayerResult run{"run", code.find("GOOD") != std::string::npos, {}, 1};
    if (!run.passed) {
      run.diagnostics.push_back({"run", "runtime.value_error",
                                 "ValueError: bad unit-fake-token-value", "script.py", 2,
                                 "see http://u:fakepass@host/"});
    }
    return std::vector<validate::LayerResult>{run};
  };
  ListBackend llm({"```python\nkey = 'unit-fake-token-value'\n```", "```python\n# GOOD\n```"});
  auto out = RunStage(spec_, lib_, "markdown", &llm, Budget{});
  ASSERT_TRUE(out.passed);
  ASSERT_EQ(llm.prompts.size(), 2u);
  const std::string& repair = llm.prompts[1];
  EXPECT_EQ(repair.find("unit-fake-token-value"), std::string::npos) << repair;
  EXPECT_EQ(repair.find("fakepass"), std::string::npos) << repair;
  EXPECT_NE(repair.find("ValueError: bad [redacted:UNIT_FAKE_TOKEN]"), std::string::npos) << repair;
  EXPECT_NE(repair.find("key = '[redacted:UNIT_FAKE_TOKEN]'"), std::string::npos) << repair;
  EXPECT_NE(repair.find("(see http://[redacted]@host/)"), std::string::npos) << repair;
  EXPECT_NE(repair.find("Values that looked like secrets were replaced"), std::string::npos)
      << repair;
}

TEST_F(RepairRedaction, MarkersFromUpstreamAreAnnouncedAndCleanFailuresAreNot) {
  exec::Redactor shapes_only;
  Attempt a;
  a.number = 1;
  a.code = "print(1)";
  a.primary_code = "runtime.value_error";
  validate::LayerResult upstream{
      "run",
      false,
      {{"run", "runtime.value_error", "ValueError: [redacted:SOME_API_KEY]", "", {}, ""}},
      1};
  auto facts = RepairFacts(a, upstream, shapes_only);
  EXPECT_TRUE(facts["redacted"].get<bool>());
  validate::LayerResult clean{
      "run", false, {{"run", "runtime.value_error", "ValueError: 3", "", {}, ""}}, 1};
  auto plain = RepairFacts(a, clean, shapes_only);
  EXPECT_FALSE(plain["redacted"].get<bool>());
  EXPECT_EQ(plain["diagnostics"][0], "runtime.value_error: ValueError: 3");
  // A reply without code is quoted cut to its limit only after redaction.
  Attempt reply;
  reply.number = 1;
  reply.llm.text = std::string(3990, 'x') + " sk-FAKE0123456789abcdefFAKE0123456789";
  auto cut = RepairFacts(reply, clean, shapes_only);
  std::string quoted = cut["previous_code"];
  EXPECT_EQ(quoted.find("sk-FAKE"), std::string::npos) << quoted.substr(3980);
  EXPECT_TRUE(cut["redacted"].get<bool>());
}

}  // namespace
}  // namespace autopilot::pipeline
