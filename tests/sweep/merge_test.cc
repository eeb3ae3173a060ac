#include "autopilot/store/merge.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "autopilot/store/run_store.h"
#include "autopilot/sweep/scheduler.h"
#include "autopilot/util/files.h"
#include "fake_runner.h"

namespace autopilot::store {
namespace {

using sweep::testing::FakeRunner;

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-merge-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
  }
  void TearDown() override { util::RemoveTree(dir_); }

  /// Runs shard i/n of a small sweep into its own store.
  std::string Shard(int i, int n, const std::string& name = "a") {
    auto cfg = sweep::testing::SmallConfig(7, {"ollama", "openai"});
    cfg_ = cfg;
    auto cells = sweep::SelectShard(sweep::PlanCells(cfg_), sweep::Shard{i, n});
    std::string path = dir_ + "/" + name + std::to_string(i) + ".db";
    sweep::SchedulerOptions o;
    o.store_path = path;
    FakeRunner fake;
    auto s = sweep::RunSweep(cfg_.name, cells, o, fake.Fn());
    EXPECT_TRUE(s.ok() && s->complete());
    return path;
  }

  /// Every run as content without ids: run key → (status, attempts with their calls, validations
  /// and artifacts), so stores with different ids compare equal when their data is.
  static std::map<std::string, std::string> Content(const std::string& path) {
    auto st = RunStore::Open(path);
    EXPECT_TRUE(st.ok());
    std::map<std::string, std::string> out;
    auto q = st->db().Prepare(
        "SELECT r.run_key, r.status || '|' || COALESCE(r.code,'') || '|' || r.started_at || '|' ||"
        " COALESCE((SELECT group_concat(x, ';') FROM (SELECT a.stage || a.number || a.status ||"
        "   COALESCE((SELECT group_concat(l.text || l.input_tokens, ',') FROM llm_calls l WHERE l.attempt_id = a.id),'') ||"
        "   COALESCE((SELECT group_concat(v.layer || v.passed, ',') FROM validations v WHERE v.attempt_id = a.id),'') AS x"
        "   FROM attempts a WHERE a.run_id = r.id ORDER BY a.stage, a.number)),'') || '|' ||"
        " COALESCE((SELECT group_concat(sha256, ',') FROM artifacts WHERE run_id = r.id),'')"
        " FROM runs r");
    EXPECT_TRUE(q.ok());
    while (true) {
      auto row = q->Step();
      if (!row.ok() || !*row) break;
      out[q->ColumnText(0)] = q->ColumnText(1);
    }
    return out;
  }
  /// Re-judged verdicts as content: run key, stage, attempt number, project, version → verdict.
  static std::map<std::string, std::string> Rejudged(const std::string& path) {
    auto st = RunStore::Open(path);
    EXPECT_TRUE(st.ok());
    std::map<std::string, std::string> out;
    auto q = st->db().Prepare(
        "SELECT r.run_key || '|' || a.stage || '|' || a.number || '|' || j.project || '|' || j.tool_version,"
        " j.recorded_status || '|' || j.verdict || '|' || COALESCE(j.layer,'') || '|' || COALESCE(j.code,'') ||"
        " '|' || COALESCE(j.message,'') || '|' || COALESCE(j.ran,'null') || '|' || COALESCE(j.code_source,'')"
        " FROM rejudged j JOIN attempts a ON a.id = j.attempt_id JOIN runs r ON r.id = a.run_id");
    EXPECT_TRUE(q.ok());
    while (true) {
      auto row = q->Step();
      if (!row.ok() || !*row) break;
      EXPECT_TRUE(out.emplace(q->ColumnText(0), q->ColumnText(1)).second) << "twice: " << q->ColumnText(0);
    }
    return out;
  }
  /// Re-judges every attempt of `path` as `autopilot rejudge` records it: a verdict per attempt
  /// under `project`, alternating passed / failed (failed ones with a layer and a taxonomy id).
  static void AddRejudged(const std::string& path, const std::string& project) {
    auto st = RunStore::Open(path);
    ASSERT_TRUE(st.ok());
    auto r = st->db().Exec(
        "INSERT INTO rejudged(attempt_id, project, tool_version, stage, recorded_status, verdict, layer, code,"
        " message, ran, code_source, duration_ms, created_at)"
        " SELECT a.id, '" + project + "', '9.9.9', a.stage, a.status,"
        " CASE WHEN a.number % 2 = 1 THEN 'passed' ELSE 'failed' END,"
        " CASE WHEN a.number % 2 = 1 THEN NULL ELSE 'semantic' END,"
        " CASE WHEN a.number % 2 = 1 THEN NULL ELSE 'semantic.wrong_input' END,"
        " 'judged ' || a.id, a.number % 2, 'artifact', 10 + a.id, '2026-12-04T00:00:00Z'"
        " FROM attempts a WHERE a.status IN ('passed','failed')");
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  static int64_t Int(const std::string& path, const std::string& sql) {
    auto st = RunStore::Open(path);
    auto n = st->db().QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql;
    return n.ok() ? *n : -1;
  }

  std::string dir_;
  sweep::SweepConfig cfg_;
};

TEST_F(MergeTest, ShardsMergeIntoTheirUnionWithFreshIds) {
  std::string a = Shard(1, 2), b = Shard(2, 2);
  auto ca = Content(a), cb = Content(b);
  ASSERT_EQ(ca.size() + cb.size(), 28u);
  std::string out = dir_ + "/all.db";
  auto stats = MergeStores({a, b}, out);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->runs, 28u);
  EXPECT_EQ(stats->identical, 0u);

  auto merged = Content(out);
  std::map<std::string, std::string> expected = ca;
  expected.insert(cb.begin(), cb.end());
  EXPECT_EQ(merged, expected);
  // Ids are fresh and dense; every child row points at a run of the output.
  EXPECT_EQ(Int(out, "SELECT MAX(id) FROM runs"), 28);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM attempts"),
            Int(a, "SELECT COUNT(*) FROM attempts") + Int(b, "SELECT COUNT(*) FROM attempts"));
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM llm_calls"),
            Int(a, "SELECT COUNT(*) FROM llm_calls") + Int(b, "SELECT COUNT(*) FROM llm_calls"));
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM validations"), stats->validations);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM artifacts"), 28);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM attempts WHERE run_id NOT IN (SELECT id FROM runs)"), 0);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM llm_calls WHERE attempt_id NOT IN (SELECT id FROM attempts)"), 0);
  auto st = RunStore::Open(out);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->CheckIntegrity().ok());
  EXPECT_EQ(*st->db().QueryText("PRAGMA journal_mode"), "wal");
  // Nothing temporary is left beside the output.
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".merge-"), std::string::npos) << e.path();
  }
}

TEST_F(MergeTest, AFinishedRunWinsOverAnUnfinishedOneAndIdenticalCopiesCountOnce) {
  std::string a = Shard(1, 1);
  std::string copy = dir_ + "/copy.db";
  {
    auto st = RunStore::Open(a);
    ASSERT_TRUE(st->db().Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  std::filesystem::copy_file(a, copy);
  // In `partial`, one key is unfinished (a killed run) and one is only there.
  std::string partial = dir_ + "/partial.db";
  {
    auto st = RunStore::Open(partial);
    auto cells = sweep::PlanCells(cfg_);
    auto h = st->BeginRun(cells[3].key);
    ASSERT_TRUE(st->BeginAttempt(h->id, "sg", 1).ok());
    store::RunKey extra{"other", "sg", "openai:x", "json", "default", 1};
    auto e = st->BeginRun(extra);
    ASSERT_TRUE(st->FinishRun(e->id, "passed").ok());
  }
  std::string out = dir_ + "/all.db";
  auto stats = MergeStores({partial, a, copy}, out);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->runs, 29u);
  EXPECT_EQ(stats->replaced, 1u);
  EXPECT_EQ(stats->identical, 28u);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM runs WHERE status = 'running'"), 0);
  auto merged = Content(out);
  for (const auto& [key, content] : Content(a)) EXPECT_EQ(merged[key], content) << key;
}

TEST_F(MergeTest, RejudgedVerdictsComeAlongUnderTheNewAttemptIdsOnce) {
  std::string a = Shard(1, 2), b = Shard(2, 2);
  AddRejudged(a, "study.yaml@aaaaaaaaaaaa");
  AddRejudged(b, "study.yaml@aaaaaaaaaaaa");
  AddRejudged(b, "edge.yaml@bbbbbbbbbbbb");
  auto ja = Rejudged(a), jb = Rejudged(b);
  ASSERT_FALSE(ja.empty());
  ASSERT_EQ(jb.size(), 2 * Int(b, "SELECT COUNT(*) FROM attempts WHERE status IN ('passed','failed')"));
  std::map<std::string, std::string> expected = ja;
  expected.insert(jb.begin(), jb.end());

  std::string out = dir_ + "/all.db";
  auto stats = MergeStores({a, b}, out);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->rejudged, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(Rejudged(out), expected);  // the verdicts, each on the attempt it was given for
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM rejudged WHERE attempt_id NOT IN (SELECT id FROM attempts)"), 0);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM rejudged WHERE stage <> (SELECT stage FROM attempts a WHERE a.id = attempt_id)"), 0);

  // Merged again with its own inputs: every run is an identical duplicate, no verdict is added.
  std::string again = dir_ + "/again.db";
  stats = MergeStores({out, a, b}, again);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->identical, 28u);
  EXPECT_EQ(stats->rejudged, static_cast<int64_t>(expected.size()));  // all from `out`, none twice
  EXPECT_EQ(Rejudged(again), expected);
  EXPECT_EQ(Int(again, "SELECT COUNT(*) FROM rejudged"), static_cast<int64_t>(expected.size()));

  // An identical copy re-judged under another project brings only its new verdicts; one under
  // the same key keeps the first input's.
  std::string copy = dir_ + "/copy.db";
  {
    auto st = RunStore::Open(a);
    ASSERT_TRUE(st->db().Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  std::filesystem::copy_file(a, copy);
  AddRejudged(copy, "edge.yaml@bbbbbbbbbbbb");
  {
    auto st = RunStore::Open(copy);
    ASSERT_TRUE(st->db().Exec("UPDATE rejudged SET verdict = 'unavailable' WHERE project = 'study.yaml@aaaaaaaaaaaa'").ok());
  }
  std::string third = dir_ + "/third.db";
  stats = MergeStores({a, b, copy}, third);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  auto jc = Rejudged(copy);
  for (const auto& [k, v] : jc) {
    if (k.find("edge.yaml@") != std::string::npos) expected.emplace(k, v);
  }
  EXPECT_EQ(stats->rejudged, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(Rejudged(third), expected);
  EXPECT_EQ(Int(third, "SELECT COUNT(*) FROM rejudged WHERE verdict = 'unavailable'"), 0);
}

TEST_F(MergeTest, TwoDifferentFinishedRunsUnderOneKeyAreAConflict) {
  std::string a = Shard(1, 1, "x");
  std::string b = Shard(1, 1, "y");  // same keys, run again: different timestamps and ids
  std::string out = dir_ + "/all.db";
  auto stats = MergeStores({a, b}, out);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, "merge.conflict");
  EXPECT_NE(stats.error().message.find(a), std::string::npos) << stats.error().message;
  EXPECT_NE(stats.error().message.find(b), std::string::npos) << stats.error().message;
  EXPECT_FALSE(util::PathExists(out));
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".merge-"), std::string::npos) << e.path();
  }
}

TEST_F(MergeTest, OutputRules) {
  std::string a = Shard(1, 2), b = Shard(2, 2);
  std::string out = dir_ + "/all.db";
  ASSERT_TRUE(MergeStores({a}, out).ok());
  auto again = MergeStores({a, b}, out);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "usage");
  EXPECT_NE(again.error().message.find("--force"), std::string::npos);
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM runs"), 14);  // untouched
  MergeOptions force;
  force.force = true;
  ASSERT_TRUE(MergeStores({a, b}, out, force).ok());
  EXPECT_EQ(Int(out, "SELECT COUNT(*) FROM runs"), 28);
  auto self = MergeStores({a, out}, out, force);
  ASSERT_FALSE(self.ok());
  EXPECT_NE(self.error().message.find("also an input"), std::string::npos);
  auto missing = MergeStores({dir_ + "/nope.db"}, dir_ + "/o.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_FALSE(util::PathExists(dir_ + "/nope.db"));  // never created
  std::string junk = dir_ + "/junk.db";
  ASSERT_TRUE(util::WriteFileAtomic(junk, "not a database at all, just text").ok());
  EXPECT_FALSE(MergeStores({a, junk}, dir_ + "/o2.db").ok());
  EXPECT_FALSE(util::PathExists(dir_ + "/o2.db"));
}

}  // namespace
}  // namespace autopilot::store
