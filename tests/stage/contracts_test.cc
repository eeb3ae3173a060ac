// Function contracts: rendered from contracts/*.json with the project's facts, shown in every
// prompt format only when enabled (off leaves the prompt unchanged), reproducible test vectors,
// and the judge of each reference on results a driver could report.

#include "autopilot/stage/contracts.h"

#include <gtest/gtest.h>

#include <regex>

#include "autopilot/prompt/prompt_set.h"
#include "autopilot/prompt/template.h"
#include "autopilot/stage/facts.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;

class ContractsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = *util::MakeTempDir("ap-contracts-unit-");
    cfg_ = Project("int8");
    auto ref = BuildReference(cfg_, dir_ + "/ref");
    ASSERT_TRUE(ref.ok()) << ref.error().message;
    ref_ = *ref;
  }
  void TearDown() override { util::RemoveTree(dir_); }
  config::ProjectConfig Project(const std::string& dtype, const std::string& extra = "") {
    auto cfg = config::ParseProjectConfig(
        "version: 1\ncontracts: on\ndataset:\n  raw_csv: " + std::string(AUTOPILOT_SOURCE_DIR) +
            "/examples/fruit/data/fruit.csv\n  classes: [apple, banana, orange]\nmodel:\n  input_dtype: " + dtype +
            "\n  output_dtype: " + dtype + "\n" + extra,
        "p.yaml", dir_);
    EXPECT_TRUE(cfg.ok()) << cfg.error().message;
    return *cfg;
  }
  ContractInputs SgIn() const { return {ref_.int8_model, ref_.raw_csv, ""}; }
  static std::vector<std::string> Names(const ContractSet& s) {
    std::vector<std::string> n;
    for (const auto& f : s.functions) n.push_back(f.name);
    return n;
  }
  std::string dir_;
  config::ProjectConfig cfg_;
  ReferenceArtifacts ref_;
};

TEST_F(ContractsTest, SketchContractFollowsTheModelsTypes) {
  auto set = LoadContracts(cfg_, "sg", SgIn());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(Names(*set), (std::vector<std::string>{"compute_features", "argmax", "quantize", "dequantize"}));
  EXPECT_EQ(set->functions[2].signature, "int8_t quantize(float x, float scale, int zero_point)");
  EXPECT_EQ(set->functions[3].signature, "float dequantize(int8_t q, float scale, int zero_point)");
  EXPECT_NE(set->functions[0].doc.find("r_ratio, g_ratio, b_ratio"), std::string::npos) << set->functions[0].doc;
  EXPECT_NE(set->functions[2].doc.find("[-128, 127]"), std::string::npos) << set->functions[2].doc;
}

TEST_F(ContractsTest, FloatModelNeedsNoQuantizeOrDequantize) {
  auto cfg = Project("float32");
  auto ref = BuildReference(cfg, dir_ + "/ref-float");
  ASSERT_TRUE(ref.ok()) << ref.error().message;
  auto set = LoadContracts(cfg, "sg", {ref->int8_model, ref->raw_csv, ""});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(Names(*set), (std::vector<std::string>{"compute_features", "argmax"}));
}

/// The task template without its contracts section: what the prompt was before contracts.
std::string WithoutContractsSection(const std::string& text) {
  static const std::regex kSection(R"(\n?\{\{#contracts\}\}[\s\S]*?\{\{/contracts\}\}\n?)");
  std::string out = std::regex_replace(text, kSection, "\n");
  return out;
}

TEST_F(ContractsTest, EveryFormatShowsTheContractsOnlyWhenOn) {
  auto lib = prompt::PromptLibrary::LoadDefault();
  ASSERT_TRUE(lib.ok());
  struct StageFacts {
    std::string stage;
    json facts;
    ContractInputs in;
  };
  auto sg = SgFacts(cfg_, ref_.int8_model);
  ASSERT_TRUE(sg.ok());
  std::vector<StageFacts> stages = {{"dp", DpFacts(cfg_), {"", ref_.raw_csv, ""}},
                                    {"mc", McFacts(cfg_, 100), {"", "", ref_.train_csv}},
                                    {"sg", *sg, SgIn()}};
  for (auto& s : stages) {
    json on = s.facts;
    ASSERT_TRUE(AddContractFacts(cfg_, s.stage, s.in, &on).ok());
    auto set = LoadContracts(cfg_, s.stage, s.in);
    ASSERT_TRUE(set.ok());
    config::ProjectConfig off_cfg = cfg_;
    off_cfg.contracts.enabled = false;
    json off = s.facts;
    ASSERT_TRUE(AddContractFacts(off_cfg, s.stage, s.in, &off).ok());
    EXPECT_FALSE(off.contains("contracts"));
    for (const auto& f : prompt::KnownFormats()) {
      SCOPED_TRACE(s.stage + "/" + f);
      auto with = lib->RenderTask(s.stage, f, on);
      ASSERT_TRUE(with.ok()) << with.error().message;
      for (const auto& fn : set->functions) {
        EXPECT_NE(with->user.find(fn.signature), std::string::npos) << fn.signature << " missing from\n" << with->user;
      }
      // Off: byte for byte the template without its contracts section.
      auto without = lib->RenderTask(s.stage, f, off);
      ASSERT_TRUE(without.ok());
      if (f == "json") {
        // The section keeps a JSON prompt JSON (when it was: the sketch's report example quotes
        // inside a string, which no contract text does).
        auto parses = [](const std::string& u) { return !json::parse(u.substr(u.find('{')), nullptr, false).is_discarded(); };
        if (parses(without->user)) {
          EXPECT_TRUE(parses(with->user)) << with->user;
        }
      }
      auto raw = util::ReadFile(std::string(AUTOPILOT_SOURCE_DIR) + "/prompts/" + s.stage + "/" + f + "/task.txt");
      ASSERT_TRUE(raw.ok());
      auto plain = prompt::Render(WithoutContractsSection(*raw), off);
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(without->user, *plain);
      EXPECT_EQ(without->user.find("argmax"), std::string::npos);
    }
  }
}

TEST_F(ContractsTest, CasesAreReproducibleAndFollowTheSeed) {
  auto set = LoadContracts(cfg_, "sg", SgIn());
  ASSERT_TRUE(set.ok());
  auto a = MakeContractCases(cfg_, *set, SgIn());
  auto b = MakeContractCases(cfg_, *set, SgIn());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].args, (*b)[i].args);
  config::ProjectConfig other = cfg_;
  other.contracts.seed = 99;
  auto c = MakeContractCases(other, *set, SgIn());
  ASSERT_TRUE(c.ok());
  bool differs = false;
  for (size_t i = 0; i < a->size() && i < c->size(); ++i) differs = differs || (*a)[i].args != (*c)[i].args;
  EXPECT_TRUE(differs) << "another seed gives other random vectors";
  // Every function has edge cases and the random ones.
  for (const auto& fn : set->functions) {
    int n = 0;
    for (const auto& cs : *a) n += cs.function == fn.name;
    EXPECT_GE(n, 4 + (fn.name == "compute_features" ? 0 : 8)) << fn.name;
  }
}

TEST_F(ContractsTest, FeatureVectorsAreTheFeaturePipelines) {
  auto set = LoadContracts(cfg_, "sg", SgIn());
  auto cases = MakeContractCases(cfg_, *set, SgIn());
  ASSERT_TRUE(cases.ok());
  for (const auto& c : *cases) {
    if (c.function != "compute_features") continue;
    const auto raw = c.args["raw"];
    const double sum = raw[0].get<double>() + raw[1].get<double>() + raw[2].get<double>();
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(c.expected[i].get<double>(), raw[i].get<double>() / sum, 1e-9);
  }
}

const ContractFunction* Fn(const ContractSet& s, const std::string& name) {
  for (const auto& f : s.functions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST_F(ContractsTest, JudgeNamesTheFirstFailingCasesAndAcceptsEitherRoundingAtAHalf) {
  auto set = LoadContracts(cfg_, "sg", SgIn());
  const ContractFunction* q = Fn(*set, "quantize");
  ASSERT_NE(q, nullptr);
  ContractCase half{"quantize", "half", {{"x", 0.25}, {"scale", 0.5}, {"zero_point", 0}}, {{"q", 1}, {"alt", {0, 1}}}, "quantize(x=0.25, …)"};
  ContractCase plain{"quantize", "plain", {{"x", 1.0}, {"scale", 0.5}, {"zero_point", 0}}, {{"q", 2}}, "quantize(x=1, scale=0.5, zero_point=0)"};
  CaseResult zero{true, 0, nullptr, "", "", 0};
  CaseResult three{true, 3, nullptr, "", "", 0};
  auto o = JudgeFunction(*q, {&half, &plain}, {zero, three}, 3);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.failed, 1) << "0 is a correct rounding of 0.5";
  ASSERT_EQ(o.failures.size(), 1u);
  EXPECT_EQ(o.failures[0], "quantize(x=1, scale=0.5, zero_point=0): expected 2, got 3 [plain]");
  EXPECT_EQ(o.code, "ml.dtype_mismatch");
  // An exception is classified by its type, with the script's line.
  CaseResult raised{false, nullptr, nullptr, "ZeroDivisionError", "float division by zero", 12};
  auto e = JudgeFunction(*q, {&plain}, {raised}, 3);
  EXPECT_EQ(e.code, "runtime.value_error");
  EXPECT_NE(e.failures[0].find("raised ZeroDivisionError: float division by zero (line 12)"), std::string::npos) << e.failures[0];
  auto layer = UnitLayerResult(*set, {o}, "sketch.ino", 5);
  EXPECT_FALSE(layer.passed);
  ASSERT_EQ(layer.diagnostics.size(), 1u);
  EXPECT_EQ(layer.diagnostics[0].message.rfind("quantize fails 1 of 2 cases: ", 0), 0u) << layer.diagnostics[0].message;
  EXPECT_NE(layer.diagnostics[0].hint.find(q->signature), std::string::npos);
  ASSERT_EQ(layer.evidence.size(), 1u);
  EXPECT_EQ(layer.evidence[0].first, "contracts");
  EXPECT_EQ(json::parse(layer.evidence[0].second)[0]["function"], "quantize");
}

TEST_F(ContractsTest, DpCleanJudgeSaysWhichRowIsWrong) {
  auto set = LoadContracts(cfg_, "dp", {"", ref_.raw_csv, ""});
  ASSERT_TRUE(set.ok());
  const ContractFunction* clean = Fn(*set, "clean");
  ASSERT_NE(clean, nullptr);
  auto cases = MakeContractCases(cfg_, *set, {"", ref_.raw_csv, ""});
  ASSERT_TRUE(cases.ok());
  const ContractCase* c = nullptr;
  for (const auto& x : *cases) {
    if (x.function == "clean") c = &x;
  }
  ASSERT_NE(c, nullptr);
  // Returning the input unchanged keeps the dark, the far and the duplicate row.
  CaseResult same{true, c->args["df"], nullptr, "", "", 0};
  auto o = JudgeFunction(*clean, {c}, {same}, 3);
  EXPECT_FALSE(o.passed);
  ASSERT_FALSE(o.failures.empty());
  EXPECT_NE(o.failures[0].find("which the rules drop"), std::string::npos) << o.failures[0];
  EXPECT_NE(o.failures[0].find("clear=9"), std::string::npos) << o.failures[0];
  // The expected rows themselves pass, in any order.
  json rows = c->expected["rows"];
  std::reverse(rows.begin(), rows.end());
  CaseResult right{true, {{"$df", {{"columns", c->expected["columns"]}, {"rows", rows}}}}, nullptr, "", "", 0};
  EXPECT_TRUE(JudgeFunction(*clean, {c}, {right}, 3).passed);
}

}  // namespace
}  // namespace autopilot::stage
