#include "autopilot/prompt/template.h"

#include <gtest/gtest.h>

namespace autopilot::prompt {
namespace {

using nlohmann::json;

TEST(Template, VariablesDottedNamesAndNumbers) {
  json d = {{"a", "x"}, {"m", {{"shape", "[1,3]"}, {"scale", 0.5}}}};
  auto r = Render("{{a}} {{ m.shape }} {{m.scale}}", d);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "x [1,3] 0.5");
}

TEST(Template, SectionsIterateListsAndInvertedSectionsShowWhenEmpty) {
  json d = {{"classes", json::array({{{"i", 0}, {"n", "apple"}}, {{"i", 1}, {"n", "pear"}}})},
            {"ops", json::array({"AddFullyConnected()", "AddSoftmax()"})},
            {"none", json::array()}};
  auto r = Render("{{#classes}}{{i}}={{n}};{{/classes}} {{#ops}}[{{.}}]{{/ops}}{{^none}} empty{{/none}}", d);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "0=apple;1=pear; [AddFullyConnected()][AddSoftmax()] empty");
}

TEST(Template, BooleanSectionsAndOuterLookupInsideSections) {
  json d = {{"repeated", true}, {"who", "model"}, {"items", json::array({{{"x", 1}}})}};
  auto r = Render("{{#repeated}}again {{who}}{{/repeated}}|{{#items}}{{x}}{{who}}{{/items}}", d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "again model|1model");
  EXPECT_EQ(*Render("{{#repeated}}x{{/repeated}}", json{{"repeated", false}}), "");
}

TEST(Template, StandaloneSectionLinesLeaveNoBlankLines) {
  json d = {{"l", json::array({"a", "b"})}};
  auto r = Render("head\n{{#l}}\n- {{.}}\n{{/l}}\ntail\n", d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "head\n- a\n- b\ntail\n");
}

TEST(Template, MissingFactIsAnErrorWithItsLine) {
  auto r = Render("line one\n{{model.symbol}}\n", json::object(), "sg/json/task.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("sg/json/task.txt:2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("model.symbol"), std::string::npos);
}

TEST(Template, UnclosedSectionIsAnError) {
  EXPECT_FALSE(Render("{{#a}}x", json{{"a", true}}).ok());
  EXPECT_FALSE(Render("x{{/a}}", json{{"a", true}}).ok());
}

TEST(Template, CommentsAndBracesInTextSurvive) {
  auto r = Render("{{! note }}{\"k\": {{v}}}", json{{"v", 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\"k\": 1}");
}

TEST(Template, ReferencedNames) {
  auto names = ReferencedNames("{{a}} {{#b}}{{c}}{{/b}} {{^d}}{{/d}} {{.}}");
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace autopilot::prompt
