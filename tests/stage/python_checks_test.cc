#include "autopilot/stage/python_checks.h"

#include <gtest/gtest.h>

#include <fstream>

#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

const char* kPython = "/usr/bin/python3";

TEST(PythonChecks, ImportedModules) {
  auto mods = ImportedModules("import numpy as np, os.path\nfrom sklearn.model_selection import x\n"
                              "from . import y\n  import json\n# import nothing\n");
  EXPECT_EQ(mods, (std::vector<std::string>{"json", "numpy", "os", "sklearn"}));
}

TEST(PythonChecks, SyntaxErrorHasItsLine) {
  exec::SandboxRunner runner;
  auto r = CheckPythonStatic("import os\nx = (1,\nprint(x\n", kPython, {"os"}, &runner);
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics[0].code, "static.syntax");
  ASSERT_TRUE(r.diagnostics[0].line.has_value());
  EXPECT_GE(*r.diagnostics[0].line, 2);
}

TEST(PythonChecks, ModulesOffTheAllowListAreRuntimeImport) {
  exec::SandboxRunner runner;
  auto r = CheckPythonStatic("import pandas\nimport ai_edge_litter\n", kPython, {"pandas", "numpy"}, &runner);
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "runtime.import");
  EXPECT_NE(r.diagnostics[0].message.find("ai_edge_litter"), std::string::npos);
  EXPECT_TRUE(CheckPythonStatic("import pandas\n", kPython, {"pandas"}, &runner).passed);
}

class RunScript : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = *util::MakeTempDir("ap-py-"); }
  void TearDown() override { util::RemoveTree(dir_); }
  validate::LayerResult Run(const std::string& code, double timeout = 20) {
    std::ofstream(dir_ + "/script.py") << code;
    exec::SandboxPolicy p;
    p.timeout_s = timeout;
    p.kill_grace_s = 0.2;
    return RunPythonScript("dp", dir_, "script.py", kPython, p, &runner_, &out_);
  }
  std::string dir_;
  exec::SandboxRunner runner_;
  exec::ProcessResult out_;
};

TEST_F(RunScript, SuccessWritesIntoTheWorkdir) {
  auto r = Run("open('out.txt', 'w').write('ok')\n");
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(*util::ReadFile(dir_ + "/out.txt"), "ok");
}

TEST_F(RunScript, ExceptionsMapToRuntimeCodesWithTheScriptLine) {
  auto r = Run("x = 1\nprint(np.zeros(3))\n");
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.diagnostics[0].code, "runtime.undefined_name");
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_NE(r.diagnostics[0].message.find("NameError"), std::string::npos);
  // Boundary rules: a template placeholder path is the placeholder, whatever open() raised.
  EXPECT_EQ(Run("open('/path/to/model.tflite')\n").diagnostics[0].code, "format.placeholder_left");
  EXPECT_EQ(Run("open('models/missing_model.tflite')\n").diagnostics[0].code, "runtime.file_not_found");
  EXPECT_EQ(Run("import no_such_module_xyz\n").diagnostics[0].code, "runtime.import");
  EXPECT_EQ(Run("a, b = [1, 2, 3]\n").diagnostics[0].code, "runtime.value_error");
}

TEST_F(RunScript, HangIsATimeout) {
  auto r = Run("while True:\n    pass\n", 1.0);
  ASSERT_FALSE(r.passed);
  EXPECT_EQ(r.diagnostics[0].code, "runtime.timeout");
}

}  // namespace
}  // namespace autopilot::stage
