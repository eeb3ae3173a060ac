#include "autopilot/board/sketch_preprocessor.h"

#include <gtest/gtest.h>

namespace autopilot::board {
namespace {

TEST(boardSketchPreprocessor, AddsArduinoHeaderPrototypesAndLineDirectives) {
  std::string ino =
      "#include \"model.h\"\n"
      "int counter = 0;\n"
      "void setup() {\n"
      "  helper(3);\n"
      "}\n"
      "void loop() {}\n"
      "static float helper(int x) { return x * 2.0f; }\n";
  PreprocessedSketch p = PreprocessSketch(ino, "/s/sketch.ino");
  EXPECT_EQ(p.cpp.rfind("#include <Arduino.h>\n#line 1 \"/s/sketch.ino\"\n", 0), 0u);
  ASSERT_EQ(p.functions.size(), 3u);
  EXPECT_EQ(p.functions[2].name, "helper");
  EXPECT_EQ(p.functions[2].line, 7);
  // Prototypes sit before the first function definition, each under a #line of that function.
  size_t proto = p.cpp.find("static float helper(int x);");
  ASSERT_NE(proto, std::string::npos);
  EXPECT_LT(proto, p.cpp.find("void setup() {"));
  EXPECT_GT(proto, p.cpp.find("int counter = 0;"));
  EXPECT_NE(p.cpp.find("#line 3 \"/s/sketch.ino\"\nvoid setup() {"), std::string::npos);
}

TEST(boardSketchPreprocessor, SkipsDeclaredFunctionsDefaultsMembersAndComments) {
  std::string ino =
      "void later(int a);\n"
      "struct S { int f() { return 1; } };\n"
      "// void commented() {}\n"
      "const char* s = \"void fake() {\";\n"
      "int S2::g() { return 2; }\n"
      "void later(int a) {}\n"
      "void withDefault(int a = 3) {}\n"
      "void loop() {}\n";
  PreprocessedSketch p = PreprocessSketch(ino, "x.ino");
  std::vector<std::string> names;
  for (const auto& f : p.functions) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"later", "withDefault", "loop"}));
  EXPECT_EQ(p.prototypes, (std::vector<std::string>{"void loop();"}));
}

TEST(boardSketchPreprocessor, FindsIncludesInOrderIgnoringComments) {
  auto inc = FindIncludes("#include <A.h>\n// #include <B.h>\n  # include \"model.h\"\n/* #include <C.h> */\n");
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0].header, "A.h");
  EXPECT_FALSE(inc[0].quoted);
  EXPECT_EQ(inc[1].header, "model.h");
  EXPECT_TRUE(inc[1].quoted);
  EXPECT_EQ(inc[1].line, 3);
}

}  // namespace
}  // namespace autopilot::board
