#include "autopilot/sweep/sweep_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "autopilot/util/files.h"

namespace autopilot::sweep {
namespace {

class SweepConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-sweepcfg-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    std::ofstream(dir_ + "/autopilot.yaml") << "version: 1\n";
    std::ofstream(dir_ + "/run.jsonl") << "";
  }
  void TearDown() override { util::RemoveTree(dir_); }
  Result<SweepConfig> Parse(const std::string& text) { return ParseSweepConfig(text, "study.yaml", dir_); }
  std::string dir_;
};

const char* kFull = R"(version: 1
name: study-sg-formats
project: autopilot.yaml
models: [openai:gpt-4o, "ollama:qwen2.5-coder:32b", replay:run.jsonl]
formats: [json, markdown, prose, minimal, outline]
stages: [sg, "sg,dp"]
presets: [deterministic, default]
repetitions: 3
concurrency: {default: 2, ollama: 1}
rate_limit: {openai: 60}
budgets: {max_tokens: 1000, max_cost_usd: 2.5, max_time_s: 600}
store: out/runs.db
replay: {match_tag_on_miss: true}
)";

TEST_F(SweepConfigTest, ReadsEverySettingAndAnchorsPaths) {
  auto c = Parse(kFull);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "study-sg-formats");
  EXPECT_EQ(c->project, dir_ + "/autopilot.yaml");
  ASSERT_EQ(c->models.size(), 3u);
  EXPECT_EQ(c->models[0].provider, "openai");
  EXPECT_EQ(c->models[0].label, "gpt-4o");
  EXPECT_EQ(c->models[1].label, "qwen2.5-coder:32b");
  EXPECT_EQ(c->models[2].spec, "replay:run.jsonl");  // the key stays as written
  EXPECT_EQ(c->models[2].resolved, "replay:" + dir_ + "/run.jsonl");
  EXPECT_EQ(c->formats.size(), 5u);
  EXPECT_EQ(c->stages, (std::vector<std::string>{"sg", "dp,sg"}));  // lifecycle order
  EXPECT_EQ(c->presets.size(), 2u);
  EXPECT_EQ(c->repetitions, 3);
  EXPECT_EQ(c->ConcurrencyFor("ollama"), 1);
  EXPECT_EQ(c->ConcurrencyFor("openai"), 2);
  EXPECT_DOUBLE_EQ(c->rate_limit.at("openai"), 60);
  EXPECT_EQ(c->budgets.max_tokens, 1000);
  EXPECT_DOUBLE_EQ(c->budgets.max_cost_usd, 2.5);
  EXPECT_DOUBLE_EQ(c->budgets.max_time_s, 600);
  EXPECT_EQ(c->store, dir_ + "/out/runs.db");
  EXPECT_TRUE(c->replay_match_tag_on_miss);
}

TEST_F(SweepConfigTest, UnknownKeysAreErrorsWithFileLineAndASuggestion) {
  auto c = Parse("version: 1\nname: s\nproject: autopilot.yaml\nmodels: [openai:gpt-4o]\nformats: [json]\n"
                 "stages: [sg]\nrepetitons: 3\nconcurrency: {ollama: 1, olama: 2}\n");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("study.yaml:7:1: 'repetitons': unknown setting (did you mean 'repetitions'?)"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:8:26: 'concurrency.olama': unknown setting"), std::string::npos) << m;
}

TEST_F(SweepConfigTest, BadValuesAreAllReportedAtTheirLines) {
  auto c = Parse("version: 1\nname: s\nproject: missing.yaml\nmodels: [gpt-4o, openai:gpt-4o]\n"
                 "formats: [json, jsn]\nstages: [sg, \"dp,sgg\"]\npresets: [greedy]\nrepetitions: 0\n");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("study.yaml:3:10: 'project': project file not found"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:4:10: 'models': 'gpt-4o': expected PROVIDER:MODEL"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:5:17: 'formats': unknown value 'jsn'"), std::string::npos) << m;
  EXPECT_NE(m.find("(did you mean 'json'?)"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:6:14: 'stages': unknown stage 'sgg'"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:7:11: 'presets': unknown value 'greedy'"), std::string::npos) << m;
  EXPECT_NE(m.find("study.yaml:8:14: 'repetitions': value 0 is out of range"), std::string::npos) << m;
}

TEST_F(SweepConfigTest, RequiredKeysAndDuplicatesAreReported) {
  auto c = Parse("version: 1\nformats: [json, json]\n");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.error().message;
  for (const char* key : {"'name': required", "'project': required", "'models': required", "'stages': required"}) {
    EXPECT_NE(m.find(key), std::string::npos) << key << "\n" << m;
  }
  EXPECT_NE(m.find("study.yaml:2:17: 'formats[1]': 'json' is listed twice"), std::string::npos) << m;
}

TEST_F(SweepConfigTest, MissingCassetteAndReservedNameAreErrors) {
  auto c = Parse("version: 1\nname: import:x\nproject: autopilot.yaml\nmodels: [replay:nope.jsonl]\n"
                 "formats: [json]\nstages: [sg]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cassette not found: " + dir_ + "/nope.jsonl"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("reserved"), std::string::npos) << c.error().message;
}

TEST_F(SweepConfigTest, LoadFromFileNamesTheFile) {
  std::ofstream(dir_ + "/s.yaml") << "version: 1\nname: s\nproject: autopilot.yaml\nmodels: [openai:x]\n"
                                     "formats: [json]\nstages: [sg]\nbudgets: {max_tokens: lots}\n";
  auto c = LoadSweepConfig(dir_ + "/s.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find(dir_ + "/s.yaml:7:23: 'budgets.max_tokens': expected an integer"),
            std::string::npos)
      << c.error().message;
}

TEST_F(SweepConfigTest, PlansTheWholeMatrixInAFixedOrderWithUniqueKeys) {
  auto c = Parse(kFull);
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto cells = PlanCells(*c);
  ASSERT_EQ(cells.size(), 3u * 5u * 2u * 2u * 3u);
  std::set<std::string> keys;
  for (size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].index, i);
    EXPECT_EQ(cells[i].key.sweep, "study-sg-formats");
    keys.insert(cells[i].key.ToString());
  }
  EXPECT_EQ(keys.size(), cells.size());
  // Model outermost, repetition innermost (1-based).
  EXPECT_EQ(cells[0].key.model, "openai:gpt-4o");
  EXPECT_EQ(cells[0].key.repetition, 1);
  EXPECT_EQ(cells[1].key.repetition, 2);
  EXPECT_EQ(cells[3].key.preset, "default");
  EXPECT_EQ(cells.back().key.model, "replay:run.jsonl");
  EXPECT_EQ(cells[0].Describe(), "sg gpt-4o json deterministic #1");
  // The plan is the same every time.
  auto again = PlanCells(*c);
  for (size_t i = 0; i < cells.size(); ++i) EXPECT_EQ(again[i].key.ToString(), cells[i].key.ToString());
}

TEST_F(SweepConfigTest, ShardsPartitionTheMatrixExactly) {
  auto c = Parse(kFull);
  ASSERT_TRUE(c.ok());
  auto cells = PlanCells(*c);
  for (int n = 1; n <= 7; ++n) {
    std::multiset<size_t> seen;
    for (int i = 1; i <= n; ++i) {
      auto part = SelectShard(cells, Shard{i, n});
      // Balanced: sizes differ by at most one.
      EXPECT_LE(part.size(), cells.size() / static_cast<size_t>(n) + 1);
      EXPECT_GE(part.size(), cells.size() / static_cast<size_t>(n));
      for (const auto& cell : part) {
        EXPECT_EQ(cell.index % static_cast<size_t>(n), static_cast<size_t>(i - 1));
        seen.insert(cell.index);
      }
    }
    ASSERT_EQ(seen.size(), cells.size()) << n;
    size_t expect = 0;
    for (size_t idx : seen) EXPECT_EQ(idx, expect++);  // every cell exactly once
  }
}

TEST(Shard, ParsesAndValidates) {
  auto s = ParseShard("2/4");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->index, 2);
  EXPECT_EQ(s->count, 4);
  for (const char* bad : {"0/3", "4/3", "a/b", "3", "1/0", "/2", "1/", "-1/2", "1/2/3"}) {
    auto r = ParseShard(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "usage");
  }
}

TEST(Stages, NormalisedToLifecycleOrder) {
  std::string err;
  EXPECT_EQ(NormaliseStages("sg, dp,train", &err), (std::vector<std::string>{"dp", "train", "sg"}));
  EXPECT_TRUE(err.empty());
  EXPECT_TRUE(NormaliseStages("sg,sg", &err).empty());
  EXPECT_NE(err.find("twice"), std::string::npos);
  err.clear();
  EXPECT_TRUE(NormaliseStages(" , ", &err).empty());
  EXPECT_NE(err.find("empty"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::sweep
