// Report numbers for a store with known outcomes (synthetic_store.cc), computed by hand.

#include "autopilot/report/collect.h"

#include <gtest/gtest.h>

#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "synthetic_store.h"

namespace autopilot::report {
namespace {

class CollectTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto d = util::MakeTempDir("ap-report-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    ASSERT_EQ(testing::WriteKnownStore(dir_ + "/runs.db"), "");
    auto db = OpenStoreForReport(dir_ + "/runs.db");
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto r = Collect(*db, "runs.db");
    ASSERT_TRUE(r.ok()) << r.error().message;
    report_ = new Report(std::move(*r));
  }
  static void TearDownTestSuite() {
    delete report_;
    report_ = nullptr;
    util::RemoveTree(dir_);
  }
  static const Cell& CellOf(const std::string& model, const std::string& format, const std::string& stage) {
    for (const auto& c : report_->cells) {
      if (c.key.model == model && c.key.format == format && c.key.stage == stage) return c;
    }
    ADD_FAILURE() << "no cell " << model << "/" << format << "/" << stage;
    return report_->cells.front();
  }
  static int64_t Failures(const std::string& code, bool final_code, const std::string& format = "") {
    int64_t n = 0;
    for (const auto& f : report_->failures) {
      if (f.code == code && f.final_code == final_code && (format.empty() || f.key.format == format)) n += f.count;
    }
    return n;
  }
  static inline std::string dir_;
  static inline Report* report_ = nullptr;
};

TEST_F(CollectTest, CellsAreSortedByKey) {
  ASSERT_EQ(report_->cells.size(), 4u);
  EXPECT_EQ(report_->cells[0].key, (CellKey{"m1", "json", "sg", "default"}));
  EXPECT_EQ(report_->cells[1].key, (CellKey{"m1", "md", "sg", "default"}));
  EXPECT_EQ(report_->cells[2].key, (CellKey{"m2", "json", "dp", "default"}));
  EXPECT_EQ(report_->cells[3].key, (CellKey{"m2", "md", "dp", "default"}));
  EXPECT_EQ(report_->max_attempts, 3);  // the 3-attempt runs of m1 · md
}

TEST_F(CollectTest, SevenOfTenCellMatchesHandComputedNumbers) {
  const Cell& c = CellOf("m1", "md", "sg");
  // 12 runs: 4 passed at attempt 1, 2 at attempt 2, 1 at attempt 3; 2 failed, 1 error (3 attempts
  // each); 1 running, 1 interrupted → finished 10, unfinished 2 (not in any rate).
  EXPECT_EQ(c.runs, 12);
  EXPECT_EQ(c.finished(), 10);
  EXPECT_EQ(c.passed, 7);
  EXPECT_EQ(c.failed, 2);
  EXPECT_EQ(c.errored, 1);
  EXPECT_EQ(c.running, 1);
  EXPECT_EQ(c.interrupted, 1);
  EXPECT_EQ(c.unfinished(), 2);
  // success 7/10 = 0.7, Wilson 95 %: [0.3968, 0.8922] (arithmetic in stats_test.cc SevenOfTenByHand)
  ASSERT_TRUE(c.success.rate);
  EXPECT_DOUBLE_EQ(*c.success.rate, 0.7);
  EXPECT_NEAR(c.success.low, 0.3968, 5e-5);
  EXPECT_NEAR(c.success.high, 0.8922, 5e-5);
  // first attempt 4/10 = 0.4: denom 1.384146, center (0.4 + 0.192073)/1.384146 = 0.427753,
  // half 1.959964·sqrt(0.024 + 0.009604)/1.384146 = 0.259573 → [0.1682, 0.6873]
  EXPECT_DOUBLE_EQ(*c.first_attempt.rate, 0.4);
  EXPECT_NEAR(c.first_attempt.low, 0.1682, 5e-5);
  EXPECT_NEAR(c.first_attempt.high, 0.6873, 5e-5);
  // pass@1 = 4/10, pass@2 = (4+2)/10, pass@3 = (4+2+1)/10
  ASSERT_EQ(c.pass_at_k.size(), 3u);
  EXPECT_DOUBLE_EQ(*c.pass_at_k[0], 0.4);
  EXPECT_DOUBLE_EQ(*c.pass_at_k[1], 0.6);
  EXPECT_DOUBLE_EQ(*c.pass_at_k[2], 0.7);
  // mean attempts to success = (4·1 + 2·2 + 1·3)/7 = 11/7 = 1.5714
  EXPECT_NEAR(*c.mean_attempts_to_success, 1.5714, 5e-5);
  // attempts of finished runs: 4·1 + 2·2 + 1·3 + 3·3 = 20 (one LLM call each); the unfinished
  // runs' 2 attempts are left out.
  EXPECT_EQ(c.attempts, 20);
  EXPECT_EQ(c.max_attempts, 3);
  EXPECT_EQ(c.llm_calls, 20);
  EXPECT_EQ(c.input_tokens, 2000);  // 20 × 100
  EXPECT_EQ(c.output_tokens, 1000);  // 20 × 50
  EXPECT_EQ(c.llm_ms, 20000);        // 20 × 1000 ms of LLM time
  EXPECT_EQ(c.wall_ms, 40000);       // 20 × 2000 ms of wall time (kept apart from LLM time)
  // cost 20 × $0.01 = $0.20: per run 0.20/10 = $0.02, per success 0.20/7 = $0.028571
  EXPECT_NEAR(c.cost_usd, 0.20, 1e-12);
  EXPECT_NEAR(*Ratio(c.cost_usd, c.finished()), 0.02, 1e-12);
  EXPECT_NEAR(*Ratio(c.cost_usd, c.passed), 0.028571, 5e-7);
}

TEST_F(CollectTest, OneOfFourAndTwoOfTwoCells) {
  const Cell& json = CellOf("m1", "json", "sg");
  // 1/4: p̂ 0.25, denom 1 + 3.841459/4 = 1.960365, center (0.25 + 0.480182)/1.960365 = 0.372473,
  // half 1.959964·sqrt(0.046875 + 0.060022)/1.960365 = 0.326886 → [0.0456, 0.6994]
  EXPECT_EQ(json.finished(), 4);
  EXPECT_DOUBLE_EQ(*json.success.rate, 0.25);
  EXPECT_NEAR(json.success.low, 0.0456, 5e-5);
  EXPECT_NEAR(json.success.high, 0.6994, 5e-5);
  for (const auto& p : json.pass_at_k) EXPECT_DOUBLE_EQ(*p, 0.25);  // nobody got a second attempt
  EXPECT_DOUBLE_EQ(*json.mean_attempts_to_success, 1.0);
  EXPECT_NEAR(json.cost_usd, 0.04, 1e-12);  // 4 attempts × $0.01 = cost per success (1 success)

  const Cell& all = CellOf("m2", "md", "dp");
  // 2/2: upper bound exactly 1, lower n/(n + z²) = 2/5.841459 = 0.3424
  EXPECT_DOUBLE_EQ(*all.success.rate, 1.0);
  EXPECT_EQ(all.success.high, 1.0);
  EXPECT_NEAR(all.success.low, 0.3424, 5e-5);
}

TEST_F(CollectTest, CellWithOnlyUnfinishedRunsHasNoRates) {
  const Cell& c = CellOf("m2", "json", "dp");
  EXPECT_EQ(c.runs, 1);
  EXPECT_EQ(c.finished(), 0);
  EXPECT_EQ(c.unfinished(), 1);
  EXPECT_FALSE(c.success.rate);
  EXPECT_FALSE(c.first_attempt.rate);
  ASSERT_EQ(c.pass_at_k.size(), 3u);
  EXPECT_FALSE(c.pass_at_k[0]);
  EXPECT_FALSE(c.mean_attempts_to_success);
}

TEST_F(CollectTest, StoreTotals) {
  // runs 12 + 4 + 1 + 2; finished 10 + 4 + 2; passed 7 + 1 + 2; attempts 20 + 4 + 2
  EXPECT_EQ(report_->runs, 19);
  EXPECT_EQ(report_->finished, 16);
  EXPECT_EQ(report_->passed, 10);
  EXPECT_EQ(report_->unfinished, 3);
  EXPECT_EQ(report_->attempts, 26);
  EXPECT_NEAR(report_->cost_usd, 0.26, 1e-12);
}

TEST_F(CollectTest, FailedAttemptCodesAndFinalCodes) {
  // Failed attempts of m1 · md: build.undeclared 2 (pass@2 runs) + 1 (pass@3 run) + 3 (failed run)
  EXPECT_EQ(Failures("build.undeclared", false), 6);
  EXPECT_EQ(Failures("build.missing_header", false), 1);
  EXPECT_EQ(Failures("build.api_mismatch", false), 2);
  EXPECT_EQ(Failures("format.no_code", false), 1);
  EXPECT_EQ(Failures("transport.timeout", false), 3);   // attempts with status error count too
  EXPECT_EQ(Failures("runtime.crash", false), 1);       // a still-running run's failed attempt
  EXPECT_EQ(Failures("harness.interrupted", false), 0);  // an interrupted attempt is no failure
  EXPECT_EQ(Failures("static.structure", false, "json"), 2);
  EXPECT_EQ(Failures("unclassified", false, "json"), 1);
  // Final codes of failed/error runs only.
  EXPECT_EQ(Failures("build.undeclared", true), 1);
  EXPECT_EQ(Failures("build.api_mismatch", true), 1);
  EXPECT_EQ(Failures("transport.timeout", true), 1);
  EXPECT_EQ(Failures("static.structure", true), 2);
  EXPECT_EQ(Failures("unclassified", true), 1);
  EXPECT_EQ(Failures("harness.interrupted", true), 0);
  for (const auto& f : report_->failures) {
    if (f.code == "transport.timeout") {
      EXPECT_EQ(f.family, "transport");
      EXPECT_FALSE(f.counts_against_model);
    }
    if (f.code == "build.undeclared") {
      EXPECT_EQ(f.family, "build");
      EXPECT_TRUE(f.counts_against_model);
    }
    if (f.code == "unclassified") {
      EXPECT_EQ(f.family, "unknown");
    }
  }
}

TEST_F(CollectTest, FormatsComparedWithinModelAndStage) {
  ASSERT_EQ(report_->formats.size(), 4u);
  // (m1, sg): json 1/4, md 7/10 → md is best; json − md = −0.45, Newcombe [−0.7306, 0.0921]
  // (arithmetic in stats_test.cc DifferenceOfTwoProportionsByHand)
  const auto& json = report_->formats[0];
  const auto& md = report_->formats[1];
  EXPECT_EQ(json.model, "m1");
  EXPECT_EQ(json.format, "json");
  EXPECT_FALSE(json.best);
  EXPECT_TRUE(md.best);
  ASSERT_TRUE(json.vs_best);
  EXPECT_NEAR(json.vs_best->estimate, -0.45, 1e-12);
  EXPECT_NEAR(json.vs_best->low, -0.7306, 5e-5);
  EXPECT_NEAR(json.vs_best->high, 0.0921, 5e-5);
  EXPECT_DOUBLE_EQ(md.vs_best->estimate, 0.0);
  // (m2, dp): json has no finished run (1 unfinished) → no rate, no difference; md 2/2 is best.
  const auto& m2json = report_->formats[2];
  EXPECT_EQ(m2json.model, "m2");
  EXPECT_FALSE(m2json.success.rate);
  EXPECT_EQ(m2json.unfinished, 1);
  EXPECT_FALSE(m2json.vs_best);
  EXPECT_TRUE(report_->formats[3].best);
}

TEST(OpenStoreForReport, MissingFileIsAUsageErrorAndIsNotCreated) {
  auto d = util::MakeTempDir("ap-report-");
  ASSERT_TRUE(d.ok());
  const std::string path = *d + "/nope.db";
  auto db = OpenStoreForReport(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, "usage");
  EXPECT_NE(db.error().message.find(path), std::string::npos) << db.error().message;
  EXPECT_FALSE(util::PathExists(path));
  util::RemoveTree(*d);
}

TEST(OpenStoreForReport, NonStoreFilesAreUsageErrors) {
  auto d = util::MakeTempDir("ap-report-");
  ASSERT_TRUE(d.ok());
  const std::string text = *d + "/notes.txt";
  ASSERT_TRUE(util::WriteFileAtomic(text, "this is not a database, just some words of text\n").ok());
  auto a = OpenStoreForReport(text);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "usage");
  EXPECT_NE(a.error().message.find(text), std::string::npos) << a.error().message;
  auto b = OpenStoreForReport(*d);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("directory"), std::string::npos);
  util::RemoveTree(*d);
}

TEST(OpenStoreForReport, EmptyStoreReportsNothing) {
  auto d = util::MakeTempDir("ap-report-");
  ASSERT_TRUE(d.ok());
  { ASSERT_TRUE(store::RunStore::Open(*d + "/empty.db").ok()); }
  auto db = OpenStoreForReport(*d + "/empty.db");
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto r = Collect(*db, "empty.db");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cells.empty());
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(r->max_attempts, 0);
  util::RemoveTree(*d);
}

TEST(Family, OfStoredCodes) {
  EXPECT_EQ(FamilyOf("build.undeclared"), "build");
  EXPECT_EQ(FamilyOf("build.some_future_id"), "build");
  EXPECT_EQ(FamilyOf("unclassified"), "unknown");
  EXPECT_EQ(FamilyOf("weird"), "unknown");
  EXPECT_EQ(FamilyOf("unknown"), "unknown");
  EXPECT_FALSE(CountsAgainstModel("env.toolchain_missing"));
  EXPECT_FALSE(CountsAgainstModel("harness.some_future_id"));
  EXPECT_TRUE(CountsAgainstModel("semantic.wrong_input"));
}

}  // namespace
}  // namespace autopilot::report
