// The SDK name index behind the toolchain-aware rules, on small headers and on the real
// profiles under board/: the same compiler error is build.undeclared with a library that ships
// the name and build.api_mismatch with one that does not.

#include "autopilot/taxonomy/toolchain.h"

#include <gtest/gtest.h>

#include "autopilot/taxonomy/classifier.h"

namespace autopilot::taxonomy {
namespace {

TEST(ToolchainIndex, RecordsNamesWithTheirScope) {
  ToolchainIndex index;
  index.AddHeaderText(R"(
#define TF_LITE_ENSURE(x) x
// class NotDeclared {};
namespace tflite {
class ErrorReporter;
class MicroErrorReporter : public ErrorReporter {
 public:
  int Report(const char* format, va_list args) override;
  static const char* kName;
};
template <unsigned int tOpCount>
class MicroMutableOpResolver { public: TfLiteStatus AddSoftmax() { return kTfLiteOk; } };
namespace ops { namespace micro { TfLiteRegistration* Register_SOFTMAX(); } }
typedef int (*ReportFn)(const char*);
using Handle = int;
}  // namespace tflite
extern "C" {
typedef struct TfLiteTensor { int type; } TfLiteTensor;
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
}
struct Model FLATBUFFERS_FINAL_CLASS : private Table { int version() const; };
)");
  EXPECT_TRUE(index.Declares("MicroErrorReporter", "tflite"));
  EXPECT_TRUE(index.Declares("MicroErrorReporter", ""));
  EXPECT_FALSE(index.Declares("MicroErrorReporter", "tflite::ops::micro"));
  EXPECT_TRUE(index.Declares("Report", "tflite::MicroErrorReporter"));
  EXPECT_TRUE(index.Declares("kName", "tflite::MicroErrorReporter"));
  EXPECT_TRUE(index.Declares("MicroMutableOpResolver", "tflite"));
  EXPECT_TRUE(index.Declares("AddSoftmax", "tflite::MicroMutableOpResolver"));
  EXPECT_TRUE(index.Declares("Register_SOFTMAX", "tflite::ops::micro"));
  EXPECT_TRUE(index.Declares("ReportFn", "tflite"));
  EXPECT_TRUE(index.Declares("Handle", "tflite"));
  EXPECT_TRUE(index.Declares("TfLiteTensor", "::"));
  EXPECT_TRUE(index.Declares("kTfLiteOk", ""));
  EXPECT_TRUE(index.Declares("TfLiteStatus", ""));
  EXPECT_TRUE(index.Declares("TF_LITE_ENSURE", ""));
  EXPECT_TRUE(index.Declares("Model", "::"));
  EXPECT_TRUE(index.Declares("version", "Model"));
  EXPECT_FALSE(index.Declares("NotDeclared", ""));
  EXPECT_FALSE(index.Declares("Interpreter", "tflite"));
  EXPECT_FALSE(index.Declares("format", ""));  // a parameter is no declaration
  EXPECT_TRUE(index.HasScope("tflite::ops::micro"));
  EXPECT_TRUE(index.HasScope("::tflite"));
  EXPECT_FALSE(index.HasScope("tflite::micro"));
}

TEST(ToolchainIndex, NameInCompilerError) {
  auto n = NameInCompilerError("'MicroErrorReporter' in namespace 'tflite' does not name a type");
  EXPECT_EQ(n.name, "MicroErrorReporter");
  EXPECT_EQ(n.scope, "tflite");
  n = NameInCompilerError("'tflite::MicroErrorReporter' has not been declared");
  EXPECT_EQ(n.name, "MicroErrorReporter");
  EXPECT_EQ(n.scope, "tflite");
  n = NameInCompilerError("'AllOpsResolver' is not a member of 'tflite::ops::micro'");
  EXPECT_EQ(n.name, "AllOpsResolver");
  EXPECT_EQ(n.scope, "tflite::ops::micro");
  n = NameInCompilerError("'g_model' was not declared in this scope; did you mean 'model'?");
  EXPECT_EQ(n.name, "g_model");
  EXPECT_EQ(n.scope, "");
  n = NameInCompilerError("'MicroMutableOpResolver<5>' does not name a type");
  EXPECT_EQ(n.name, "MicroMutableOpResolver");
  n = NameInCompilerError("use of undeclared identifier 'TfLiteModel'");
  EXPECT_EQ(n.name, "TfLiteModel");
  EXPECT_TRUE(NameInCompilerError("expected ';' before '}' token").name.empty());
}

// The two real profiles differ exactly where the boundary rules say the verdict differs.
TEST(ToolchainIndex, RealProfilesDecideTheBoundary) {
  auto harvard = ProfileIncludeDirs("harvard_tinymlx");
  ASSERT_TRUE(harvard.ok()) << harvard.error().message;
  auto current = ProfileIncludeDirs("tflm_arduino");
  ASSERT_TRUE(current.ok()) << current.error().message;
  ToolchainIndex classic = ToolchainIndex::FromHeaders("harvard_tinymlx", *harvard);
  ToolchainIndex port = ToolchainIndex::FromHeaders("tflm_arduino", *current);
  EXPECT_GT(classic.files(), 10u);
  EXPECT_TRUE(classic.Declares("MicroErrorReporter", "tflite"));
  EXPECT_FALSE(port.Declares("MicroErrorReporter", "tflite"));
  EXPECT_TRUE(classic.Declares("AllOpsResolver", "tflite"));
  EXPECT_FALSE(port.Declares("AllOpsResolver", "tflite"));
  for (const auto* index : {&classic, &port}) {
    EXPECT_TRUE(index->Declares("MicroInterpreter", "tflite")) << index->profile();
    EXPECT_TRUE(index->Declares("TfLiteTensor", "")) << index->profile();
    EXPECT_FALSE(index->Declares("TfLiteModel", "")) << index->profile();      // TFLite C API
    EXPECT_FALSE(index->Declares("Interpreter", "tflite")) << index->profile();  // full TFLite
    EXPECT_TRUE(index->Declares("APDS", "")) << index->profile();                // the board's sensor
  }
}

TEST(ToolchainIndex, TheClassifierAsksTheProfileItIsGiven) {
  auto c = Classifier::FromFile(AUTOPILOT_RULES_FILE);
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->LoadToolchain("harvard_tinymlx").ok());
  ASSERT_TRUE(c->LoadToolchain("tflm_arduino").ok());
  FailureInput in;
  in.stage = "sg";
  in.text = "/tmp/s/sketch.ino:7:9: error: 'MicroErrorReporter' in namespace 'tflite' does not "
            "name a type\n static tflite::MicroErrorReporter reporter;\n";
  in.profile = "harvard_tinymlx";
  Verdict v = c->Classify(in);
  EXPECT_EQ(v.primary, Category::kBuildUndeclared);
  EXPECT_EQ(v.rule, "cc.sdk_name_not_visible");
  EXPECT_EQ(v.profile, "harvard_tinymlx");
  EXPECT_NE(v.evidence.find("harvard_tinymlx declares tflite::MicroErrorReporter"), std::string::npos)
      << v.evidence;
  in.profile = "tflm_arduino";
  v = c->Classify(in);
  EXPECT_EQ(v.primary, Category::kBuildApiMismatch);
  EXPECT_EQ(v.rule, "cc.sdk_member_absent");
  EXPECT_NE(v.evidence.find("tflm_arduino does not declare"), std::string::npos) << v.evidence;
  // No profile named: sg falls back to its usual one (rules.yaml stage_profiles).
  in.profile.clear();
  EXPECT_EQ(c->ProfileFor(in), "harvard_tinymlx");
  EXPECT_EQ(c->Classify(in).primary, Category::kBuildUndeclared);
  EXPECT_FALSE(c->LoadToolchain("no_such_profile").ok());
}

}  // namespace
}  // namespace autopilot::taxonomy
