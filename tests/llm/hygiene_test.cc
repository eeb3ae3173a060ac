// Think-block removal and repetition detection.

#include "autopilot/llm/hygiene.h"

#include <gtest/gtest.h>

namespace autopilot::llm {
namespace {

TEST(StripThink, RemovesBlocksAndKeepsThemAsReasoning) {
  auto a = StripThink("<think>\nWhich pin?\n</think>\n\nvoid setup() {}");
  EXPECT_EQ(a.text, "void setup() {}");
  EXPECT_EQ(a.reasoning, "\nWhich pin?\n");
  auto b = StripThink("x<think>1</think>y<think>2</think>z");
  EXPECT_EQ(b.text, "xyz");
  EXPECT_EQ(b.reasoning, "1\n2");
  auto open = StripThink("<think>cut while thinking");
  EXPECT_EQ(open.text, "");
  EXPECT_EQ(open.reasoning, "cut while thinking");
  auto template_opened = StripThink("reasoning only</think>answer");  // opening tag was in the prompt
  EXPECT_EQ(template_opened.text, "answer");
  EXPECT_EQ(template_opened.reasoning, "reasoning only");
  auto none = StripThink("  plain ");
  EXPECT_EQ(none.text, "  plain ");
  EXPECT_EQ(none.reasoning, "");
}

TEST(ThinkFilter, HidesThinkingAcrossEverySplit) {
  const std::string raw = "<think>plan <b> things</think>\nint x = 1 < 2;</thi";
  for (size_t cut = 0; cut <= raw.size(); ++cut) {
    ThinkFilter f;
    std::string out = f.Feed(raw.substr(0, cut));
    out += f.Feed(raw.substr(cut));
    out += f.Finish();
    EXPECT_EQ(out, "\nint x = 1 < 2;</thi") << cut;
  }
}

TEST(FindRepetition, CatchesLineAndPhraseLoops) {
  std::string lines = "void loop() {\n";
  for (int i = 0; i < 15; ++i) lines += "  Serial.println(value);\n  delay(100);\n";
  auto r = FindRepetition(lines);
  ASSERT_TRUE(r);
  EXPECT_GE(r->count, 12u);
  EXPECT_NE(r->unit.find("Serial.println"), std::string::npos);

  std::string phrase = "The answer is";
  for (int i = 0; i < 40; ++i) phrase += " the model the model";
  EXPECT_TRUE(FindRepetition(phrase));
}

TEST(FindRepetition, LeavesOrdinaryCodeAlone) {
  std::string code = "// ==========================================================================\n";
  for (int i = 0; i < 6; ++i) code += "  Serial.print(x);\n";  // a few repeats are normal
  code += "const float w[] = {0.1f, 0.2f, 0.3f, 0.1f, 0.2f, 0.3f};\n";
  code += std::string(200, '-') + "\n";  // a separator has no letters
  for (int i = 0; i < 30; ++i) code += "\n";
  for (int i = 0; i < 20; ++i) code += "  reading[" + std::to_string(i) + "] = analogRead(A0);\n";
  EXPECT_FALSE(FindRepetition(code));
  EXPECT_FALSE(FindRepetition(""));
}

}  // namespace
}  // namespace autopilot::llm
