// Cutting failure texts into views: wrappers, first compiler error, final exception.

#include "autopilot/taxonomy/evidence.h"

#include <gtest/gtest.h>

namespace autopilot::taxonomy {
namespace {

EvidenceBuilder& Builder() {
  static EvidenceBuilder builder({R"(Max \d+ attempts exceeded\.\s*Last error from code execution:)",
                                  R"(Max retries reached with (?:failure|error)\.\s*Last error:)"});
  return builder;
}

Evidence Build(const std::string& text, const std::string& stage = "") {
  FailureInput in;
  in.stage = stage;
  in.text = text;
  return Builder().Build(in);
}

TEST(Evidence, StripsTheRetryWrapperAndKeepsIt) {
  auto ev = Build("Max 5 attempts exceeded. Last error from code execution: /x/a.ino:3:1: error: "
                  "'tflite' does not name a type\n tflite::Model* m;\n ^~~~~~\n");
  EXPECT_EQ(ev.wrapper, "Max 5 attempts exceeded. Last error from code execution:");
  EXPECT_EQ(ev.compiler_error, "'tflite' does not name a type");
  EXPECT_EQ(ev.compiler_error_source, "tflite::Model* m;");
}

TEST(Evidence, FirstCompilerErrorIsTheFirstCause) {
  auto ev = Build(
      "/tmp/s/s.ino:9:7: error: conflicting declaration 'const tflite::Model* model'\n"
      " const tflite::Model* model = nullptr;\n"
      "In file included from /tmp/s/s.ino:2:0:\n"
      "/tmp/s/model.h:1:22: note: previous declaration as 'const unsigned char model []'\n"
      "/tmp/s/s.ino:20:30: error: 'g_model' was not declared in this scope\n"
      "Error during build: exit status 1\n");
  EXPECT_EQ(ev.compiler_error, "conflicting declaration 'const tflite::Model* model'");
  ASSERT_EQ(ev.compiler_errors.size(), 2u);
  EXPECT_EQ(ev.compiler_errors[1], "'g_model' was not declared in this scope");
  EXPECT_TRUE(ev.exception_type.empty());
}

TEST(Evidence, PathsWithColonsAndFatalErrors) {
  auto ev = Build("/home/u/compiling_qwen2.5-coder:32b/x.ino:4:10: fatal error: "
                  "Arduino_TensorFlowLite.h: No such file or directory\n");
  EXPECT_EQ(ev.compiler_error, "Arduino_TensorFlowLite.h: No such file or directory");
}

TEST(Evidence, StructuredDiagnosticsWinOverText) {
  FailureInput in;
  in.text = "a.ino:1:1: error: from text";
  in.diagnostics.push_back({"a.ino", 3, 1, "warning", "unused variable"});
  in.diagnostics.push_back({"a.ino", 4, 2, "error", "from diagnostics"});
  auto ev = Builder().Build(in);
  EXPECT_EQ(ev.compiler_error, "from diagnostics");
}

TEST(Evidence, FinalPythonExceptionAndOffendingLine) {
  auto ev = Build(
      "Traceback (most recent call last):\n"
      "  File \"/x/pandas/core/indexes/base.py\", line 3805, in get_loc\n"
      "KeyError: 'Red'\n"
      "\n"
      "The above exception was the direct cause of the following exception:\n"
      "\n"
      "Traceback (most recent call last):\n"
      "  File \"/tmp/dp.py\", line 17, in augment\n"
      "    red = row['Red']\n"
      "  File \"/x/pandas/core/series.py\", line 1121, in __getitem__\n"
      "    return self._get_value(key)\n"
      "KeyError: 'Fruit'\n");
  EXPECT_EQ(ev.exception_type, "KeyError");
  EXPECT_EQ(ev.exception_message, "'Fruit'");
  EXPECT_EQ(ev.offending_line, "return self._get_value(key)");
  EXPECT_NE(ev.traceback.find("red = row['Red']"), std::string::npos);
  EXPECT_EQ(ev.traceback.find("base.py"), std::string::npos) << "only the last traceback";
}

TEST(Evidence, DottedExceptionTypesAndCaretLines) {
  auto ev = Build("  File \"s.py\", line 4\n    from google Coral import x\n           ^\n"
                  "SyntaxError: invalid syntax.\n");
  EXPECT_EQ(ev.exception_short, "SyntaxError");
  EXPECT_EQ(ev.offending_line, "from google Coral import x");
  auto cv = Build("Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n"
                  "    img = cv2.resize(img, size)\n"
                  "cv2.error: OpenCV(4.10.0) resize.cpp:4152: error: (-215:Assertion failed) "
                  "!ssize.empty() in function 'resize'\n");
  EXPECT_EQ(cv.exception_type, "cv2.error");
  EXPECT_EQ(cv.exception_short, "error");
  EXPECT_TRUE(cv.compiler_errors.empty()) << "an OpenCV exception is not a compiler error";
  auto sk = Build("sklearn.utils._param_validation.InvalidParameterError: The 'n' parameter\n");
  EXPECT_EQ(sk.exception_short, "InvalidParameterError");
}

TEST(Evidence, LogLinesAreNotExceptions) {
  auto ev = Build("qt.qpa.xcb: could not connect to display\nError during build: exit status 1\n"
                  "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n");
  EXPECT_TRUE(ev.exception_type.empty());
  EXPECT_EQ(ev.first_line, "qt.qpa.xcb: could not connect to display");
}

TEST(Evidence, BadWrapperRegexIsReported) {
  EvidenceBuilder bad({"(unclosed"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("(unclosed"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::taxonomy
