#include "autopilot/importer/langfuse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/taxonomy/category.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot::importer {
namespace {

const std::string kFixture = std::string(AUTOPILOT_TEST_DATA) + "/langfuse/small_export.json";

class LangfuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-import-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    auto c = taxonomy::Classifier::FromFile(taxonomy::DefaultRulesPath());
    ASSERT_TRUE(c.ok()) << c.error().message;
    classifier_ = std::make_unique<taxonomy::Classifier>(std::move(*c));
    options_.classifier = classifier_.get();
    auto s = store::RunStore::Open(dir_ + "/runs.db");
    ASSERT_TRUE(s.ok());
    store_ = std::make_unique<store::RunStore>(std::move(*s));
  }
  void TearDown() override { util::RemoveTree(dir_); }

  int64_t Int(const std::string& sql) {
    auto n = store_->db().QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql;
    return n.ok() ? *n : -1;
  }
  std::string Text(const std::string& sql) {
    auto t = store_->db().QueryText(sql);
    EXPECT_TRUE(t.ok()) << sql;
    return t.ok() ? *t : "";
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
  std::unique_ptr<taxonomy::Classifier> classifier_;
  std::unique_ptr<store::RunStore> store_;
  LangfuseOptions options_;
};

std::string Key(const std::string& id) { return "'" + LangfuseRunKey(id) + "'"; }

TEST_F(LangfuseTest, ReconstructsRunsAttemptsAndCalls) {
  auto s = ImportLangfuseFile(kFixture, *store_, options_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->traces, 4u);
  EXPECT_EQ(s->imported, 4u);
  EXPECT_EQ(s->attempts, 5u);
  EXPECT_EQ(s->llm_calls, 7u);
  EXPECT_EQ(s->tokens, 3150 + 2850 + 7200);
  EXPECT_NEAR(s->cost_usd, 0.012, 1e-12);
  EXPECT_EQ(s->runs_by_status.at("passed"), 2u);
  EXPECT_EQ(s->runs_by_status.at("failed"), 1u);
  EXPECT_EQ(s->runs_by_status.at("error"), 1u);

  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs WHERE sweep = 'import:langfuse'"), 4);
  // The qwen SG run: spec filling and code attempt 1 form attempt 1, which failed to build.
  EXPECT_EQ(Text("SELECT stage || ' ' || model || ' ' || format || ' ' || preset || ' ' || repetition || ' ' || status"
                 " FROM runs WHERE run_key = " + Key("a1b2c3d4")),
            "sg ollama:qwen2.5-coder:32b original deterministic 1 passed");
  EXPECT_EQ(Text("SELECT started_at FROM runs WHERE run_key = " + Key("a1b2c3d4")), "2026-02-02T10:00:00.000Z");
  EXPECT_EQ(Text("SELECT finished_at FROM runs WHERE run_key = " + Key("a1b2c3d4")), "2026-02-02T10:00:36.000Z");
  EXPECT_EQ(Text("SELECT group_concat(number || ':' || status || ':' || COALESCE(code,'-') || ':' || wall_ms, ' ')"
                 " FROM (SELECT a.* FROM attempts a JOIN runs r ON a.run_id = r.id WHERE r.run_key = " +
                 Key("a1b2c3d4") + " ORDER BY number)"),
            "1:failed:build.undeclared:7000 2:passed:-:6000");
  EXPECT_EQ(Int("SELECT code_numeric FROM attempts a JOIN runs r ON a.run_id = r.id WHERE r.run_key = " +
                Key("a1b2c3d4") + " AND number = 1"),
            taxonomy::CodeOf(taxonomy::Category::kBuildUndeclared));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM llm_calls l JOIN attempts a ON l.attempt_id = a.id JOIN runs r ON"
                " a.run_id = r.id WHERE r.run_key = " + Key("a1b2c3d4") + " AND a.number = 1"),
            2);
  EXPECT_EQ(Int("SELECT SUM(input_tokens + output_tokens) FROM llm_calls l JOIN attempts a ON l.attempt_id = a.id"
                " JOIN runs r ON a.run_id = r.id WHERE r.run_key = " + Key("a1b2c3d4")),
            3150);
  EXPECT_EQ(Text("SELECT provider || ' ' || model || ' ' || total_ms FROM llm_calls WHERE text LIKE '%InitializeTarget%'"),
            "ollama qwen2.5-coder:32b 5000");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM artifacts a JOIN runs r ON a.run_id = r.id WHERE r.run_key = " +
                Key("a1b2c3d4") + " AND a.kind = 'sketch'"),
            1);

  // The MC run failed twice: the missing module fed back in the retry, then the final dtype error.
  EXPECT_EQ(Text("SELECT status || ' ' || repetition || ' ' || preset FROM runs WHERE run_key = " + Key("e5f6a7b8")),
            "failed 2 default");
  EXPECT_EQ(Text("SELECT group_concat(status || ':' || code, ' ') FROM (SELECT a.* FROM attempts a JOIN runs r"
                 " ON a.run_id = r.id WHERE r.run_key = " + Key("e5f6a7b8") + " ORDER BY number)"),
            // The missing module is the machine's (env), the dtype error the model's.
            "failed:env.toolchain_missing failed:ml.dtype_mismatch");
  EXPECT_EQ(Text("SELECT code FROM runs WHERE run_key = " + Key("e5f6a7b8")), "ml.dtype_mismatch");
  EXPECT_FALSE(Text("SELECT rule FROM attempts a JOIN runs r ON a.run_id = r.id WHERE r.run_key = " +
                    Key("e5f6a7b8") + " AND number = 2")
                   .empty());

  // gpt-5 spells success with a capital S; its tokens come from the usage object and its cost
  // from the generations.
  EXPECT_EQ(Text("SELECT model || ' ' || status FROM runs WHERE run_key = " + Key("c9d0e1f2")), "openai:gpt-5 passed");
  EXPECT_NEAR(std::stod(Text("SELECT SUM(cost_usd) FROM llm_calls WHERE model = 'gpt-5'")), 0.012, 1e-12);
  EXPECT_EQ(Int("SELECT SUM(input_tokens + output_tokens) FROM llm_calls WHERE model = 'gpt-5'"), 7200);

  // The infrastructure failure: no generation, an error run with a transport code.
  EXPECT_EQ(Text("SELECT stage || ' ' || status || ' ' || repetition FROM runs WHERE run_key = " + Key("0badf00d")),
            "psg error 7");
  EXPECT_EQ(Text("SELECT code FROM runs WHERE run_key = " + Key("0badf00d")).rfind("transport.", 0), 0u);
  EXPECT_TRUE(store_->CheckIntegrity().ok());
}

TEST_F(LangfuseTest, ImportingTwiceAddsNothing) {
  ASSERT_TRUE(ImportLangfuseFile(kFixture, *store_, options_).ok());
  auto before = store_->Info();
  auto again = ImportLangfuseFile(kFixture, *store_, options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->imported, 0u);
  EXPECT_EQ(again->already, 4u);
  auto after = store_->Info();
  EXPECT_EQ(before->rows, after->rows);
}

TEST_F(LangfuseTest, RepeatedTraceIdsInOneFileAreKeptOnce) {
  auto doc = nlohmann::json::parse(*util::ReadFile(kFixture));
  doc["data"].push_back(doc["data"][0]);
  auto s = ImportLangfuse(doc, "doubled.json", *store_, options_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->duplicates, 1u);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), 4);
}

TEST_F(LangfuseTest, MalformedInputNamesFileAndJsonPathAndWritesNothing) {
  auto doc = nlohmann::json::parse(*util::ReadFile(kFixture));
  doc["data"][2]["observations"][1]["promptTokens"] = "1500";
  std::string path = Write("bad.json", doc.dump());
  auto s = ImportLangfuseFile(path, *store_, options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "import.malformed");
  EXPECT_EQ(s.error().message, path + ": $.data[2].observations[1].promptTokens: expected a number, got string");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), 0);  // the valid traces before it were not written either

  for (const auto& [text, expect] : std::vector<std::pair<std::string, std::string>>{
           {R"([1])", "$[0]: expected a trace object, got number"},
           {R"({"meta": {}})", "$: expected {\"data\": [trace, …]}"},
           {R"({"data": {}})", "$.data: expected an array of traces, got object"},
           {R"({"data": [{"name": "x"}]})", "$.data[0].id: a trace needs a non-empty id"},
           {R"({"data": [{"id": "x", "observations": [{"name": "g"}]}]})", "$.data[0].observations[0].type:"},
           {R"({"data": [{"id": "x", "tags": ["a", 3]}]})", "$.data[0].tags[1]: expected a string, got number"},
           {R"({"data": [{"id": "x", "metadata": {"num_run": "one"}}]})", "$.data[0].metadata.num_run: expected an integer"},
       }) {
    auto r = ImportLangfuseFile(Write("m.json", text), *store_, options_);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(dir_ + "/m.json: " + expect), std::string::npos) << r.error().message;
  }
  auto syntax = ImportLangfuseFile(Write("s.json", "{\"data\": [\n  {\"id\": \"x\",,}\n]}"), *store_, options_);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message.find(dir_ + "/s.json:2:"), std::string::npos) << syntax.error().message;
  EXPECT_NE(syntax.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), 0);
}

using test::CliRun;

CliRun Cli(const std::vector<std::string>& args) { return test::RunCli(args); }

TEST_F(LangfuseTest, CommandLine) {
  std::string db = dir_ + "/cli.db";
  auto first = Cli({"import", "langfuse", kFixture, "--store", db, "--json"});
  ASSERT_EQ(first.code, 0) << first.err << first.out;
  auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["imported"], 4);
  EXPECT_EQ(j["attempts"], 5);
  EXPECT_EQ(j["tokens"], 13200);
  EXPECT_EQ(j["runs_by_status"]["passed"], 2);
  auto second = Cli({"--json", "import", "langfuse", kFixture, "--store", db});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["already_imported"], 4);
  auto text = Cli({"import", "langfuse", kFixture, "--store", db});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("4 traces, 0 runs imported, 4 already in the store"), std::string::npos) << text.out;
  auto bad = Cli({"import", "langfuse", Write("b.json", "{\"data\": 3}"), "--store", db});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("b.json: $.data: expected an array of traces"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace autopilot::importer
