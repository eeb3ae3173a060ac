#include "autopilot/config/project_config.h"

#include <gtest/gtest.h>

namespace autopilot::config {
namespace {

TEST(ProjectConfig, ReadsEverySectionIntoTypedSettings) {
  auto cfg = ParseProjectConfig(R"(version: 1
application:
  name: fruit
  description: classify fruit by colour
paths:
  store: runs/store.db
  work_dir: /abs/work
python:
  interpreter: /opt/py/bin/python3
llm:
  model: ollama:qwen2.5-coder:32b
  preset: deterministic
  num_ctx: 8192
sandbox:
  timeout_s: 30.5
  memory_mb: 512
  allow_network: yes
  max_output_kb: 64
)",
                                "autopilot.yaml", "/proj");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->application.name, "fruit");
  EXPECT_EQ(cfg->store, "/proj/runs/store.db");
  EXPECT_EQ(cfg->work_dir, "/abs/work");
  EXPECT_EQ(cfg->python, "/opt/py/bin/python3");
  EXPECT_EQ(cfg->llm.model, "ollama:qwen2.5-coder:32b");
  EXPECT_EQ(cfg->llm.preset, "deterministic");
  EXPECT_EQ(cfg->llm.num_ctx, 8192);
  EXPECT_DOUBLE_EQ(cfg->sandbox.timeout_s, 30.5);
  EXPECT_EQ(cfg->sandbox.memory_mb, 512);
  EXPECT_TRUE(cfg->sandbox.allow_network);
  auto policy = cfg->sandbox.ToPolicy();
  EXPECT_FALSE(policy.isolate_network);
  EXPECT_EQ(policy.max_output_bytes, 64u * 1024);
}

TEST(ProjectConfig, DefaultsApplyForWhatIsLeftOut) {
  auto cfg = ParseProjectConfig("version: 1\n", "a.yaml", "/p");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->python, "/usr/bin/python3");
  EXPECT_EQ(cfg->store, "/p/.autopilot/runs.db");
  EXPECT_FALSE(cfg->sandbox.allow_network);
}

TEST(ProjectConfig, UnknownKeyIsAnErrorWithPositionAndSuggestion) {
  auto cfg = ParseProjectConfig("version: 1\nsandbox:\n  timout_s: 3\n", "proj.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().code, "config");
  EXPECT_NE(cfg.error().message.find("proj.yaml:3:3: 'sandbox.timout_s': unknown setting"),
            std::string::npos)
      << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("did you mean 'timeout_s'"), std::string::npos);
}

TEST(ProjectConfig, UnknownTopLevelSection) {
  auto cfg = ParseProjectConfig("version: 1\nllms:\n  model: x:y\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("p.yaml:2:1: 'llms': unknown setting (did you mean 'llm'?)"),
            std::string::npos)
      << cfg.error().message;
}

TEST(ProjectConfig, TypeErrorsNameTheValuePosition) {
  auto cfg = ParseProjectConfig("version: 1\nsandbox:\n  memory_mb: lots\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("p.yaml:3:14: 'sandbox.memory_mb': expected an integer, got 'lots'"),
            std::string::npos)
      << cfg.error().message;
}

TEST(ProjectConfig, RangeAndEnumErrors) {
  auto cfg = ParseProjectConfig(
      "version: 1\nsandbox:\n  timeout_s: -1\nllm:\n  preset: determinstic\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find("p.yaml:3:14: 'sandbox.timeout_s': value -1 is out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("'llm.preset': got 'determinstic'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'deterministic'"), std::string::npos) << m;
}

TEST(ProjectConfig, AllProblemsAreReportedAtOnce) {
  auto cfg = ParseProjectConfig("version: 1\na: 1\nb: 2\nsandbox:\n  c: 3\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find("'a'"), std::string::npos);
  EXPECT_NE(m.find("'b'"), std::string::npos);
  EXPECT_NE(m.find("'sandbox.c'"), std::string::npos);
}

TEST(ProjectConfig, DuplicateKeysAreErrors) {
  auto cfg = ParseProjectConfig("version: 1\nsandbox:\n  memory_mb: 1\n  memory_mb: 2\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("p.yaml:4:3: 'sandbox.memory_mb': key appears more than once"),
            std::string::npos)
      << cfg.error().message;
}

TEST(ProjectConfig, SyntaxErrorsHaveAPosition) {
  auto cfg = ParseProjectConfig("version: 1\nsandbox: [1, 2\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("p.yaml:"), std::string::npos);
  EXPECT_NE(cfg.error().message.find("YAML syntax error"), std::string::npos) << cfg.error().message;
}

TEST(ProjectConfig, MissingVersionAndWrongShapes) {
  auto cfg = ParseProjectConfig("sandbox: 5\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find("'version': required setting is missing"), std::string::npos) << m;
  EXPECT_NE(m.find("'sandbox': expected a mapping"), std::string::npos) << m;
}

TEST(ProjectConfig, EmptyFileAndBadModelSpec) {
  EXPECT_FALSE(ParseProjectConfig("", "p.yaml", "/p").ok());
  auto cfg = ParseProjectConfig("version: 1\nllm:\n  model: gpt4o\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("PROVIDER:MODEL"), std::string::npos);
}

TEST(ProjectConfig, UnsupportedVersion) {
  auto cfg = ParseProjectConfig("version: 2\n", "p.yaml", "/p");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("p.yaml:1:10: 'version'"), std::string::npos) << cfg.error().message;
}

TEST(ProjectConfig, MissingFileIsNamed) {
  auto cfg = LoadProjectConfig("/nonexistent/autopilot.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("/nonexistent/autopilot.yaml"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::config

namespace autopilot::config {
namespace {

TEST(ProjectConfig, PipelineSectionsAreRead) {
  auto cfg = ParseProjectConfig(R"(version: 1
prompt:
  format: outline
dataset:
  raw_csv: data/fruit.csv
  label: fruit
  classes: [apple, banana, orange]
  features:
    kind: ratio
    columns: [red, green, blue]
    names: [r, g, b]
  cleaning: {min_clear: 20, max_proximity: 5, drop_duplicates: false}
  split: {test_fraction: 0.25, seed: 7}
board:
  profile: tflm_arduino
model:
  input_dtype: uint8
  hidden: [16, 8]
  mc_profile: tensorflow
budgets:
  attempts: {sg: 8}
  max_cost_usd: 2.5
)",
                                "p.yaml", "/proj");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->prompt_format, "outline");
  EXPECT_EQ(cfg->dataset.raw_csv, "/proj/data/fruit.csv");
  EXPECT_EQ(cfg->dataset.classes, (std::vector<std::string>{"apple", "banana", "orange"}));
  EXPECT_EQ(cfg->dataset.feature_names, (std::vector<std::string>{"r", "g", "b"}));
  EXPECT_EQ(cfg->dataset.min_clear, 20);
  EXPECT_FALSE(cfg->dataset.drop_duplicates);
  EXPECT_DOUBLE_EQ(cfg->dataset.test_fraction, 0.25);
  EXPECT_EQ(cfg->board.profile, "tflm_arduino");
  EXPECT_EQ(cfg->model.input_dtype, "uint8");
  EXPECT_EQ(cfg->model.hidden, (std::vector<int64_t>{16, 8}));
  EXPECT_EQ(cfg->budgets.attempts_sg, 8);
  EXPECT_EQ(cfg->budgets.attempts_dp, 5);
  EXPECT_DOUBLE_EQ(cfg->budgets.max_cost_usd, 2.5);
}

TEST(ProjectConfig, PipelineSectionErrors) {
  auto cfg = ParseProjectConfig(R"(version: 1
dataset:
  features:
    columns: [red, green]
    names: [r]
model:
  hidden: [8, zero]
  input_dtype: int4
budgets:
  attempts: {sg: 0}
)",
                                "p.yaml", "/proj");
  ASSERT_FALSE(cfg.ok());
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find("'dataset.features': 'columns' and 'names' must have the same length"), std::string::npos) << m;
  EXPECT_NE(m.find("'model.hidden'"), std::string::npos) << m;
  EXPECT_NE(m.find("'model.input_dtype': got 'int4'"), std::string::npos) << m;
  EXPECT_NE(m.find("'budgets.attempts.sg': value 0 is out of range"), std::string::npos) << m;
}

}  // namespace
}  // namespace autopilot::config

namespace autopilot::config {
namespace {

TEST(ProjectConfig, BoardToolchainAndArduinoCli) {
  auto def = ParseProjectConfig("version: 1\n", "p.yaml", "/proj");
  ASSERT_TRUE(def.ok()) << def.error().message;
  EXPECT_EQ(def->board.toolchain, "virtual");
  EXPECT_EQ(def->board.arduino_cli, "");
  auto cfg = ParseProjectConfig("version: 1\nboard:\n  toolchain: arduino-cli\n  arduino_cli: tools/arduino-cli\n",
                                "p.yaml", "/proj");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ(cfg->board.toolchain, "arduino-cli");
  EXPECT_EQ(cfg->board.arduino_cli, "/proj/tools/arduino-cli");  // a path: relative to the project
  auto bare = ParseProjectConfig("version: 1\nboard:\n  arduino_cli: arduino-cli\n", "p.yaml", "/proj");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->board.arduino_cli, "arduino-cli");  // a bare name: looked up on PATH
  auto bad = ParseProjectConfig("version: 1\nboard:\n  toolchain: platformio\n", "p.yaml", "/proj");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("p.yaml:3"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("arduino-cli"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace autopilot::config
