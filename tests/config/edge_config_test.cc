// The project file's `edge:` section (the psg/tpusg stages): strict, errors name file:line.

#include <gtest/gtest.h>

#include <string>

#include "autopilot/config/project_config.h"
#include "autopilot/util/files.h"

namespace autopilot::config {
namespace {

class EdgeConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-edge-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    for (const char* f : {"detect.tflite", "labelmap.txt", "sheeps.mp4"}) {
      ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/" + f, "x").ok());
    }
  }
  void TearDown() override { util::RemoveTree(dir_); }
  Result<ProjectConfig> Parse(const std::string& edge) {
    return ParseProjectConfig("version: 1\nedge:\n" + edge, "p.yaml", dir_);
  }
  std::string dir_;
};

TEST_F(EdgeConfig, PlainPathsAndMappedPathsAreRead) {
  auto cfg = Parse(
      "  device: coral_dev_board\n"
      "  model: detect.tflite\n"
      "  labels: {file: labelmap.txt, as: /home/mendel/tinyml_autopilot/models/labelmap.txt}\n"
      "  input: sheeps.mp4\n"
      "  output: results/out.mp4\n"
      "  threshold: 0.4\n"
      "  validation_frames: 0\n");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const EdgeSettings& e = cfg->edge;
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.Stage(), "tpusg");
  EXPECT_EQ(e.model.file, dir_ + "/detect.tflite");
  EXPECT_EQ(e.model.as, "detect.tflite");
  EXPECT_EQ(e.labels.file, dir_ + "/labelmap.txt");
  EXPECT_EQ(e.labels.as, "/home/mendel/tinyml_autopilot/models/labelmap.txt");
  EXPECT_EQ(e.output.as, "results/out.mp4");  // need not exist: the script writes it
  EXPECT_DOUBLE_EQ(e.threshold, 0.4);
  EXPECT_EQ(e.validation_frames, 0);
}

TEST_F(EdgeConfig, AbsentSectionLeavesTheStagesOff) {
  auto cfg = ParseProjectConfig("version: 1\n", "p.yaml", dir_);
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->edge.present);
  EXPECT_EQ(cfg->edge.Stage(), "");
}

TEST_F(EdgeConfig, ErrorsNameFileLineAndKey) {
  auto cfg = Parse(
      "  device: jetson_nano\n"
      "  model: missing.tflite\n"
      "  labels: labelmap.txt\n"
      "  input: {file: sheeps.mp4}\n"
      "  output: /etc/out.mp4\n"
      "  threshold: 1.5\n"
      "  fps: 30\n");
  ASSERT_FALSE(cfg.ok());
  const std::string& m = cfg.error().message;
  EXPECT_EQ(cfg.error().code, "config");
  EXPECT_NE(m.find("p.yaml:3:"), std::string::npos) << m;  // device
  EXPECT_NE(m.find("raspberry_pi_4b"), std::string::npos) << m;
  EXPECT_NE(m.find("p.yaml:4:"), std::string::npos) << m;  // model
  EXPECT_NE(m.find("no such file"), std::string::npos) << m;
  EXPECT_NE(m.find("'edge.input.as'"), std::string::npos) << m;  // a mapping needs both keys
  EXPECT_NE(m.find("read-only system view"), std::string::npos) << m;
  EXPECT_NE(m.find("'edge.threshold'"), std::string::npos) << m;
  EXPECT_NE(m.find("'edge.fps'"), std::string::npos) << m;
}

TEST_F(EdgeConfig, RequiredFilesAndEscapingPathsAreRefused) {
  auto missing = Parse("  device: raspberry_pi_4b\n  model: detect.tflite\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("'edge.labels': is required"), std::string::npos)
      << missing.error().message;
  auto escape = Parse(
      "  device: raspberry_pi_4b\n  model: detect.tflite\n  labels: labelmap.txt\n  input: "
      "sheeps.mp4\n"
      "  output: {file: out.mp4, as: ../../out.mp4}\n");
  ASSERT_FALSE(escape.ok());
  EXPECT_NE(escape.error().message.find("leaves the script's folder"), std::string::npos)
      << escape.error().message;
}

}  // namespace
}  // namespace autopilot::config
