#include "autopilot/sweep/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "autopilot/util/files.h"
#include "fake_runner.h"

namespace autopilot::sweep {
namespace {

using testing::FakeRunner;
using testing::SmallConfig;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-sched-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    path_ = dir_ + "/runs.db";
  }
  void TearDown() override { util::RemoveTree(dir_); }

  SchedulerOptions Options(int parallel = 2) {
    SchedulerOptions o;
    o.store_path = path_;
    o.max_parallel = parallel;
    o.concurrency = {{"default", 2}};
    return o;
  }
  int64_t Count(const std::string& sql) {
    auto s = store::RunStore::Open(path_);
    EXPECT_TRUE(s.ok());
    auto n = s->db().QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql;
    return n.ok() ? *n : -1;
  }
  std::string dir_, path_;
};

TEST_F(SchedulerTest, RunsEveryCellOnceAndRecordsIt) {
  auto cfg = SmallConfig(5);
  auto cells = PlanCells(cfg);
  FakeRunner fake;
  std::vector<size_t> seen_done;
  auto o = Options();
  o.progress = [&](const ProgressEvent& ev) { seen_done.push_back(ev.done); };
  auto s = RunSweep(cfg.name, cells, o, fake.Fn());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->planned, 10u);
  EXPECT_EQ(s->ran, 10u);
  EXPECT_EQ(s->passed, 5u);
  EXPECT_EQ(s->failed, 5u);
  EXPECT_TRUE(s->complete());
  EXPECT_EQ(s->stop_reason, "");
  EXPECT_EQ(fake.calls.load(), 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs WHERE status IN ('passed','failed')"), 10);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT run_key) FROM runs"), 10);
  // Progress is serialised and counts up to the total.
  ASSERT_EQ(seen_done.size(), 10u);
  for (size_t i = 0; i < seen_done.size(); ++i) EXPECT_EQ(seen_done[i], i + 1);
  EXPECT_EQ(s->tokens, 100 * Count("SELECT COUNT(*) FROM attempts"));
}

TEST_F(SchedulerTest, ResumeSkipsFinishedRunsAndRedoesUnfinishedOnes) {
  auto cfg = SmallConfig(4);
  auto cells = PlanCells(cfg);
  {
    // First invocation: only the first 3 cells.
    FakeRunner fake;
    std::vector<Cell> first(cells.begin(), cells.begin() + 3);
    ASSERT_TRUE(RunSweep(cfg.name, first, Options(), fake.Fn()).ok());
  }
  {
    // A killed process left cell 5 running with one attempt recorded.
    auto st = store::RunStore::Open(path_);
    ASSERT_TRUE(st.ok());
    auto h = st->BeginRun(cells[5].key);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(st->BeginAttempt(h->id, "sg", 1).ok());
    ASSERT_TRUE(st->BeginAttempt(h->id, "sg", 2).ok());
  }
  FakeRunner fake;
  std::mutex mu;
  std::set<size_t> ran;
  fake.on_start = [&](const Cell& c) {
    std::lock_guard<std::mutex> lk(mu);
    ran.insert(c.index);
  };
  auto s = RunSweep(cfg.name, cells, Options(), fake.Fn());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->already_finished, 3u);
  EXPECT_EQ(s->redone, 1u);
  EXPECT_EQ(s->ran, 5u);
  EXPECT_EQ(ran, (std::set<size_t>{3, 4, 5, 6, 7}));
  EXPECT_TRUE(s->complete());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs"), 8);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs WHERE status = 'running'"), 0);
  // The redone cell has exactly the attempts of its new run (5 % 3 + 1 = 3), nothing left over.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM attempts a JOIN runs r ON a.run_id = r.id WHERE r.run_key = '" +
                  cells[5].key.ToString() + "'"),
            3);
  // A third invocation has nothing to do.
  FakeRunner idle;
  auto again = RunSweep(cfg.name, cells, Options(), idle.Fn());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(idle.calls.load(), 0);
  EXPECT_EQ(again->already_finished, 8u);
  EXPECT_EQ(again->passed_total, 4u);
  EXPECT_TRUE(again->complete());
}

TEST_F(SchedulerTest, TokenBudgetStopsStartingRuns) {
  auto cfg = SmallConfig(10);
  auto cells = PlanCells(cfg);
  FakeRunner fake;
  auto o = Options(1);
  o.budgets.max_tokens = 500;  // cells use 100, 200, 300 tokens in turn
  auto s = RunSweep(cfg.name, cells, o, fake.Fn());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stop_reason, "tokens");
  EXPECT_NE(s->stop_message.find("token budget"), std::string::npos);
  EXPECT_EQ(s->ran, 3u);  // 100 + 200 + 300 = 600 >= 500 after the third
  EXPECT_EQ(s->not_started, 17u);
  EXPECT_FALSE(s->complete());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs"), 3);
  // A rerun counts what the store already spent: the budget is still exhausted.
  FakeRunner idle;
  auto again = RunSweep(cfg.name, cells, o, idle.Fn());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->tokens, 600);
  EXPECT_EQ(again->stop_reason, "tokens");
  EXPECT_EQ(idle.calls.load(), 0);
}

TEST_F(SchedulerTest, CostAndTimeBudgets) {
  auto cfg = SmallConfig(10);
  auto cells = PlanCells(cfg);
  {
    FakeRunner fake;
    auto o = Options(1);
    o.budgets.max_cost_usd = 0.0025;
    auto s = RunSweep(cfg.name, cells, o, fake.Fn());
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->stop_reason, "cost");
    EXPECT_EQ(s->ran, 2u);  // 0.001 + 0.002
  }
  util::RemoveTree(path_);
  FakeRunner slow;
  slow.sleep_ms = 60;
  auto o = Options(1);
  o.budgets.max_time_s = 0.1;
  auto s = RunSweep("other", cells, o, slow.Fn());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stop_reason, "time");
  EXPECT_GE(s->ran, 1u);
  EXPECT_LE(s->ran, 3u);
}

TEST_F(SchedulerTest, StopFlagLetsRunningRunsFinishAndStartsNoMore) {
  auto cfg = SmallConfig(10);
  auto cells = PlanCells(cfg);
  std::atomic<bool> stop{false};
  FakeRunner fake;
  fake.sleep_ms = 20;
  fake.on_start = [&](const Cell&) {
    if (fake.calls.load() == 4) stop.store(true);
  };
  auto o = Options(2);
  o.stop = &stop;
  auto s = RunSweep(cfg.name, cells, o, fake.Fn());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stop_reason, "interrupted");
  EXPECT_LE(s->ran, 5u);
  EXPECT_EQ(s->ran + s->not_started, 20u);
  // Every started run finished: nothing is left running.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs WHERE status = 'running'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs"), static_cast<int64_t>(s->ran));
}

TEST_F(SchedulerTest, PerProviderLimitsAndTotalCapHold) {
  auto cfg = SmallConfig(6, {"ollama", "openai"});
  auto cells = PlanCells(cfg);
  std::mutex mu;
  std::map<std::string, int> now, peak;
  int total = 0, total_peak = 0;
  FakeRunner fake;
  fake.sleep_ms = 15;
  fake.on_start = [&](const Cell& c) {
    std::lock_guard<std::mutex> lk(mu);
    peak[c.model->provider] = std::max(peak[c.model->provider], ++now[c.model->provider]);
    total_peak = std::max(total_peak, ++total);
  };
  fake.on_end = [&](const Cell& c) {
    std::lock_guard<std::mutex> lk(mu);
    --now[c.model->provider];
    --total;
  };
  auto o = Options(0);
  o.concurrency = {{"default", 3}, {"ollama", 1}};
  auto s = RunSweep(cfg.name, cells, o, fake.Fn());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->complete());
  EXPECT_EQ(peak["ollama"], 1);
  EXPECT_GE(peak["openai"], 2);  // ollama's cells come first, but openai's run beside them
  EXPECT_LE(peak["openai"], 3);
  EXPECT_LE(total_peak, 4);

  // --concurrency caps the total.
  util::RemoveTree(path_);
  total_peak = 0;
  peak.clear();
  auto capped = Options(2);
  capped.concurrency = {{"default", 3}, {"ollama", 3}};
  ASSERT_TRUE(RunSweep(cfg.name, cells, capped, fake.Fn()).ok());
  EXPECT_LE(total_peak, 2);
}

TEST_F(SchedulerTest, RunsThatCannotBeRecordedAreDroppedAndStopTheSweepAfterThreeInARow) {
  auto cfg = SmallConfig(5);
  auto cells = PlanCells(cfg);
  auto broken = [](const Cell& c, store::RunStore& st) {
    (void)st.BeginRun(c.key);  // begun, then the runner gives up
    return CellOutcome{"error", false, "env.misconfigured", 0, 0, 0, 0, "OPENAI_API_KEY is not set"};
  };
  auto s = RunSweep(cfg.name, cells, Options(1), broken);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ran, 3u);
  EXPECT_EQ(s->errored, 3u);
  EXPECT_EQ(s->stop_reason, "errors");
  EXPECT_FALSE(s->complete());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM runs"), 0);  // nothing half-done stays behind
  // A fixed setup then runs everything.
  FakeRunner fake;
  auto ok = RunSweep(cfg.name, cells, Options(1), fake.Fn());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ran, 10u);
  EXPECT_TRUE(ok->complete());
}

TEST_F(SchedulerTest, AnExceptionInTheRunnerIsAnErrorNotACrash) {
  auto cfg = SmallConfig(1);
  auto cells = PlanCells(cfg);
  auto throwing = [](const Cell&, store::RunStore&) -> CellOutcome { throw std::runtime_error("boom"); };
  SchedulerOptions o = Options(1);
  o.max_consecutive_errors = 0;
  std::string message;
  o.progress = [&](const ProgressEvent& ev) { message = ev.outcome.message; };
  auto s = RunSweep(cfg.name, cells, o, throwing);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->errored, 2u);
  EXPECT_NE(message.find("boom"), std::string::npos);
}

TEST_F(SchedulerTest, AnUnopenableStoreIsAnError) {
  auto cfg = SmallConfig(1);
  auto o = Options(1);
  o.store_path = "/proc/no/such/dir/runs.db";
  FakeRunner fake;
  auto s = RunSweep(cfg.name, PlanCells(cfg), o, fake.Fn());
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace autopilot::sweep
