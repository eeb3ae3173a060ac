// End-to-end: `autopilot report` through the built binary — formats, -o, exit codes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"
#include "common/cli_runner.h"
#include "synthetic_store.h"

namespace autopilot::report {
namespace {

using nlohmann::json;

using test::CliRun;

CliRun Cli(std::vector<std::string> args) { return test::RunCli(args); }

class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto d = util::MakeTempDir("ap-report-cli-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    store_ = dir_ + "/runs.db";
    ASSERT_EQ(testing::WriteKnownStore(store_), "");
  }
  static void TearDownTestSuite() { util::RemoveTree(dir_); }
  static inline std::string dir_, store_;
};

TEST_F(ReportCli, MarkdownOnStdoutByDefault) {
  auto r = Cli({"report", store_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("# Autopilot report"), std::string::npos);
  EXPECT_NE(r.out.find("| m1 | md | sg | default | 12 | 10 | 2 | 70.0% [39.7, 89.2] |"), std::string::npos) << r.out;
  auto md = Cli({"report", store_, "--format", "md"});
  EXPECT_EQ(md.out, r.out);
}

TEST_F(ReportCli, CsvHasOneRowPerCell) {
  auto r = Cli({"report", store_, "--format", "csv"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto lines = util::Split(r.out, '\n');
  size_t rows = 0;
  for (const auto& l : lines) rows += !util::Trim(l).empty();
  EXPECT_EQ(rows, 5u);  // header + 4 cells
  EXPECT_TRUE(util::StartsWith(r.out, "model,format,stage,preset,runs,"));
  EXPECT_NE(r.out.find("m1,md,sg,default,12,10,7,2,1,2,1,1,0.7,"), std::string::npos) << r.out;
}

TEST_F(ReportCli, JsonToAFileAndWithTheGlobalFlag) {
  const std::string out = dir_ + "/report.json";
  auto r = Cli({"report", store_, "--format", "json", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("wrote " + out), std::string::npos) << r.err;
  auto text = util::ReadFile(out);
  ASSERT_TRUE(text.ok());
  json doc = json::parse(*text);
  ASSERT_EQ(doc["cells"].size(), 4u);
  EXPECT_DOUBLE_EQ(doc["cells"][1]["success_rate"].get<double>(), 0.7);
  auto g = Cli({"--json", "report", store_});
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_EQ(json::parse(g.out), doc);
}

TEST_F(ReportCli, FormatFollowsTheOutputExtension) {
  const std::string out = dir_ + "/report.html";
  auto r = Cli({"report", store_, "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  auto text = util::ReadFile(out);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(util::StartsWith(*text, "<!DOCTYPE html>"));
  EXPECT_NE(text->find("<svg"), std::string::npos);
}

TEST_F(ReportCli, MissingStoreIsAUsageErrorNamingTheFileAndCreatesNothing) {
  const std::string missing = dir_ + "/no-such.db";
  auto r = Cli({"report", missing});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_FALSE(util::PathExists(missing));
  auto j = Cli({"--json", "report", missing});
  EXPECT_EQ(j.code, 2);
  EXPECT_NE(json::parse(j.out)["error"]["message"].get<std::string>().find(missing), std::string::npos);
}

TEST_F(ReportCli, OtherUsageErrorsAndFailures) {
  EXPECT_EQ(Cli({"report"}).code, 2);                                 // no STORE
  EXPECT_EQ(Cli({"report", store_, "--format", "pdf"}).code, 2);      // unknown format
  const std::string text = dir_ + "/notes.txt";
  ASSERT_TRUE(util::WriteFileAtomic(text, "not a database, only text, long enough to be read\n").ok());
  auto bad = Cli({"report", text});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find(text), std::string::npos) << bad.err;
  auto unwritable = Cli({"report", store_, "-o", dir_ + "/no/such/dir/r.md"});
  EXPECT_EQ(unwritable.code, 1) << unwritable.err;
}

}  // namespace
}  // namespace autopilot::report
