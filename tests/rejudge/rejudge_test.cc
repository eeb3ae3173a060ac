#include "autopilot/rejudge/rejudge.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "autopilot/report/rejudged.h"
#include "autopilot/stage/study_chains.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "common/cli_runner.h"

namespace autopilot::rejudge {
namespace {

// Hand-written study-layout scripts (csv module only, so each run stays fast).
const char* kOp1 = R"(import csv
src = "./data/fruit_to_emoji/playground/fruit_data.csv"
rows = list(csv.DictReader(open(src)))
with open("./data/fruit_to_emoji/playground/normalized_fruit_data.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Fruit", "Red", "Green", "Blue"])
    for r in rows:
        w.writerow([r["Fruit"], r["Red"], r["Green"], r["Blue"]])
)";
// Reads what op 1 wrote: passes only when the run's playground carries over.
const char* kOp2 = R"(import csv
rows = list(csv.DictReader(open("./data/fruit_to_emoji/playground/normalized_fruit_data.csv")))
with open("./data/fruit_to_emoji/playground/encoded.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["Red", "Green", "Blue", "label"])
    for r in rows:
        w.writerow([r["Red"], r["Green"], r["Blue"], ["apple", "banana", "orange"].index(r["Fruit"])])
)";
// Exits 0 without writing anything: the study called it a success.
const char* kNoOutput = "print('done')\n";
const char* kCrash = "import csv\nraise KeyError('Colour')\n";

class RejudgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-rejudge-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    study_ = dir_ + "/study";
    std::filesystem::create_directories(study_ + "/" + stage::kStudySampleData);
    ASSERT_TRUE(util::WriteFileAtomic(study_ + "/" + stage::kStudySampleData + "/fruit_data.csv",
                                      "Fruit,Red,Green,Blue\norange,0.6,0.25,0.15\napple,0.55,0.25,0.2\n"
                                      "banana,0.45,0.38,0.17\n").ok());
    store_path_ = dir_ + "/runs.db";
    auto s = store::RunStore::Open(store_path_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    // Run 1 (recorded passed): op 1, op 2, then an attempt that wrote nothing.
    int64_t run = AddRun(*s, "k1", "passed");
    AddAttempt(*s, run, 1, "passed", kOp1, "");
    AddAttempt(*s, run, 2, "passed", kOp2, "");
    AddAttempt(*s, run, 3, "passed", kNoOutput, "");
    // Run 2 (recorded failed): a crash, then a reply whose code is only in the completion.
    run = AddRun(*s, "k2", "failed");
    AddAttempt(*s, run, 1, "failed", kCrash, "");
    AddAttempt(*s, run, 2, "failed", "", std::string("Here it is:\n```python\n") + kOp1 + "```\n");
    options_.project_key = "test.yaml@0";
    options_.tool_version = "t1";
    options_.study_root = study_;
    options_.concurrency = 2;
  }
  void TearDown() override { util::RemoveTree(dir_); }

  int64_t AddRun(store::RunStore& s, const std::string& rep, const std::string& status) {
    store::RunKey key{"test", "dp", "m", "original", rep, 0};
    auto h = s.BeginRun(key);
    EXPECT_TRUE(h.ok());
    EXPECT_TRUE(s.FinishRun(h->id, status).ok());
    return h->id;
  }
  void AddAttempt(store::RunStore& s, int64_t run, int n, const std::string& status, const std::string& code,
                  const std::string& completion) {
    auto a = s.BeginAttempt(run, "dp", n);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(s.FinishAttempt(*a, status).ok());
    if (!code.empty()) {
      ASSERT_TRUE(s.RecordArtifact(run, *a, "code", "dp_attempt", code).ok());
    }
    if (!completion.empty()) {
      store::LlmCallRecord c;
      c.attempt_id = *a;
      c.provider = "p";
      c.model = "m";
      c.request_json = "{}";
      c.text = completion;
      ASSERT_TRUE(s.RecordLlmCall(c).ok());
    }
  }
  std::string Verdict(int64_t attempt_number, int64_t run_number, std::string* code = nullptr) {
    auto s = store::RunStore::Open(store_path_);
    auto q = s->db().Prepare(
        "SELECT j.verdict, COALESCE(j.code,''), COALESCE(j.ran,-1) FROM rejudged j JOIN attempts a ON a.id = j.attempt_id"
        " WHERE a.number = ? AND a.run_id = ?");
    q->Bind(1, attempt_number).Bind(2, run_number);
    auto row = q->Step();
    if (!row.ok() || !*row) return "missing";
    if (code) *code = q->ColumnText(1) + "/ran=" + std::to_string(q->ColumnInt(2));
    return q->ColumnText(0);
  }

  std::string dir_, study_, store_path_;
  config::ProjectConfig cfg_;
  RejudgeOptions options_;
};

TEST_F(RejudgeTest, JudgesStudyDpInTheStudysLayoutAndResumes) {
  auto stats = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->runs, 2u);
  EXPECT_EQ(stats->judged, 5u);
  std::string code;
  EXPECT_EQ(Verdict(1, 1), "passed");
  EXPECT_EQ(Verdict(2, 1), "passed") << "op 2 must see what op 1 left in the playground";
  EXPECT_EQ(Verdict(3, 1, &code), "failed");
  EXPECT_EQ(code, "semantic.artifact_missing/ran=1");
  EXPECT_EQ(Verdict(1, 2, &code), "failed");
  EXPECT_EQ(code.substr(code.find('/')), "/ran=0");
  EXPECT_EQ(Verdict(2, 2), "passed") << "code extracted from the completion";

  auto again = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->judged, 0u);
  EXPECT_EQ(again->already, 5u);

  options_.tool_version = "t2";  // a new tool version judges everything again
  auto fresh = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->judged, 5u);
}

TEST_F(RejudgeTest, ReportComparesRecordedAndRejudgedSuccess) {
  ASSERT_TRUE(Rejudge(store_path_, cfg_, options_).ok());
  auto db = store::Database::Open(store_path_, false);
  ASSERT_TRUE(db.ok());
  std::vector<report::RejudgeCell> cells;
  std::vector<report::RejudgeReason> reasons;
  ASSERT_TRUE(report::CollectRejudged(*db, &cells, &reasons).ok());
  ASSERT_EQ(cells.size(), 2u);  // one cell per preset (k1, k2)
  const auto& c = cells[0].preset == "k1" ? cells[0] : cells[1];
  EXPECT_EQ(c.recorded.successes, 1);
  EXPECT_EQ(c.rejudged.successes, 0) << "one accepted attempt of the run fails";
  EXPECT_EQ(c.pass_pass, 2);
  EXPECT_EQ(c.pass_fail, 1);
  EXPECT_EQ(c.ran_known, 3);
  EXPECT_EQ(c.ran_agree, 3);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0].code, "semantic.artifact_missing");
  EXPECT_EQ(reasons[0].count, 1);
  ASSERT_EQ(reasons[0].examples.size(), 1u);
}

TEST_F(RejudgeTest, MissingStudyModuleIsUnavailableNotAFailure) {
  if (std::system("/usr/bin/python3 -c 'import tensorflow' >/dev/null 2>&1") == 0) {
    GTEST_SKIP() << "TensorFlow is installed here: the script would run";
  }
  auto s = store::RunStore::Open(store_path_);
  int64_t run = AddRun(*s, "k3", "passed");
  AddAttempt(*s, run, 1, "passed", "import tensorflow as tf\nprint(tf.__version__)\n", "");
  auto stats = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->verdicts["unavailable"], 1u);
  EXPECT_EQ(Verdict(1, run), "unavailable");
}

TEST_F(RejudgeTest, AnInventedSubmoduleOfAStudyModuleIsTheScriptsFailure) {
  // The shape of a Coral script importing pycoral.adapters.common.input: the module was found and
  // is not a package, so no machine has the submodule; raised here so the test needs no pycoral.
  auto s = store::RunStore::Open(store_path_);
  int64_t run = AddRun(*s, "k5", "passed");
  AddAttempt(*s, run, 1, "passed",
             "raise ModuleNotFoundError(\"No module named 'pycoral.adapters.common.input'; "
             "'pycoral.adapters.common' is not a package\")\n",
             "");
  auto stats = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(Verdict(1, run), "failed");
}

TEST_F(RejudgeTest, StageWithoutItsFilesIsSkippedWithTheReason) {
  options_.study_root = dir_ + "/nowhere";
  auto stats = Rejudge(store_path_, cfg_, options_);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->judged, 0u);
  ASSERT_EQ(stats->skipped_stages.count("dp"), 1u);
  EXPECT_NE(stats->skipped_stages["dp"].find("fruit_data.csv"), std::string::npos);
}

TEST_F(RejudgeTest, CommandJudgesResumesAndTheReportShowsIt) {
  const std::string project = dir_ + "/study.yaml";
  ASSERT_TRUE(util::WriteFileAtomic(project, "version: 1\n").ok());
  auto first = test::RunCli({"--json", "rejudge", store_path_, "--project", project, "--study", study_,
                             "--concurrency", "2"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto doc = nlohmann::json::parse(first.out);
  EXPECT_EQ(doc["judged"], 5);
  EXPECT_EQ(doc["verdicts"]["passed"], 3);
  EXPECT_EQ(doc["verdicts"]["failed"], 2);
  auto second = test::RunCli({"--json", "rejudge", store_path_, "--project", project, "--study", study_});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["already"], 5);

  auto md = test::RunCli({"report", store_path_, "--format", "md"});
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_NE(md.out.find("## Re-judged"), std::string::npos);
  EXPECT_NE(md.out.find("semantic.artifact_missing"), std::string::npos);
  auto csv = test::RunCli({"report", store_path_, "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_NE(csv.out.substr(0, csv.out.find('\n')).find("rejudged_success_rate"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::rejudge
