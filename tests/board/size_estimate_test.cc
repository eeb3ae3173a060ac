// The Cortex-M4F size estimate: arm-none-eabi-g++ over the sketch with the board SDK headers.

#include "autopilot/board/size_estimate.h"

#include <gtest/gtest.h>

#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/exec/which.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {

TEST(boardSizeEstimate, ParsesBerkeleySizeRows) {
  auto s = ParseBerkeleySize("   text\t   data\t    bss\t    dec\t    hex\tfilename\n"
                             "   1200\t     16\t   8200\t   9416\t   24c8\ta.o\n"
                             "    100\t      4\t      0\t    104\t     68\tb.o\n");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->text, 1300);
  EXPECT_EQ(s->data, 20);
  EXPECT_EQ(s->bss, 8200);
  EXPECT_FALSE(ParseBerkeleySize("arm-none-eabi-size: 'x.o': No such file").ok());
}

const char* kSketch = R"(#include <TensorFlowLite.h>
#include <tensorflow/lite/micro/all_ops_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <Arduino_APDS9960.h>
#include "model.h"

tflite::MicroErrorReporter reporter;
tflite::AllOpsResolver resolver;
tflite::MicroInterpreter* interpreter = nullptr;
constexpr int kTensorArenaSize = ARENA_KB * 1024;
alignas(16) uint8_t tensor_arena[kTensorArenaSize];

void setup() {
  Serial.begin(9600);
  APDS.begin();
  static tflite::MicroInterpreter in(tflite::GetModel(model), resolver, tensor_arena, kTensorArenaSize, &reporter);
  interpreter = &in;
  interpreter->AllocateTensors();
}

void loop() {
  interpreter->Invoke();
  Serial.println(interpreter->output(0)->data.f[0]);
}
)";

class boardSizeEstimateCross : public ::testing::Test {
 protected:
  void SetUp() override {
    if (exec::Which("arm-none-eabi-g++").empty()) GTEST_SKIP() << "gcc-arm-none-eabi not installed (scripts/bootstrap)";
    auto p = LoadProfile("harvard_tinymlx");
    ASSERT_TRUE(p.ok()) << p.error().message;
    profile_ = *p;
    auto b = LoadBoard("nano33ble_sense");
    ASSERT_TRUE(b.ok());
    board_ = *b;
    auto tmp = util::MakeTempDir("size-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
    auto bytes = tflite::SerializeModel(StudyEquivalentModel());
    ASSERT_TRUE(bytes.ok());
    model_bytes_ = static_cast<int64_t>(bytes->size());
    header_ = dir_ + "/model.h";
    ASSERT_TRUE(util::WriteFileAtomic(header_, ModelHeaderText(*bytes, "model", "")).ok());
  }
  void TearDown() override {
    if (!dir_.empty()) util::RemoveTree(dir_);
  }
  Result<SizeEstimate> Estimate(int arena_kb) {
    std::string src = std::string("#define ARENA_KB ") + std::to_string(arena_kb) + "\n" + kSketch;
    std::string path = dir_ + "/sketch" + std::to_string(arena_kb) + ".ino";
    EXPECT_TRUE(util::WriteFileAtomic(path, src).ok());
    exec::SandboxRunner runner;
    return EstimateSize(profile_, board_, path, header_, &runner);
  }
  Profile profile_;
  BoardSpec board_;
  std::string dir_, header_;
  int64_t model_bytes_ = 0;
};

TEST_F(boardSizeEstimateCross, CountsTheModelInFlashAndTheArenaInRam) {
  auto e = Estimate(8);
  ASSERT_TRUE(e.ok()) << e.error().message;
  ASSERT_TRUE(e->compiled) << (e->diagnostics.empty() ? "" : e->diagnostics[0].message);
  EXPECT_EQ(e->code, "");
  EXPECT_EQ(e->model_bytes, model_bytes_);
  EXPECT_EQ(e->arena_bytes, 8 * 1024);
  EXPECT_GE(e->flash_bytes, model_bytes_);
  EXPECT_GE(e->ram_bytes, 8 * 1024);
  EXPECT_EQ(e->max_flash_bytes, 983040);
  EXPECT_EQ(e->max_ram_bytes, 262144);
  EXPECT_EQ(e->Summary().rfind("estimate: flash ", 0), 0u) << e->Summary();
}

TEST_F(boardSizeEstimateCross, ArenaOverRamIsMemoryOverflow) {
  auto e = Estimate(300);
  ASSERT_TRUE(e.ok()) << e.error().message;
  ASSERT_TRUE(e->compiled);
  EXPECT_EQ(e->code, "build.memory_overflow");
  EXPECT_GE(e->ram_bytes, 300 * 1024);
  ASSERT_FALSE(e->diagnostics.empty());
  EXPECT_NE(e->diagnostics[0].message.find("262144"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::board
