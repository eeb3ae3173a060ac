#include "autopilot/serve/store_view.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "viewer_store.h"

namespace autopilot::serve {
namespace {

using nlohmann::json;

class StoreViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("serve-view-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
    ASSERT_EQ(testing::WriteViewerStore(path_), "");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StoreViewTest, SummaryCountsCellsAndSweepsWithSuccessRates) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v) << v.error().message;
  auto doc = v->Summary({});
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_EQ((*doc)["cells"].size(), 2u);
  const json& m1 = (*doc)["cells"][0];
  EXPECT_EQ(m1["model"], "replay:m1");
  EXPECT_EQ(m1["passed"], 1);
  EXPECT_DOUBLE_EQ(m1["success_rate"].get<double>(), 1.0);
  const json& m2 = (*doc)["cells"][1];
  EXPECT_EQ(m2["running"], 1);
  EXPECT_TRUE(m2["success_rate"].is_null()) << "no finished run: no rate";
  ASSERT_EQ((*doc)["sweeps"].size(), 1u);
  EXPECT_EQ((*doc)["sweeps"][0]["runs"], 2);
  EXPECT_EQ((*doc)["options"]["codes"], json({"build.undeclared", "format.no_code"}));
}

TEST_F(StoreViewTest, FiltersNarrowByModelFormatAndTaxonomyId) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v);
  auto by_code = v->Summary({"", "", "", "build.undeclared"});
  ASSERT_TRUE(by_code);
  ASSERT_EQ((*by_code)["cells"].size(), 1u);
  EXPECT_EQ((*by_code)["cells"][0]["model"], "replay:m1");
  auto by_format = v->Summary({"", "prose", "", ""});
  ASSERT_TRUE(by_format);
  ASSERT_EQ((*by_format)["cells"].size(), 1u);
  EXPECT_EQ((*by_format)["cells"][0]["model"], "replay:m2");
  auto by_stage = v->Summary({"", "", "sg", ""});
  ASSERT_TRUE(by_stage);
  EXPECT_EQ((*by_stage)["cells"].size(), 2u);
  auto other_stage = v->Summary({"", "", "dp", ""});
  ASSERT_TRUE(other_stage);
  EXPECT_TRUE((*other_stage)["cells"].empty());
  auto none = v->Summary({"replay:m1", "prose", "", ""});
  ASSERT_TRUE(none);
  EXPECT_TRUE((*none)["cells"].empty());
}

TEST_F(StoreViewTest, CellListsItsRunsWithTokensAndFailureCodes) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v);
  auto doc = v->Cell({"replay:m1", "json", "sg", "deterministic", "", 0, 50});
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_EQ((*doc)["runs"].size(), 1u);
  const json& r = (*doc)["runs"][0];
  EXPECT_EQ(r["attempts"], 2);
  EXPECT_EQ(r["input_tokens"], 320);
  EXPECT_EQ(r["output_tokens"], 170);
  ASSERT_EQ((*doc)["failures"].size(), 1u);
  EXPECT_EQ((*doc)["failures"][0]["code"], "build.undeclared");
  auto other = v->Cell({"replay:m1", "json", "sg", "default", "", 0, 50});
  ASSERT_TRUE(other);
  EXPECT_TRUE((*other)["runs"].empty());
}

TEST_F(StoreViewTest, RunShowsAttemptsInOrderWithDiffDiagnosticsAndBoardEvidence) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v);
  auto doc = v->Run(1);
  ASSERT_TRUE(doc) << doc.error().message;
  const json& at = (*doc)["attempts"];
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0]["number"], 1);
  EXPECT_EQ(at[0]["prompt"]["user"], "Write the sketch <b>now</b>.");
  EXPECT_TRUE(at[0]["diff"].is_null()) << "the first attempt has nothing to compare with";
  ASSERT_EQ(at[0]["diagnostics"].size(), 1u);
  EXPECT_EQ(at[0]["diagnostics"][0]["code"], "build.undeclared");
  EXPECT_EQ(at[0]["diagnostics"][0]["line"], 2);
  EXPECT_EQ(at[0]["diagnostics"][0]["source"], "void loop() { foo(); }");
  EXPECT_EQ(at[0]["llm"]["total_ms"], 1500);
  EXPECT_EQ(at[1]["diff_against"], 1);
  json expected = json::array({{{"op", " "}, {"text", "void setup() {}"}},
                               {{"op", "-"}, {"text", "void loop() { foo(); }"}},
                               {{"op", "+"}, {"text", "void loop() { bar(); }"}}});
  EXPECT_EQ(at[1]["diff"], expected);
  EXPECT_NE(at[1]["serial"].get<std::string>().find("Prediction: <i>banana</i>"), std::string::npos);
  ASSERT_EQ(at[1]["samples"].size(), 2u);
  EXPECT_EQ(at[1]["samples"][1]["verdict"], "semantic.wrong_class");
  // Hostile bytes survive as text (the page escapes them); invalid UTF-8 is replaced on output.
  EXPECT_EQ(at[0]["reply"], testing::kHostileReply);
  std::string wire = doc->dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_NE(wire.find("\xEF\xBF\xBD"), std::string::npos);
  auto missing = v->Run(99);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "usage");
}

TEST_F(StoreViewTest, ProgressListsTheRunningRunAndItsLastAttempt) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v);
  auto doc = v->Progress();
  ASSERT_TRUE(doc);
  ASSERT_EQ((*doc)["running"].size(), 1u);
  EXPECT_EQ((*doc)["running"][0]["id"], 2);
  EXPECT_EQ((*doc)["running"][0]["last_attempt"], "sg 1: failed");
  EXPECT_EQ((*doc)["sweeps"][0]["running"], 1);
}

TEST_F(StoreViewTest, TheConnectionIsReadOnly) {
  auto v = StoreView::Open(path_);
  ASSERT_TRUE(v);
  auto write = v->db().Exec("DELETE FROM runs");
  EXPECT_FALSE(write) << "a viewer connection must refuse writes";
  EXPECT_EQ(*v->db().QueryInt("SELECT COUNT(*) FROM runs"), 2);
}

TEST_F(StoreViewTest, MissingOrForeignFilesAreNamedUsageErrors) {
  auto missing = StoreView::Open((dir_ / "none.db").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "usage");
  EXPECT_NE(missing.error().message.find("none.db"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db")) << "opening must never create a store";
  auto foreign = store::Database::Open((dir_ / "other.db").string(), true);
  ASSERT_TRUE(foreign);
  ASSERT_TRUE(foreign->Exec("CREATE TABLE t(x)"));
  auto other = StoreView::Open((dir_ / "other.db").string());
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not an autopilot run store"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::serve
