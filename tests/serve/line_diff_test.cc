#include "autopilot/serve/line_diff.h"

#include <gtest/gtest.h>

namespace autopilot::serve {
namespace {

std::string Render(const std::vector<DiffLine>& d) {
  std::string out;
  for (const auto& l : d) out += std::string(1, l.op) + l.text + "\n";
  return out;
}

TEST(LineDiff, KeepsCommonLinesAndMarksTheChangedOne) {
  auto d = LineDiff("a\nb\nc\n", "a\nB\nc\n");
  EXPECT_EQ(Render(d), " a\n-b\n+B\n c\n");
}

TEST(LineDiff, InsertionsAndDeletionsInTheMiddleAreMinimal) {
  auto d = LineDiff("1\n2\n3\n4\n5\n", "1\n3\n4\nx\n5\n");
  EXPECT_EQ(Render(d), " 1\n-2\n 3\n 4\n+x\n 5\n");
}

TEST(LineDiff, EmptySidesAndCrLf) {
  EXPECT_EQ(Render(LineDiff("", "a\nb")), "+a\n+b\n");
  EXPECT_EQ(Render(LineDiff("a\r\nb\r\n", "")), "-a\n-b\n");
  EXPECT_EQ(Render(LineDiff("a\r\nb\n", "a\nb\r\n")), " a\n b\n");
  EXPECT_TRUE(LineDiff("", "").empty());
}

TEST(LineDiff, HugeMiddlesAreReportedAsReplacedWithinTheCellBound) {
  std::string a, b;
  for (int i = 0; i < 50; ++i) {
    a += "old" + std::to_string(i) + "\n";
    b += "new" + std::to_string(i) + "\n";
  }
  auto d = LineDiff("head\n" + a + "tail\n", "head\n" + b + "tail\n", /*max_cells=*/100);
  ASSERT_EQ(d.size(), 102u);
  EXPECT_EQ(d.front(), (DiffLine{' ', "head"}));
  EXPECT_EQ(d[1].op, '-');
  EXPECT_EQ(d[51].op, '+');
  EXPECT_EQ(d.back(), (DiffLine{' ', "tail"}));
}

}  // namespace
}  // namespace autopilot::serve
