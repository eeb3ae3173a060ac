// `autopilot run`: the pipeline from the command line — JSON contract, exit codes, the store it
// writes, and clear usage errors.

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "common/seed.h"

namespace autopilot {
namespace {

using nlohmann::json;

class RunCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-run-");
    project_ = dir_ + "/autopilot.yaml";
    std::ofstream(project_) << "version: 1\n"
                            << "paths:\n  work_dir: " << dir_ << "/work\n  store: " << dir_ << "/runs.db\n"
                            << "dataset:\n  raw_csv: " << AUTOPILOT_SOURCE_DIR << "/examples/fruit/data/fruit.csv\n"
                            << "  classes: [apple, banana, orange]\n";
  }
  void TearDown() override { util::RemoveTree(dir_); }

  struct Out {
    int code;
    std::string out, err;
  };
  Out Run(std::vector<std::string> args, double timeout_s = 240) {
    exec::ProcessRequest req;
    req.argv = {AUTOPILOT_BINARY};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.policy.timeout_s = timeout_s;
    req.policy.kill_grace_s = 0.05;
    req.policy.isolate_network = false;
    req.policy.drop_privileges = false;
    req.policy.inherit_env = true;
    req.policy.isolate_filesystem = false;  // the tool under test is trusted: it sees the checkout
    req.policy.memory_mb = 0;
    req.policy.max_processes = 0;
    req.workdir = "/tmp";
    exec::SandboxRunner runner;
    auto r = runner.Run(req);
    EXPECT_TRUE(r.ok());
    return {r->exit_code, r->stdout_data, r->stderr_data};
  }

  std::string dir_, project_;
};

/// The fruit example's project file with its paths moved into `dir` (same prompts, so the
/// recorded session matches request for request).
std::string FruitProjectIn(const std::string& dir) {
  std::string text = *util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/autopilot.yaml");
  auto replace = [&](const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
  };
  replace("../../.autopilot/fruit/runs.db", dir + "/runs.db");
  replace("../../.autopilot/fruit/work", dir + "/work");
  replace("data/fruit.csv", std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/data/fruit.csv");
  std::string path = dir + "/fruit.yaml";
  EXPECT_TRUE(util::WriteFileAtomic(path, text));
  return path;
}

TEST_F(RunCli, RecordedSessionPassesEveryStageWithTheJsonContract) {
  std::string cassette = std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/demo-session.jsonl";
  std::string fruit = FruitProjectIn(dir_);
  auto r = Run({"--json", "run", fruit, "--llm", "replay:" + cassette, "--out", dir_ + "/out", "--strict-replay"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  json doc = json::parse(r.out);
  EXPECT_TRUE(doc["passed"].get<bool>());
  EXPECT_EQ(doc["store"], dir_ + "/runs.db");
  EXPECT_EQ(doc["out_dir"], dir_ + "/out");
  ASSERT_EQ(doc["stages"].size(), 4u);
  std::vector<int> attempts;
  for (const auto& s : doc["stages"]) attempts.push_back(s["attempts"].get<int>());
  EXPECT_EQ(attempts, (std::vector<int>{2, 1, 2, 3}));
  EXPECT_GT(doc["tokens"].get<int>(), 0);
  EXPECT_NE(r.err.find("recorded"), std::string::npos) << "a replay must say it is not live";
  // The run is in the store, attempt by attempt.
  auto show = Run({"--json", "runs", "show", std::to_string(doc["run_id"].get<int>()), "--store", dir_ + "/runs.db"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_NE(show.out.find("semantic.wrong_input"), std::string::npos);
}

TEST_F(RunCli, KilledAtRandomPointsThenResumedEndsWithOnePassingRun) {
  std::string cassette = std::string(AUTOPILOT_SOURCE_DIR) + "/examples/fruit/demo-session.jsonl";
  std::string fruit = FruitProjectIn(dir_);
  std::string db = dir_ + "/runs.db";
  std::mt19937 rng(test::TestSeed());
  std::uniform_real_distribution<double> when(0.3, 3.5);
  // First invocation, killed (SIGTERM, not handled: the process just dies) at a random point.
  Out killed = Run({"run", fruit, "--llm", "replay:" + cassette, "--strict-replay"}, when(rng));
  int64_t id = 0;
  {
    auto st = store::RunStore::Open(db);
    ASSERT_TRUE(st);
    auto runs = st->ListRuns();
    ASSERT_TRUE(runs);
    if (runs->empty()) GTEST_SKIP() << "killed before the run was begun";
    ASSERT_EQ(runs->size(), 1u);
    id = runs->front().id;
  }
  // Resumed twice more with random kills, then to the end.
  for (int i = 0; i < 3; ++i) {
    Out r = Run({"--json", "run", fruit, "--resume", std::to_string(id), "--strict-replay"}, i < 2 ? when(rng) : 240);
    // A kill that lands after the run was recorded as passed but before the process exited
    // leaves a finished run: resuming it is refused, and the store check below judges it.
    if (r.code == 2 && r.out.find("is finished (passed)") != std::string::npos) break;
    if (i == 2 || r.code == 0) {
      ASSERT_EQ(r.code, 0) << r.out << r.err;
      json doc = json::parse(r.out);
      EXPECT_TRUE(doc["passed"].get<bool>());
      EXPECT_EQ(doc["run_id"].get<int64_t>(), id);
      break;
    }
  }
  auto st = store::RunStore::Open(db);
  ASSERT_TRUE(st);
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM runs"), 1);
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM runs WHERE status = 'passed'"), 1);
  // Exactly the recorded session's attempts: 2 + 1 + 2 + 3, none duplicated or lost.
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM attempts"), 8);
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM attempts WHERE status = 'passed'"), 4);
  EXPECT_EQ(*st->db().QueryInt("SELECT COUNT(*) FROM llm_calls"), 7);
  EXPECT_TRUE(st->CheckIntegrity());
  // Resuming a finished run is refused.
  Out again = Run({"run", fruit, "--resume", std::to_string(id)});
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("finished"), std::string::npos) << again.err;
}

TEST_F(RunCli, FailedStageExitsOneAndNamesTheCode) {
  // A cassette that answers every request with prose: DP never gets code.
  std::string cassette = dir_ + "/prose.jsonl";
  std::ofstream(cassette)
      << R"({"v":1,"key":"x","provider":"openai","model":"m","tag":{"stage":"dp","attempt":1},)"
      << R"("result":{"ok":true,"text":"I would use pandas to clean the data and then split it.","finish_reason":"stop"}})"
      << "\n";
  auto r = Run({"--json", "run", project_, "--llm", "replay:" + cassette, "--stages", "dp"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  json doc = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << r.out << r.err;
  EXPECT_FALSE(doc["passed"].get<bool>());
  EXPECT_EQ(doc["stages"][0]["stage"], "dp");
  EXPECT_FALSE(doc["stages"][0]["code"].get<std::string>().empty());
}

TEST_F(RunCli, UsageErrorsExitTwo) {
  auto no_llm = Run({"run", project_, "--stages", "sg"});
  EXPECT_EQ(no_llm.code, 2);
  EXPECT_NE(no_llm.err.find("--llm"), std::string::npos) << no_llm.err;
  auto bad_stage = Run({"run", project_, "--stages", "dp,deploy", "--llm", "replay:/nonexistent"});
  EXPECT_EQ(bad_stage.code, 2);
  EXPECT_NE(bad_stage.err.find("deploy"), std::string::npos) << bad_stage.err;
  auto bad_project = Run({"run", dir_ + "/missing.yaml"});
  EXPECT_EQ(bad_project.code, 2);
  auto train_only = Run({"run", project_, "--stages", "train"});
  EXPECT_EQ(train_only.code, 0) << train_only.err;
}

}  // namespace
}  // namespace autopilot
