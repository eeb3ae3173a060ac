// The dataset reader against RFC 4180 and against files pandas wrote.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "autopilot/tflite/dataset.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  auto t = ParseCsv("name,note,value\n\"Smith, J\",\"said \"\"hi\"\"\",1\n\"two\nlines\",x,2\n",
                    "t.csv");
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][0], "Smith, J");
  EXPECT_EQ(t->rows[0][1], "said \"hi\"");
  EXPECT_EQ(t->rows[1][0], "two\nlines");
  EXPECT_EQ(t->rows[1][2], "2");
}

TEST(Csv, CrlfBomBlankLinesAndTrimmedUnquotedCells) {
  auto t = ParseCsv(
      "\xEF\xBB\xBF"
      "a, b\r\n\r\n 1 ,\" 2 \"\r\n",
      "t.csv");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0][0], "1");
  EXPECT_EQ(t->rows[0][1], " 2 ");  // quoted: kept as written
}

TEST(Csv, EmptyTrailingFieldIsACell) {
  auto t = ParseCsv("a,b,c\n1,,\n", "t.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rows[0], (std::vector<std::string>{"1", "", ""}));
}

TEST(Csv, MalformedQuotingNamesTheLine) {
  auto open = ParseCsv("a,b\n1,2\n\"never closed,3\n", "bad.csv");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code, "data");
  EXPECT_NE(open.error().message.find("bad.csv:3:"), std::string::npos) << open.error().message;
  auto after = ParseCsv("a,b\n\"x\"y,2\n", "bad.csv");
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.error().message.find("bad.csv:2:"), std::string::npos) << after.error().message;
}

TEST(Csv, CellCountMismatchNamesTheRecordsFirstLine) {
  auto t = ParseCsv("a,b\n\"x\ny\",1\n1,2,3\n", "n.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("n.csv:4: 3 cells but the header has 2"), std::string::npos)
      << t.error().message;
}

TEST(Csv, FormatRoundTrips) {
  Table t;
  t.header = {"label", "text"};
  t.rows = {{"apple", "red, round"}, {"pear", "says \"hi\""}, {"plum", "a\nb"}};
  auto back = ParseCsv(FormatCsv(t), "rt.csv");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->rows, t.rows);
}

// A file written by pandas (QUOTE_MINIMAL): a label with a comma is quoted, and it must reach the
// feature/label extraction as one cell, not as a shifted row (a false data.schema verdict).
TEST(Csv, ReadsWhatPandasWrote) {
  auto dir = util::MakeTempDir("ap-csv-");
  ASSERT_TRUE(dir.ok());
  const std::string csv = *dir + "/pandas.csv";
  const std::string script =
      "import pandas as pd\n"
      "df = pd.DataFrame({'red': [0.5, 0.25], 'green': [0.25, 0.5], 'label': ['apple, green', 'say "
      "\"pear\"']})\n"
      "df.to_csv('" +
      csv + "', index=False)\n";
  const std::string py = *dir + "/w.py";
  ASSERT_TRUE(util::WriteFileAtomic(py, script).ok());
  ASSERT_EQ(std::system(("/usr/bin/python3 " + py).c_str()), 0);
  auto t = ReadCsv(csv);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][2], "apple, green");
  EXPECT_EQ(t->rows[1][2], "say \"pear\"");
  std::vector<std::string> classes;
  auto y = ExtractLabels(*t, "label", &classes);
  ASSERT_TRUE(y.ok()) << y.error().message;
  EXPECT_EQ(classes.size(), 2u);
  auto x = ExtractFeatures(*t, {"red", "green"});
  ASSERT_TRUE(x.ok()) << x.error().message;
  EXPECT_FLOAT_EQ((*x)[1][0], 0.25f);
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::tflite
