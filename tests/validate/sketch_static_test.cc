// The SG static layer: for every check, a small sketch that triggers it and one that passes.

#include "autopilot/validate/sketch_static.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "autopilot/board/model_header.h"
#include "autopilot/board/study_model.h"
#include "autopilot/tflite/model.h"

namespace autopilot::validate {
namespace {

// A correct classic sketch with a MicroMutableOpResolver; each test breaks one thing.
const char* kGood = R"(#include <TensorFlowLite.h>
#include "model.h"
#include <tensorflow/lite/micro/micro_mutable_op_resolver.h>
#include <tensorflow/lite/micro/micro_error_reporter.h>
#include <tensorflow/lite/micro/micro_interpreter.h>
#include <tensorflow/lite/schema/schema_generated.h>
#include <tensorflow/lite/version.h>
#include <Arduino_APDS9960.h>

tflite::MicroErrorReporter reporter;
tflite::MicroMutableOpResolver<2> resolver;
tflite::MicroInterpreter* interpreter = nullptr;
TfLiteTensor* input = nullptr;
alignas(16) uint8_t arena[8192];

void setup() {
  Serial.begin(9600);
  APDS.begin();
  const tflite::Model* m = tflite::GetModel(model);
  if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }
  resolver.AddFullyConnected();
  resolver.AddSoftmax();
  interpreter = new tflite::MicroInterpreter(m, resolver, arena, sizeof(arena), &reporter);
  if (interpreter->AllocateTensors() != kTfLiteOk) { while (1) delay(100); }
  input = interpreter->input(0);
}

void classify() {
  TfLiteTensor* out = interpreter->output(0);
  int best = 0;
  for (int i = 1; i < 3; i++) if (out->data.f[i] > out->data.f[best]) best = i;
  Serial.println(best);
}

void fill(TfLiteTensor* t, int r, int g, int b) {
  float sum = r + g + b;
  t->data.f[0] = r / sum; t->data.f[1] = g / sum; t->data.f[2] = b / sum;
}

void loop() {
  int r, g, b;
  if (!APDS.colorAvailable()) return;
  APDS.readColor(r, g, b);
  fill(input, r, g, b);
  if (interpreter->Invoke() == kTfLiteOk) classify();
}
)";

class validateSketchStatic : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = board::LoadProfile("harvard_tinymlx");
    ASSERT_TRUE(p.ok()) << p.error().message;
    profile_ = *p;
    auto bytes = tflite::SerializeModel(board::StudyEquivalentModel());
    ASSERT_TRUE(bytes.ok());
    auto f = ModelFactsFromHeader(board::ModelHeaderText(*bytes, "model", ""));
    ASSERT_TRUE(f.ok()) << f.error().message;
    facts_ = *f;
  }

  LayerResult Check(const std::string& sketch) {
    auto r = ValidateSketchStatic(sketch, facts_, profile_, "t.ino");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : LayerResult{};
  }

  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "fixture lacks: " << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
  }

  /// The one diagnostic whose message contains `needle` (fails when none or several match).
  static const Diagnostic* Find(const LayerResult& r, const std::string& needle) {
    const Diagnostic* found = nullptr;
    for (const auto& d : r.diagnostics) {
      if (d.message.find(needle) != std::string::npos) {
        EXPECT_EQ(found, nullptr) << "twice: " << needle;
        found = &d;
      }
    }
    return found;
  }

  static std::string All(const LayerResult& r) {
    std::string out;
    for (const auto& d : r.diagnostics) out += d.code + ": " + d.message + "\n";
    return out;
  }

  /// Breaking the sketch fires exactly this check, with this code.
  void ExpectOnly(const std::string& sketch, const std::string& needle, const std::string& code) {
    LayerResult r = Check(sketch);
    EXPECT_FALSE(r.passed);
    ASSERT_EQ(r.diagnostics.size(), 1u) << All(r);
    EXPECT_NE(r.diagnostics[0].message.find(needle), std::string::npos) << All(r);
    EXPECT_EQ(r.diagnostics[0].code, code);
    EXPECT_EQ(r.diagnostics[0].layer, "static");
    EXPECT_EQ(r.diagnostics[0].file, "t.ino");
  }

  board::Profile profile_;
  SketchModelFacts facts_;
};

TEST_F(validateSketchStatic, FactsComeFromTheModel) {
  EXPECT_EQ(facts_.symbol, "model");
  EXPECT_EQ(facts_.ops, (std::vector<std::string>{"FULLY_CONNECTED", "SOFTMAX"}));
}

TEST_F(validateSketchStatic, CorrectSketchPasses) {
  LayerResult r = Check(kGood);
  EXPECT_TRUE(r.passed) << All(r);
  EXPECT_TRUE(r.diagnostics.empty()) << All(r);
}

TEST_F(validateSketchStatic, MissingSetupOrLoop) {
  std::string no_loop = Replace(kGood, "void loop() {", "void step() {");
  LayerResult r = Check(no_loop);
  ASSERT_NE(Find(r, "no loop() function"), nullptr) << All(r);
  EXPECT_EQ(Find(r, "no loop() function")->code, "static.structure");
  EXPECT_EQ(Find(r, "no setup() function"), nullptr);
  LayerResult s = Check(Replace(kGood, "void setup() {", "void init_board() {"));
  ASSERT_NE(Find(s, "no setup() function"), nullptr) << All(s);
  EXPECT_EQ(Find(s, "no loop() function"), nullptr);
}

TEST_F(validateSketchStatic, ModelHeaderIncluded) {
  // The array declared by hand instead of included: still loaded, but model.h is not included.
  ExpectOnly(Replace(kGood, "#include \"model.h\"\n", "extern const unsigned char model[];\n"),
             "model.h is not included", "static.structure");
}

TEST_F(validateSketchStatic, ModelLoadedFromTheHeaderSymbol) {
  ExpectOnly(Replace(Replace(kGood, "  const tflite::Model* m = tflite::GetModel(model);\n", "  const tflite::Model* m = nullptr;\n"),
                     "if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }", ""),
             "never loaded", "static.structure");
  ExpectOnly(Replace(kGood, "tflite::GetModel(model)", "tflite::GetModel(arena)"),
             "not given the model array", "static.structure");
}

TEST_F(validateSketchStatic, VersionChecked) {
  ExpectOnly(Replace(kGood, "if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }", ""),
             "schema version is never checked", "static.structure");
  ExpectOnly(Replace(kGood, "m->version() != TFLITE_SCHEMA_VERSION", "m->version() != 2"),
             "not compared with TFLITE_SCHEMA_VERSION", "static.structure");
  // Guarded by #ifdef without version.h: the check never compiles in (classic API).
  std::string guarded = Replace(kGood, "#include <tensorflow/lite/version.h>\n", "");
  guarded = Replace(guarded, "  if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }\n",
                    "#ifdef TFLITE_SCHEMA_VERSION\n  if (m->version() != TFLITE_SCHEMA_VERSION) { while (1) delay(100); }\n#endif\n");
  ExpectOnly(guarded, "compiled out", "static.structure");
}

TEST_F(validateSketchStatic, AllocateTensorsChecked) {
  ExpectOnly(Replace(kGood, "if (interpreter->AllocateTensors() != kTfLiteOk) { while (1) delay(100); }",
                     "interpreter->AllocateTensors();"),
             "is ignored", "static.structure");
  ExpectOnly(Replace(kGood, "if (interpreter->AllocateTensors() != kTfLiteOk) { while (1) delay(100); }", ""),
             "never called", "static.structure");
  ExpectOnly(Replace(kGood, "if (interpreter->AllocateTensors() != kTfLiteOk) { while (1) delay(100); }",
                     "TfLiteStatus st = interpreter->AllocateTensors();"),
             "stored but never checked", "static.structure");
  // Stored and then tested is fine.
  LayerResult ok = Check(Replace(kGood, "if (interpreter->AllocateTensors() != kTfLiteOk) { while (1) delay(100); }",
                                 "TfLiteStatus st = interpreter->AllocateTensors();\n  if (st != kTfLiteOk) return;"));
  EXPECT_TRUE(ok.passed) << All(ok);
}

TEST_F(validateSketchStatic, InvokeReachableFromLoop) {
  // Invoke only in setup(): the model runs once, never per reading.
  std::string once = Replace(kGood, "  if (interpreter->Invoke() == kTfLiteOk) classify();\n", "  classify();\n");
  once = Replace(once, "  input = interpreter->input(0);\n", "  input = interpreter->input(0);\n  interpreter->Invoke();\n");
  ExpectOnly(once, "not reachable from loop() (called only from setup())", "static.structure");
  ExpectOnly(Replace(kGood, "if (interpreter->Invoke() == kTfLiteOk) classify();", "classify();"),
             "never called", "static.structure");
  // Through a helper loop() calls: reachable.
  std::string helper = Replace(kGood, "  if (interpreter->Invoke() == kTfLiteOk) classify();\n", "  run_model();\n");
  helper = Replace(helper, "void loop() {", "void run_model() { if (interpreter->Invoke() == kTfLiteOk) classify(); }\n\nvoid loop() {");
  LayerResult r = Check(helper);
  EXPECT_TRUE(r.passed) << All(r);
}

TEST_F(validateSketchStatic, InputWritten) {
  ExpectOnly(Replace(kGood, "  fill(input, r, g, b);\n", ""), "input tensor is never written", "static.structure");
  // Written through a pointer into the tensor's data: fine.
  LayerResult r = Check(Replace(kGood, "  fill(input, r, g, b);\n",
                                "  float* x = interpreter->typed_input_tensor<float>(0);\n  x[0] = r; x[1] = g; x[2] = b;\n"));
  EXPECT_TRUE(r.passed) << All(r);
}

TEST_F(validateSketchStatic, OutputRead) {
  ExpectOnly(Replace(kGood, "for (int i = 1; i < 3; i++) if (out->data.f[i] > out->data.f[best]) best = i;", "(void)out;"),
             "output tensor is never read", "static.structure");
  // Reading the input back is not reading the output.
  ExpectOnly(Replace(kGood, "TfLiteTensor* out = interpreter->output(0);", "TfLiteTensor* out = input;"),
             "output tensor is never read", "static.structure");
}

TEST_F(validateSketchStatic, ResolverCoversTheModelsOps) {
  ExpectOnly(Replace(kGood, "  resolver.AddSoftmax();\n", ""), "SOFTMAX", "ml.op_unsupported");
  ExpectOnly(Replace(kGood, "MicroMutableOpResolver<2>", "MicroMutableOpResolver<1>"), "holds 1 ops but 2", "ml.op_unsupported");
  // AllOpsResolver covers every op.
  std::string all = Replace(kGood, "#include <tensorflow/lite/micro/micro_mutable_op_resolver.h>",
                            "#include <tensorflow/lite/micro/all_ops_resolver.h>");
  all = Replace(all, "tflite::MicroMutableOpResolver<2> resolver;", "tflite::AllOpsResolver resolver;");
  all = Replace(Replace(all, "  resolver.AddFullyConnected();\n", ""), "  resolver.AddSoftmax();\n", "");
  LayerResult r = Check(all);
  EXPECT_TRUE(r.passed) << All(r);
}

TEST_F(validateSketchStatic, SketchThatDoesNotCompileIsLeftToTheBuildLayer) {
  LayerResult r = Check(Replace(kGood, "#include <Arduino_APDS9960.h>", "#include <Adafruit_APDS9960.h>"));
  EXPECT_TRUE(r.passed);
  ASSERT_EQ(r.diagnostics.size(), 1u) << All(r);
  EXPECT_EQ(r.diagnostics[0].code, "build.missing_header");
  EXPECT_NE(r.diagnostics[0].message.find("skipped"), std::string::npos);
}

TEST_F(validateSketchStatic, ModernPortUnderTflmArduino) {
  auto p = board::LoadProfile("tflm_arduino");
  ASSERT_TRUE(p.ok());
  std::string modern = Replace(kGood, "#include <tensorflow/lite/micro/micro_error_reporter.h>\n",
                               "#include <tensorflow/lite/micro/micro_log.h>\n");
  modern = Replace(modern, "#include <tensorflow/lite/version.h>\n", "");
  modern = Replace(modern, "tflite::MicroErrorReporter reporter;\n", "");
  modern = Replace(modern, ", &reporter)", ")");
  auto r = ValidateSketchStatic(modern, facts_, *p, "t.ino");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed) << All(*r);
  // The classic sketch does not even parse there: left to the build layer.
  auto c = ValidateSketchStatic(kGood, facts_, *p, "t.ino");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->diagnostics.size(), 1u);
  EXPECT_EQ(c->diagnostics[0].code, "build.missing_header");
}

TEST(validateResolverMethods, MapToBuiltinOps) {
  EXPECT_EQ(OpForResolverMethod("AddFullyConnected"), "FULLY_CONNECTED");
  EXPECT_EQ(OpForResolverMethod("AddSoftmax"), "SOFTMAX");
  EXPECT_EQ(OpForResolverMethod("AddConv2D"), "CONV_2D");
  EXPECT_EQ(OpForResolverMethod("AddDepthwiseConv2D"), "DEPTHWISE_CONV_2D");
  EXPECT_EQ(OpForResolverMethod("AddResizeNearestNeighbor"), "RESIZE_NEAREST_NEIGHBOR");
  EXPECT_EQ(OpForResolverMethod("AddRelu6"), "RELU6");
  EXPECT_EQ(OpForResolverMethod("AddCustom"), "");
}

}  // namespace
}  // namespace autopilot::validate
