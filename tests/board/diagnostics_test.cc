#include "autopilot/board/diagnostics.h"

#include <gtest/gtest.h>

namespace autopilot::board {
namespace {

TEST(boardDiagnostics, ParsesLocatedMessagesWithCodes) {
  std::string out =
      "/w/s.ino: In function 'void setup()':\n"
      "/w/s.ino:12:5: error: 'g_model' was not declared in this scope\n"
      "/w/s.ino:12:5: note: suggested alternative: 'model'\n"
      "/w/s.ino:3:10: fatal error: Adafruit_APDS9960.h: No such file or directory\n"
      "/w/s.ino:7:1: warning: unused variable 'x' [-Wunused-variable]\n";
  auto d = ParseCompilerOutput(out);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].file, "/w/s.ino");
  EXPECT_EQ(d[0].line, 12);
  EXPECT_EQ(d[0].column, 5);
  EXPECT_EQ(d[0].severity, "error");
  EXPECT_EQ(d[0].code, "build.undeclared");
  EXPECT_EQ(d[1].severity, "note");
  EXPECT_EQ(d[1].code, "");
  EXPECT_EQ(d[2].code, "build.missing_header");
  EXPECT_EQ(d[3].severity, "warning");
}

TEST(boardDiagnostics, MapsCommonGccMessagesToTaxonomy) {
  EXPECT_EQ(ClassifyBuildMessage("'tflite' does not name a type; did you mean 'write'?"), "build.undeclared");
  EXPECT_EQ(ClassifyBuildMessage("'class APDS9960' has no member named 'enableColor'"), "build.api_mismatch");
  EXPECT_EQ(ClassifyBuildMessage("'MicroErrorReporter' in namespace 'tflite' does not name a type"), "build.api_mismatch");
  EXPECT_EQ(ClassifyBuildMessage("'AllOpsResolver' is not a member of 'tflite::ops::micro'"), "build.api_mismatch");
  EXPECT_EQ(ClassifyBuildMessage("conflicting declaration 'const tflite::Model* model'"), "build.redeclaration");
  EXPECT_EQ(ClassifyBuildMessage("reference to 'model' is ambiguous"), "build.redeclaration");
  EXPECT_EQ(ClassifyBuildMessage("expected unqualified-id before 'if'"), "build.toplevel_statement");
  EXPECT_EQ(ClassifyBuildMessage("invalid conversion from 'const unsigned char*' to 'int'"), "build.type_error");
  EXPECT_EQ(ClassifyBuildMessage("no matching function for call to 'tflite::MicroInterpreter::MicroInterpreter(...)'"), "build.api_mismatch");
}

TEST(boardDiagnostics, LinkerErrors) {
  auto d = ParseCompilerOutput("/usr/bin/ld: /tmp/x.o: in function `setup':\n"
                               "x.cpp:(.text+0x5): undefined reference to `foo()'\n"
                               "collect2: error: ld returned 1 exit status\n");
  ASSERT_GE(d.size(), 1u);
  EXPECT_EQ(d[0].code, "build.link");
}

}  // namespace
}  // namespace autopilot::board
