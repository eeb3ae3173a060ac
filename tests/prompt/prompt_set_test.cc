// The shipped prompt formats: every format of a stage carries the same facts.

#include "autopilot/prompt/prompt_set.h"
#include "autopilot/util/files.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <set>

#include "autopilot/util/strings.h"

namespace autopilot::prompt {
namespace {

using nlohmann::json;

/// Facts of a stage with a unique sentinel for every leaf; `out` collects the sentinels.
/// `classes`: 0 none, 1 names, 2 names and emojis.
json Sentinels(const std::vector<std::string>& scalars, const std::vector<std::string>& lists,
               int classes_level, std::set<std::string>* out) {
  json facts = json::object();
  auto put = [&](const std::string& dotted, json value) {
    json* cur = &facts;
    std::string rest = dotted;
    size_t dot;
    while ((dot = rest.find('.')) != std::string::npos) {
      cur = &(*cur)[rest.substr(0, dot)];
      rest = rest.substr(dot + 1);
    }
    (*cur)[rest] = std::move(value);
  };
  for (const auto& s : scalars) {
    std::string v = "<<" + s + ">>";
    out->insert(v);
    put(s, v);
  }
  for (const auto& l : lists) {
    json arr = json::array();
    for (int i = 0; i < 2; ++i) {
      std::string v = "<<" + l + "#" + std::to_string(i) + ">>";
      out->insert(v);
      arr.push_back(v);
    }
    put(l, arr);
  }
  if (classes_level > 0) {
    json classes = json::array();
    for (int i = 0; i < 3; ++i) {
      std::string n = "<<class" + std::to_string(i) + ">>";
      std::string e = "<<emoji" + std::to_string(i) + ">>";
      out->insert(n);
      if (classes_level > 1) out->insert(e);
      classes.push_back({{"index", i}, {"name", n}, {"emoji", e}});
    }
    facts["classes"] = classes;
  }
  return facts;
}

struct StageFacts {
  std::vector<std::string> scalars;
  std::vector<std::string> lists;
  int classes;  ///< 0 none, 1 names, 2 names and emojis
};

/// psg and tpusg carry the same facts (stage/edge_facts.h); only the device's values differ.
StageFacts EdgeContract() {
  return {{"app.name", "app.description", "device.name", "device.runtime", "device.delegate",
           "model.path", "model.input.dtype", "model.input.shape", "model.input.height",
           "model.input.width", "model.input.scale", "model.input.zero_point", "model.outputs",
           "labels.path", "labels.count", "input.path", "input.description", "output.path",
           "output.description", "threshold", "python.modules"},
          {"labels.preview"},
          0};
}

const std::map<std::string, StageFacts>& Contract() {
  static const std::map<std::string, StageFacts> kContract = {
      {"sg",
       {{"app.name", "app.description", "board.name", "board.fqbn", "sensor.name",
         "sensor.library", "sensor.header", "sensor.object", "model.header", "model.symbol",
         "model.length_symbol", "model.input.dtype", "model.input.shape", "model.input.scale",
         "model.input.zero_point", "model.output.dtype", "model.output.shape",
         "model.output.scale", "model.output.zero_point", "model.arena_bytes", "tflm.library",
         "tflm.notes", "features.definition", "features.names", "inference.trigger",
         "serial.baud", "serial.report"},
        {"sensor.api", "sensor.notes", "sensor.others", "model.ops", "tflm.headers"},
        2}},
      {"dp",
       {{"app.name", "app.description", "dataset.path", "dataset.columns", "dataset.label",
         "dataset.summary", "features.definition", "features.names", "cleaning.rules",
         "split.test_fraction", "split.seed", "outputs.train", "outputs.test", "python.modules"},
        {},
        1}},
      {"psg", EdgeContract()},
      {"tpusg", EdgeContract()},
      {"mc",
       {{"app.name", "model.float_path", "model.output_path", "data.representative_path",
         "features.names", "data.rows", "io.input_dtype", "io.output_dtype", "profile.name",
         "profile.instructions", "budget.flash_kb"},
        {},
        0}},
  };
  return kContract;
}

PromptLibrary Library() {
  auto lib = PromptLibrary::Load(std::string(AUTOPILOT_SOURCE_DIR) + "/prompts");
  EXPECT_TRUE(lib.ok()) << (lib.ok() ? "" : lib.error().message);
  return std::move(lib).value();
}

TEST(PromptLibrary, EveryStageHasEveryFormat) {
  auto lib = Library();
  for (const auto& [stage, _] : Contract()) {
    for (const auto& f : KnownFormats()) EXPECT_TRUE(lib.Has(stage, f)) << stage << "/" << f;
  }
}

TEST(PromptLibrary, EveryFormatCarriesTheSameFacts) {
  auto lib = Library();
  for (const auto& [stage, c] : Contract()) {
    std::set<std::string> sentinels;
    json facts = Sentinels(c.scalars, c.lists, c.classes, &sentinels);
    for (const auto& f : KnownFormats()) {
      auto p = lib.RenderTask(stage, f, facts);
      ASSERT_TRUE(p.ok()) << stage << "/" << f << ": " << p.error().message;
      std::string all = p->system + p->user;
      for (const auto& s : sentinels) {
        EXPECT_NE(all.find(s), std::string::npos) << stage << "/" << f << " task lacks " << s;
      }
    }
  }
}

TEST(PromptLibrary, RepairPromptsKeepTheFactsAndCarryTheFeedbackTheirLevelAllows) {
  auto lib = Library();
  for (const auto& [stage, c] : Contract()) {
    std::set<std::string> sentinels;
    json facts = Sentinels(c.scalars, c.lists, c.classes, &sentinels);
    facts["repair"] = {{"attempt", 2},
                       {"layer", "<<layer>>"},
                       {"code", "<<code>>"},
                       {"diagnostics", json::array({"<<diag0>>", "<<diag1>>"})},
                       {"previous_code", "<<previous>>"},
                       {"repeated", true}};
    for (const auto& f : KnownFormats()) {
      auto p = lib.RenderRepair(stage, f, facts);
      ASSERT_TRUE(p.ok()) << stage << "/" << f << ": " << p.error().message;
      std::string all = p->system + p->user;
      for (const auto& s : sentinels) {
        EXPECT_NE(all.find(s), std::string::npos) << stage << "/" << f << " repair lacks " << s;
      }
      bool has_error = all.find("<<diag0>>") != std::string::npos &&
                       all.find("<<diag1>>") != std::string::npos &&
                       all.find("<<code>>") != std::string::npos;
      bool has_code = all.find("<<previous>>") != std::string::npos;
      if (f == "minimal") {  // the study's L1: no error feedback at all
        EXPECT_FALSE(has_error) << stage;
        EXPECT_FALSE(has_code) << stage;
      } else if (f == "outline") {  // L2: the error only
        EXPECT_TRUE(has_error) << stage;
        EXPECT_FALSE(has_code) << stage;
      } else {
        EXPECT_TRUE(has_error) << stage << "/" << f;
        EXPECT_TRUE(has_code) << stage << "/" << f;
      }
    }
  }
}

TEST(PromptLibrary, RepairPromptsSayWhenSecretsWereRedacted) {
  auto lib = Library();
  const std::string kSentence = "were replaced by ";
  for (const auto& [stage, c] : Contract()) {
    std::set<std::string> sentinels;
    json facts = Sentinels(c.scalars, c.lists, c.classes, &sentinels);
    facts["repair"] = {{"attempt", 1},
                       {"layer", "run"},
                       {"code", "runtime.value_error"},
                       {"diagnostics", json::array({"ValueError: [redacted:openai-key]"})},
                       {"previous_code", "print(1)"},
                       {"repeated", false}};
    for (const auto& f : KnownFormats()) {
      // Without the fact (or with false) the prompt is exactly what it was before redaction existed.
      auto absent = lib.RenderRepair(stage, f, facts);
      ASSERT_TRUE(absent.ok()) << stage << "/" << f << ": " << absent.error().message;
      json off = facts;
      off["repair"]["redacted"] = false;
      auto quiet = lib.RenderRepair(stage, f, off);
      ASSERT_TRUE(quiet.ok());
      EXPECT_EQ(quiet->user, absent->user) << stage << "/" << f;
      EXPECT_EQ(quiet->user.find(kSentence), std::string::npos) << stage << "/" << f;
      json on = facts;
      on["repair"]["redacted"] = true;
      auto told = lib.RenderRepair(stage, f, on);
      ASSERT_TRUE(told.ok());
      if (f == "minimal") {  // no feedback at all, so nothing quoted was redacted
        EXPECT_EQ(told->user, absent->user) << stage;
      } else {
        std::string lower = util::ToLower(told->user);
        EXPECT_NE(lower.find("values that looked like secrets were replaced by"), std::string::npos)
            << stage << "/" << f << ":\n" << told->user;
        EXPECT_NE(lower.find("[redacted:…]"), std::string::npos) << stage << "/" << f;
      }
    }
  }
}

TEST(PromptLibrary, MissingFactsAreReportedNotDropped) {
  auto lib = Library();
  auto p = lib.RenderTask("sg", "markdown", json{{"app", {{"name", "x"}}}});
  ASSERT_FALSE(p.ok());
  // The error names the template file that uses the fact: markdown has no system.txt of its own,
  // so it is the stage's shared one, with its line.
  EXPECT_NE(p.error().message.find("prompts/sg/system.txt:1:"), std::string::npos) << p.error().message;
}

TEST(PromptLibrary, AFormatsOwnSystemPromptWinsOverTheStagesShared) {
  auto dir = util::MakeTempDir("ap-prompts-");
  ASSERT_TRUE(dir.ok());
  const std::string root = *dir + "/prompts";
  for (const char* f : {"a", "b"}) {
    std::filesystem::create_directories(root + "/st/" + f);
    ASSERT_TRUE(util::WriteFileAtomic(root + "/st/" + f + "/task.txt", "task").ok());
    ASSERT_TRUE(util::WriteFileAtomic(root + "/st/" + f + "/repair.txt", "repair").ok());
  }
  ASSERT_TRUE(util::WriteFileAtomic(root + "/st/system.txt", "shared").ok());
  ASSERT_TRUE(util::WriteFileAtomic(root + "/st/b/system.txt", "own").ok());
  auto lib = PromptLibrary::Load(root);
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_EQ(lib->RenderTask("st", "a", json::object())->system, "shared");
  EXPECT_EQ(lib->RenderTask("st", "b", json::object())->system, "own");
  // Without the shared one, a format that lacks its own is an error naming the file.
  std::filesystem::remove(root + "/st/system.txt");
  auto missing = PromptLibrary::Load(root);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("st/a/system.txt"), std::string::npos) << missing.error().message;
  util::RemoveTree(*dir);
}

TEST(PromptLibrary, UnknownFormatAndMissingFolder) {
  auto lib = Library();
  EXPECT_FALSE(lib.RenderTask("sg", "haiku", json::object()).ok());
  EXPECT_FALSE(PromptLibrary::Load("/nonexistent/prompts").ok());
}

}  // namespace
}  // namespace autopilot::prompt
