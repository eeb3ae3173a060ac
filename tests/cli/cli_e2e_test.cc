// End-to-end: the real binary, its flags, JSON contracts and exit codes.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot {
namespace {

using nlohmann::json;

using test::CliRun;

CliRun Cli(std::vector<std::string> args, std::vector<std::string> env = {}, double timeout = 60) {
  return test::RunCli(args, {std::move(env), "", timeout});
}

json ParseJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

TEST(Cli, VersionAndHelp) {
  auto v = Cli({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("autopilot 0."), std::string::npos) << v.out;
  auto h = Cli({"--help"});
  EXPECT_EQ(h.code, 0);
  for (const char* cmd : {"doctor", "sandbox", "config", "store", "--json", "Exit codes"}) {
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST(Cli, UsageErrorsExitWith2) {
  EXPECT_EQ(Cli({}).code, 2);
  EXPECT_EQ(Cli({"frobnicate"}).code, 2);
  EXPECT_EQ(Cli({"sandbox", "run", "--timeout", "-3", "--", "true"}).code, 2);
  auto none = Cli({"sandbox", "run"});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no command"), std::string::npos) << none.err;
}

TEST(Cli, SandboxRunJsonHasTheContractFields) {
  auto r = Cli({"--json", "sandbox", "run", "--", "sh", "-c", "echo hi; echo oops >&2; exit 3"});
  EXPECT_EQ(r.code, 1);
  json j = ParseJson(r.out);
  for (const char* f : {"exit_code", "signal", "timed_out", "wall_ms", "cpu_ms", "max_rss_kb",
                        "stdout", "stderr", "stdout_truncated", "stderr_truncated",
                        "network_isolated"}) {
    EXPECT_TRUE(j.contains(f)) << f;
  }
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_EQ(j["stdout"], "hi\n");
  EXPECT_EQ(j["stderr"], "oops\n");
  EXPECT_EQ(j["timed_out"], false);
}

TEST(Cli, SandboxRunJsonFlagMayFollowTheSubcommand) {
  auto r = Cli({"sandbox", "run", "--json", "--", "true"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(ParseJson(r.out)["exit_code"], 0);
}

TEST(Cli, SandboxRunTimeoutAndCap) {
  auto r = Cli({"--json", "sandbox", "run", "--timeout", "0.5", "--grace", "0.2", "--", "sleep", "30"});
  EXPECT_EQ(r.code, 1);
  json j = ParseJson(r.out);
  EXPECT_EQ(j["timed_out"], true);
  EXPECT_LT(j["wall_ms"].get<int>(), 3000);
  auto c = Cli({"--json", "sandbox", "run", "--max-output", "1", "--", "head", "-c", "100000", "/dev/zero"});
  json k = ParseJson(c.out);
  EXPECT_EQ(k["stdout_truncated"], true);
  EXPECT_EQ(k["stdout"].get<std::string>().size(), 1024u);
}

TEST(Cli, SandboxRunTextModePassesOutputThroughAndSummarises) {
  auto r = Cli({"sandbox", "run", "--", "sh", "-c", "echo visible"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "visible\n");
  EXPECT_NE(r.err.find("sandbox: exit 0"), std::string::npos) << r.err;
}

TEST(Cli, SandboxRunHidesSecretsAndHonoursAllowNetwork) {
  auto r = Cli({"--json", "sandbox", "run", "--", "env"}, {"OPENAI_API_KEY=sk-cli-secret"});
  json j = ParseJson(r.out);
  EXPECT_EQ(j["stdout"].get<std::string>().find("sk-cli-secret"), std::string::npos);
  auto open = Cli({"--json", "sandbox", "run", "--allow-network", "--", "true"});
  EXPECT_EQ(ParseJson(open.out)["network_isolated"], false);
}

TEST(Cli, SandboxCheckPasses) {
  auto r = Cli({"--json", "sandbox", "check"});
  json j = ParseJson(r.out);
  EXPECT_EQ(j["ok"], true) << r.out;
  EXPECT_EQ(r.code, 0);
}

TEST(Cli, ConfigCheckReportsFileLineColumnAndExits2) {
  auto dir = util::MakeTempDir("ap-cli-");
  ASSERT_TRUE(dir.ok());
  std::string bad = *dir + "/autopilot.yaml";
  std::ofstream(bad) << "version: 1\nsandbox:\n  timeout_s: 10\n  memroy_mb: 5\n";
  auto r = Cli({"config", "check", bad});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(bad + ":4:3: 'sandbox.memroy_mb': unknown setting (did you mean 'memory_mb'?)"),
            std::string::npos)
      << r.err;
  auto j = Cli({"--json", "config", "check", bad});
  EXPECT_EQ(j.code, 2);
  EXPECT_EQ(ParseJson(j.out)["error"]["code"], "config");

  std::string good = *dir + "/good.yaml";
  std::ofstream(good) << "version: 1\nllm:\n  model: ollama:phi4\n";
  auto ok = Cli({"--json", "--config", good, "config", "check"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ParseJson(ok.out)["llm"]["model"], "ollama:phi4");
  EXPECT_EQ(Cli({"config", "check", *dir + "/missing.yaml"}).code, 2);
  util::RemoveTree(*dir);
}

TEST(Cli, ShippedExampleConfigIsValid) {
  auto r = Cli({"--json", "config", "check", std::string(AUTOPILOT_SOURCE_DIR) + "/examples/autopilot.yaml"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ParseJson(r.out)["sandbox"]["allow_network"], false);
}

TEST(Cli, StoreInfoAndCheck) {
  auto dir = util::MakeTempDir("ap-cli-");
  ASSERT_TRUE(dir.ok());
  std::string db = *dir + "/runs.db";
  auto r = Cli({"--json", "store", "info", "--store", db});
  EXPECT_EQ(r.code, 0) << r.err;
  json j = ParseJson(r.out);
  EXPECT_EQ(j["journal_mode"], "wal");
  EXPECT_GE(j["schema_version"].get<int>(), 1);
  EXPECT_EQ(j["rows"]["runs"], 0);
  EXPECT_EQ(Cli({"store", "check", "--store", db}).code, 0);
  auto env = Cli({"--json", "store", "info"}, {"AUTOPILOT_STORE=" + *dir + "/env.db"});
  EXPECT_EQ(ParseJson(env.out)["path"], *dir + "/env.db");
  util::RemoveTree(*dir);
}

TEST(Cli, RunsListAndShowAttemptByAttempt) {
  auto dir = util::MakeTempDir("ap-cli-");
  ASSERT_TRUE(dir.ok());
  std::string db = *dir + "/runs.db";
  int64_t run_id = 0;
  {
    auto s = store::RunStore::Open(db);
    ASSERT_TRUE(s.ok());
    auto run = s->BeginRun(store::RunKey{"demo", "sg", "replay:x", "markdown", "default", 0});
    run_id = run->id;
    for (int n = 1; n <= 2; ++n) {
      auto a = s->BeginAttempt(run->id, "sg", n);
      store::LlmCallRecord c;
      c.attempt_id = *a;
      c.provider = "replay";
      c.model = "x";
      c.request_json = "{}";
      c.input_tokens = 10 * n;
      c.output_tokens = 5;
      ASSERT_TRUE(s->RecordLlmCall(c).ok());
      store::ValidationRecord v;
      v.attempt_id = *a;
      v.layer = n == 1 ? "build" : "semantic";
      v.passed = n == 2;
      v.code = n == 1 ? "build.undeclared" : "";
      v.message = n == 1 ? "'g_model' was not declared in this scope" : "";
      v.line = 12;
      ASSERT_TRUE(s->RecordValidation(v).ok());
      ASSERT_TRUE(s->FinishAttempt(*a, n == 2 ? "passed" : "failed", n == 1 ? "build.undeclared" : "").ok());
    }
    ASSERT_TRUE(s->FinishRun(run->id, "passed").ok());
  }
  auto list = Cli({"--json", "runs", "list", "--store", db});
  EXPECT_EQ(list.code, 0) << list.err;
  json l = ParseJson(list.out);
  ASSERT_EQ(l["runs"].size(), 1u);
  EXPECT_EQ(l["runs"][0]["attempts"], 2);
  EXPECT_EQ(l["runs"][0]["status"], "passed");
  auto show = Cli({"--json", "runs", "show", std::to_string(run_id), "--store", db});
  EXPECT_EQ(show.code, 0) << show.err;
  json j = ParseJson(show.out);
  ASSERT_EQ(j["attempts"].size(), 2u);
  EXPECT_EQ(j["attempts"][0]["code"], "build.undeclared");
  EXPECT_EQ(j["attempts"][0]["input_tokens"], 10);
  EXPECT_EQ(j["attempts"][0]["validations"][0]["message"], "'g_model' was not declared in this scope");
  EXPECT_EQ(j["attempts"][1]["status"], "passed");
  auto text = Cli({"runs", "show", std::to_string(run_id), "--store", db});
  EXPECT_NE(text.out.find("sg attempt 1: failed build.undeclared"), std::string::npos) << text.out;
  EXPECT_EQ(Cli({"runs", "show", "999", "--store", db}).code, 2);
  util::RemoveTree(*dir);
}

TEST(Cli, DoctorJsonListsEveryCheckAndNeverTheKey) {
  auto r = Cli({"--json", "doctor"}, {"OPENAI_API_KEY=sk-doctor-e2e-secret", "OLLAMA_HOST=http://127.0.0.1:9"});
  EXPECT_TRUE(r.code == 0 || r.code == 1);
  EXPECT_EQ(r.out.find("sk-doctor-e2e-secret"), std::string::npos);
  json j = ParseJson(r.out);
  std::vector<std::string> names;
  for (const auto& c : j["checks"]) {
    names.push_back(c["name"]);
    for (const char* f : {"found", "version", "needed_by", "required"}) EXPECT_TRUE(c.contains(f));
  }
  for (const char* want : {"C++ compiler", "python3", "python3: numpy", "python3: pandas",
                           "python3: sklearn", "python3: flatbuffers", "python3: tensorflow",
                           "node", "npm: @litertjs/core", "arm-none-eabi-g++", "qemu-system-arm",
                           "libclang", "arduino-cli", "ollama", "OPENAI_API_KEY"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
  for (const auto& c : j["checks"]) {
    if (c["name"] == "OPENAI_API_KEY") {
      EXPECT_EQ(c["found"], true);
    }
    if (c["name"] == "ollama") {
      EXPECT_EQ(c["found"], false);
    }
  }
  EXPECT_EQ(j["ok"], r.code == 0);
}

}  // namespace
}  // namespace autopilot
