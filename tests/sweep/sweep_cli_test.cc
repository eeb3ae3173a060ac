// End-to-end: the real `autopilot sweep` binary on a small offline sweep (replay cassettes whose
// DP script runs for a moment in the sandbox), killed with SIGKILL at random points and resumed.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "common/seed.h"

namespace autopilot::sweep {
namespace {

using nlohmann::json;

struct Proc {
  int code = -1;  ///< exit code, or 128 + signal
  std::string out, err;
};

/// Starts the binary with stdout/stderr to files; returns its pid.
pid_t Start(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file) {
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    std::vector<char*> argv;
    std::string bin = AUTOPILOT_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string Slurp(const std::string& path) {
  auto r = util::ReadFile(path);
  return r.ok() ? *r : "";
}

class SweepCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-sweepcli-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    std::filesystem::copy_file(std::string(AUTOPILOT_SOURCE_ROOT) + "/examples/fruit/data/fruit.csv",
                               dir_ + "/fruit.csv");
    std::ofstream(dir_ + "/autopilot.yaml") << "version: 1\n"
                                               "paths: {store: project-runs.db, work_dir: work}\n"
                                               "dataset:\n  raw_csv: fruit.csv\n  classes: [apple, banana, orange]\n"
                                               "budgets:\n  attempts: {dp: 1, mc: 1, sg: 1}\n";
    // The DP answer runs ~0.3 s in the sandbox, then fails validation (it writes no splits): a
    // cheap, finished run.
    for (const char* name : {"a.jsonl", "b.jsonl"}) {
      std::ofstream c(dir_ + "/" + name);
      for (const char* stage : {"dp", "mc", "sg"}) {
        std::string text = std::string(stage) == "dp"
                               ? "Here it is:\n\n```python\nimport time\nimport pandas as pd\n\ntime.sleep(0.3)\n"
                                 "df = pd.read_csv('raw.csv')\nprint(len(df))\n```\n"
                               : "Sorry, I cannot write that.";
        json entry{{"v", 1},
                   {"key", std::string("k-") + stage},
                   {"provider", "replay"},
                   {"model", name},
                   {"tag", {{"stage", stage}, {"attempt", 1}}},
                   {"result",
                    {{"provider", "openai"},
                     {"model", "scripted"},
                     {"text", text},
                     {"finish_reason", "stop"},
                     {"usage", {{"input_tokens", 50}, {"output_tokens", 10}, {"total_tokens", 60}, {"reported", true}}}}}};
        c << entry.dump() << "\n";
      }
    }
  }
  void TearDown() override { util::RemoveTree(dir_); }

  void WriteSweep(const std::string& extra = "", int reps = 2) {
    std::ofstream(dir_ + "/sweep.yaml") << "version: 1\nname: kill-test\nproject: autopilot.yaml\n"
                                           "models: [replay:a.jsonl, replay:b.jsonl]\n"
                                           "formats: [json, markdown]\nstages: [dp]\n"
                                           "presets: [default, deterministic]\nrepetitions: "
                                        << reps << "\nconcurrency: {replay: 3}\n"
                                        << "replay: {match_tag_on_miss: true}\nstore: runs.db\n"
                                        << extra;
  }

  Proc Run(const std::vector<std::string>& args) {
    pid_t pid = Start(args, dir_ + "/out.txt", dir_ + "/err.txt");
    Proc p;
    p.code = Wait(pid);
    p.out = Slurp(dir_ + "/out.txt");
    p.err = Slurp(dir_ + "/err.txt");
    return p;
  }

  int64_t Int(const std::string& sql) {
    auto st = store::RunStore::Open(dir_ + "/runs.db");
    EXPECT_TRUE(st.ok());
    auto n = st->db().QueryInt(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : -1;
  }

  std::string dir_;
};

TEST_F(SweepCliTest, KilledThreeTimesAtRandomThenResumedEndsWithExactlyThePlannedRuns) {
  WriteSweep();
  const std::string sweep = dir_ + "/sweep.yaml";
  const unsigned seed = test::TestSeed();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(300, 2000);
  SCOPED_TRACE("seed " + std::to_string(seed));
  int64_t seen_running = 0;
  for (int kill = 0; kill < 3; ++kill) {
    pid_t pid = Start({"sweep", sweep}, dir_ + "/out.txt", dir_ + "/err.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    Wait(pid);
    seen_running += Int("SELECT COUNT(*) FROM runs WHERE status = 'running'");
    // Whatever the kill left, the store is intact and holds no run twice.
    EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), Int("SELECT COUNT(DISTINCT run_key) FROM runs"));
    EXPECT_LE(Int("SELECT COUNT(*) FROM runs"), 16);
  }
  const int64_t finished_before = Int("SELECT COUNT(*) FROM runs WHERE status IN ('passed','failed','error')");
  EXPECT_LT(finished_before, 16) << "the kills came too late to interrupt anything";

  auto final_run = Run({"--json", "sweep", sweep});
  ASSERT_EQ(final_run.code, 0) << final_run.err << final_run.out;
  json summary = json::parse(final_run.out);
  EXPECT_EQ(summary["planned"], 16);
  EXPECT_EQ(summary["already_finished"].get<int64_t>(), finished_before);
  EXPECT_EQ(summary["ran"].get<int64_t>(), 16 - finished_before);  // exactly the missing runs
  EXPECT_TRUE(summary["complete"].get<bool>());

  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), 16);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs WHERE status IN ('passed','failed','error')"), 16);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM (SELECT DISTINCT stage, model, format, preset, repetition FROM runs"
                " WHERE sweep = 'kill-test')"),
            16);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attempts WHERE run_id NOT IN (SELECT id FROM runs)"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM llm_calls WHERE attempt_id IS NOT NULL AND attempt_id NOT IN (SELECT id FROM attempts)"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM validations WHERE attempt_id NOT IN (SELECT id FROM attempts)"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM artifacts WHERE run_id NOT IN (SELECT id FROM runs)"), 0);
  // One DP attempt per run (budget 1): a redone run kept nothing of its killed try.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attempts"), 16);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attempts WHERE status = 'running'"), 0);
  auto st = store::RunStore::Open(dir_ + "/runs.db");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->CheckIntegrity().ok());
  RecordProperty("runs_left_running_by_kills", std::to_string(seen_running));

  // And once more: nothing to do.
  auto idle = Run({"--json", "sweep", sweep});
  ASSERT_EQ(idle.code, 0) << idle.err;
  EXPECT_EQ(json::parse(idle.out)["ran"], 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs"), 16);
}

TEST_F(SweepCliTest, ProgressLinesShardsAndMergeOfTheShards) {
  WriteSweep("", 1);
  auto one = Run({"sweep", dir_ + "/sweep.yaml", "--shard", "1/2", "--store", dir_ + "/s1.db"});
  ASSERT_EQ(one.code, 0) << one.err << one.out;
  EXPECT_NE(one.out.find("sweep kill-test: 4 runs (shard 1/2)"), std::string::npos) << one.out;
  // "[1/4] dp a.jsonl json default #1: failed <code> (1 attempt, 0.7 s)"
  EXPECT_NE(one.out.find("] dp a.jsonl json default #1: failed "), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("(1 attempt, "), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("[4/4] "), std::string::npos) << one.out;
  auto two = Run({"sweep", dir_ + "/sweep.yaml", "--shard", "2/2", "--store", dir_ + "/s2.db", "--concurrency", "1"});
  ASSERT_EQ(two.code, 0) << two.err;

  auto merged = Run({"--json", "merge", dir_ + "/s1.db", dir_ + "/s2.db", "-o", dir_ + "/all.db"});
  ASSERT_EQ(merged.code, 0) << merged.err << merged.out;
  EXPECT_EQ(json::parse(merged.out)["runs"], 8);
  auto again = Run({"merge", dir_ + "/s1.db", dir_ + "/s2.db", "-o", dir_ + "/all.db"});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  // The merged store is the whole sweep: running it there has nothing left to do.
  auto resume = Run({"--json", "sweep", dir_ + "/sweep.yaml", "--store", dir_ + "/all.db"});
  ASSERT_EQ(resume.code, 0) << resume.err;
  EXPECT_EQ(json::parse(resume.out)["already_finished"], 8);
  EXPECT_EQ(json::parse(resume.out)["ran"], 0);
}

TEST_F(SweepCliTest, SigintFinishesRunningRunsAndSaysHowToResume) {
  WriteSweep("", 3);
  pid_t pid = Start({"sweep", dir_ + "/sweep.yaml"}, dir_ + "/out.txt", dir_ + "/err.txt");
  // Interrupt once the first run has finished (its progress line), while others are running.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Slurp(dir_ + "/out.txt").find("[1/") == std::string::npos &&
         Slurp(dir_ + "/err.txt").find("[1/") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no run finished within a minute";
  ::kill(pid, SIGINT);
  int code = Wait(pid);
  std::string err = Slurp(dir_ + "/err.txt");
  EXPECT_EQ(code, 130) << err;
  EXPECT_NE(err.find("rerun the same command to resume"), std::string::npos) << err;
  EXPECT_EQ(Int("SELECT COUNT(*) FROM runs WHERE status = 'running'"), 0);
  EXPECT_LT(Int("SELECT COUNT(*) FROM runs"), 24);
}

TEST_F(SweepCliTest, BudgetStopExitsOneAndUsageErrorsExitTwo) {
  WriteSweep("budgets: {max_tokens: 100}\n", 2);
  auto b = Run({"--json", "sweep", dir_ + "/sweep.yaml", "--concurrency", "1"});
  EXPECT_EQ(b.code, 1) << b.err;
  json s = json::parse(b.out);
  EXPECT_EQ(s["stop_reason"], "tokens");
  EXPECT_EQ(s["ran"], 2);  // 60 tokens a run: the third would start beyond the budget
  EXPECT_NE(b.err.find("token budget"), std::string::npos) << b.err;

  auto shard = Run({"sweep", dir_ + "/sweep.yaml", "--shard", "3/2"});
  EXPECT_EQ(shard.code, 2);
  EXPECT_NE(shard.err.find("--shard '3/2'"), std::string::npos) << shard.err;

  std::ofstream(dir_ + "/bad.yaml") << "version: 1\nname: x\nproject: autopilot.yaml\nmodels: [replay:a.jsonl]\n"
                                       "formats: [json]\nstages: [dp]\nrepetitons: 2\n";
  auto bad = Run({"sweep", dir_ + "/bad.yaml"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find(dir_ + "/bad.yaml:7:1: 'repetitons': unknown setting"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace autopilot::sweep
