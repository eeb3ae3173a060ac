// Every code each stage's validator chain can emit, triggered by a small hand-written artifact
// under tests/data/codes/<stage>/, and a passing artifact per stage. An artifact goes through the
// same layers `autopilot validate` runs: the format layer (a .md file is a raw LLM reply to
// extract from; .py/.ino are code as is), then stage::DpChain / McChain / SgChain against the
// fruit project's reference artifacts. The test asserts the FIRST failing layer and its FIRST
// diagnostic's code — the code the attempt loop records and the repair prompt names.
//
// The table of codes, layers and tests is docs/validator_codes.md; keep the two in step.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/files.h"

namespace autopilot::stage {
namespace {

const std::string kSource = AUTOPILOT_SOURCE_DIR;
const std::string kData = kSource + "/tests/data/codes";

/// One row of the table: an artifact and the code (and layer) it must fail with; an empty code
/// means it must pass every layer.
struct Case {
  const char* name;    ///< test name suffix
  const char* file;    ///< relative to tests/data/codes (or to the source dir when it starts with '/')
  const char* layer;   ///< the first failing layer ("" when it passes)
  const char* code;    ///< its first diagnostic's code ("" when it passes)
  // Project overrides a case needs (0/"" = the fruit project's own value).
  double timeout_s = 0;
  const char* io_dtype = "";
  int64_t flash_kb = 0;
  bool needs_missing_tensorflow = false;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

/// The fruit project and its reference artifacts, built once per process (each ctest entry is
/// its own process, so every case pays for one BuildReference, ~a second).
class Env {
 public:
  static Env& Get() {
    static Env env;
    return env;
  }
  const config::ProjectConfig& cfg() const { return cfg_; }
  const ReferenceArtifacts& ref() const { return ref_; }
  const std::string& error() const { return error_; }

 private:
  Env() {
    auto cfg = config::LoadProjectConfig(kSource + "/examples/fruit/autopilot.yaml");
    if (!cfg) {
      error_ = cfg.error().message;
      return;
    }
    cfg_ = *cfg;
    auto dir = util::MakeTempDir("autopilot-codes-test-");
    if (!dir) {
      error_ = dir.error().message;
      return;
    }
    dir_ = *dir;
    auto ref = BuildReference(cfg_, dir_ + "/reference");
    if (!ref) {
      error_ = ref.error().message;
      return;
    }
    ref_ = *ref;
  }
  ~Env() {
    if (!dir_.empty()) util::RemoveTree(dir_);
  }
  config::ProjectConfig cfg_;
  ReferenceArtifacts ref_;
  std::string dir_;
  std::string error_;
};

bool TensorflowInstalled(const std::string& python) {
  std::string cmd = python + " -c 'import tensorflow' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

std::string Describe(const std::vector<validate::LayerResult>& layers) {
  std::string s;
  for (const auto& l : layers) {
    s += l.layer + (l.passed ? ": pass\n" : ": FAIL\n");
    for (const auto& d : l.diagnostics) {
      s += "  " + d.code + ": " + (d.line ? d.file + ":" + std::to_string(*d.line) + ": " : "") + d.message + "\n";
    }
  }
  return s;
}

/// Runs `c` through the format layer and the stage's chain, as `autopilot validate` does.
void Check(const std::string& stage, const Case& c) {
  Env& env = Env::Get();
  ASSERT_TRUE(env.error().empty()) << env.error();
  config::ProjectConfig cfg = env.cfg();
  if (c.timeout_s > 0) {
    cfg.sandbox.timeout_s = c.timeout_s;
    cfg.sandbox.kill_grace_s = 0.2;
  }
  if (*c.io_dtype) cfg.model.input_dtype = cfg.model.output_dtype = c.io_dtype;
  if (c.flash_kb > 0) cfg.model.flash_kb = c.flash_kb;
  if (c.needs_missing_tensorflow && TensorflowInstalled(cfg.python)) {
    GTEST_SKIP() << "TensorFlow is installed here, so importing it does not fail";
  }
  std::string path = c.file[0] == '/' ? kSource + c.file : kData + "/" + c.file;
  auto text = util::ReadFile(path);
  ASSERT_TRUE(text) << path << ": " << text.error().message;

  const auto& ref = env.ref();
  exec::SandboxRunner runner;
  std::string code;
  extract::Lang lang = stage == "sg" ? extract::Lang::kCpp : extract::Lang::kPython;
  std::vector<validate::LayerResult> layers{FormatLayerForFile(*text, path, lang, &code)};
  if (layers[0].passed) {
    auto rest = stage == "dp"   ? DpChain(cfg, ref.raw_csv, code, &runner)
                : stage == "mc" ? McChain(cfg, {ref.float_model, ref.train_csv, ref.test_csv}, code, &runner)
                                : SgChain(cfg, {ref.int8_model, "", ref.scenario_csv, ref.raw_csv}, code, &runner);
    layers.insert(layers.end(), rest.begin(), rest.end());
  }
  const validate::LayerResult* failing = nullptr;
  for (const auto& l : layers) {
    if (!l.passed) {
      failing = &l;
      break;
    }
  }
  if (*c.code == '\0') {
    EXPECT_EQ(failing, nullptr) << Describe(layers);
    EXPECT_EQ(layers.back().layer, "semantic") << Describe(layers);
    return;
  }
  ASSERT_NE(failing, nullptr) << "expected " << c.code << "\n" << Describe(layers);
  ASSERT_FALSE(failing->diagnostics.empty()) << Describe(layers);
  EXPECT_EQ(failing->layer, c.layer) << Describe(layers);
  EXPECT_EQ(failing->diagnostics.front().code, c.code) << Describe(layers);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

// ---------------------------------------------------------------------------------------------
// DP: the script runs next to raw.csv and must write train.csv and test.csv.

const Case kDp[] = {
    {"pass_reference_reply", "/examples/fruit/session/dp-2.md", "", ""},
    {"pass_script", "dp/pass.py", "", ""},
    // format
    {"format_no_code", "dp/format.no_code.md", "format", "format.no_code"},
    {"format_refusal", "dp/format.refusal.md", "format", "format.refusal"},
    {"format_multiple_candidates", "dp/format.multiple_candidates.md", "format", "format.multiple_candidates"},
    {"format_truncated", "dp/format.truncated.md", "format", "format.truncated"},
    {"format_placeholder_left", "dp/format.placeholder_left.py", "format", "format.placeholder_left"},
    // static
    {"static_syntax", "dp/static.syntax.py", "static", "static.syntax"},
    {"static_syntax_outside_function", "dp/static.syntax-return.py", "static", "static.syntax"},
    {"static_runtime_import", "dp/runtime.import-static.py", "static", "runtime.import"},
    // run
    {"run_runtime_import", "dp/runtime.import.py", "run", "runtime.import"},
    {"run_runtime_undefined_name", "dp/runtime.undefined_name.py", "run", "runtime.undefined_name"},
    {"run_runtime_file_not_found", "dp/runtime.file_not_found.py", "run", "runtime.file_not_found"},
    {"run_runtime_api_misuse", "dp/runtime.api_misuse.py", "run", "runtime.api_misuse"},
    {"run_runtime_value_error", "dp/runtime.value_error.py", "run", "runtime.value_error"},
    {"run_runtime_crash", "dp/runtime.crash.py", "run", "runtime.crash"},
    {"run_runtime_timeout", "dp/runtime.timeout.py", "run", "runtime.timeout", 1.5},
    {"run_runtime_resource_limit", "dp/runtime.resource_limit.py", "run", "runtime.resource_limit"},
    {"run_runtime_device_unavailable", "dp/runtime.device_unavailable.py", "run", "runtime.device_unavailable"},
    {"run_data_schema", "dp/data.schema-run.py", "run", "data.schema"},
    {"run_data_input_format", "dp/data.input_format.py", "run", "data.input_format"},
    {"run_format_placeholder_left", "dp/format.placeholder_left-run.py", "run", "format.placeholder_left"},
    // semantic
    {"semantic_artifact_missing", "dp/semantic.artifact_missing.py", "semantic", "semantic.artifact_missing"},
    {"semantic_artifact_invalid", "dp/semantic.artifact_invalid.py", "semantic", "semantic.artifact_invalid"},
    {"semantic_artifact_invalid_maths", "dp/semantic.artifact_invalid-maths.py", "semantic", "semantic.artifact_invalid"},
    {"semantic_data_leakage", "dp/semantic.data_leakage.py", "semantic", "semantic.data_leakage"},
    {"semantic_data_schema", "dp/data.schema.py", "semantic", "data.schema"},
};

class DpCodes : public ::testing::TestWithParam<Case> {};
TEST_P(DpCodes, FirstFailingCode) { Check("dp", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Dp, DpCodes, ::testing::ValuesIn(kDp), CaseName);

// ---------------------------------------------------------------------------------------------
// DP two-step, step 1: the JSON plan (extraction as JSON, then DpPlanCheck as the static layer).

struct PlanCase {
  const char* name;
  const char* file;
  const char* code;  ///< "" = passes
};
std::ostream& operator<<(std::ostream& os, const PlanCase& c) { return os << c.name; }

const PlanCase kDpPlan[] = {
    {"pass_plan", "dp_plan/pass.md", ""},
    {"static_structured_invalid_trailing_comma", "dp_plan/format.structured_invalid.md", "format.structured_invalid"},
    {"static_structured_invalid_wrong_keys", "dp_plan/format.structured_invalid-keys.md", "format.structured_invalid"},
};

class DpPlanCodes : public ::testing::TestWithParam<PlanCase> {};
TEST_P(DpPlanCodes, FirstFailingCode) {
  const PlanCase& c = GetParam();
  auto text = util::ReadFile(kData + "/" + c.file);
  ASSERT_TRUE(text) << c.file;
  auto ex = extract::Extract(*text, extract::Lang::kJson);
  ASSERT_TRUE(ex.ok) << ex.error_code << ": " << ex.message;
  std::vector<DpOperation> plan;
  auto layer = DpPlanCheck(ex.code, &plan);
  if (*c.code == '\0') {
    EXPECT_TRUE(layer.passed) << Describe({layer});
    EXPECT_EQ(plan.size(), 3u);
    return;
  }
  ASSERT_FALSE(layer.passed);
  ASSERT_FALSE(layer.diagnostics.empty());
  EXPECT_EQ(layer.layer, "static");
  EXPECT_EQ(layer.diagnostics.front().code, c.code) << Describe({layer});
}
INSTANTIATE_TEST_SUITE_P(DpPlan, DpPlanCodes, ::testing::ValuesIn(kDpPlan),
                         [](const ::testing::TestParamInfo<PlanCase>& i) { return std::string(i.param.name); });

// ---------------------------------------------------------------------------------------------
// MC: the script runs next to float_model.tflite, representative.csv and autopilot_tflite.py and
// must write model_int8.tflite.

const Case kMc[] = {
    {"pass_reference_script", "/examples/fruit/mc_portable.py", "", ""},
    {"pass_reference_reply", "/examples/fruit/session/mc-2.md", "", ""},
    // format
    {"format_no_code", "mc/format.no_code.md", "format", "format.no_code"},
    {"format_multiple_candidates", "mc/format.multiple_candidates.md", "format", "format.multiple_candidates"},
    {"format_truncated", "mc/format.truncated.md", "format", "format.truncated"},
    {"format_placeholder_left", "mc/format.placeholder_left.py", "format", "format.placeholder_left"},
    // static
    {"static_syntax", "mc/static.syntax.py", "static", "static.syntax"},
    {"static_runtime_import", "mc/runtime.import-static.py", "static", "runtime.import"},
    // run
    {"run_env_toolchain_missing", "mc/env.toolchain_missing.py", "run", "env.toolchain_missing", 0, "", 0, true},
    {"run_runtime_api_misuse", "mc/runtime.api_misuse.py", "run", "runtime.api_misuse"},
    {"run_runtime_undefined_name", "mc/runtime.undefined_name.py", "run", "runtime.undefined_name"},
    {"run_runtime_file_not_found", "mc/runtime.file_not_found.py", "run", "runtime.file_not_found"},
    {"run_runtime_value_error", "mc/runtime.value_error.py", "run", "runtime.value_error"},
    {"run_ml_conversion_config", "mc/ml.conversion_config-run.py", "run", "ml.conversion_config"},
    {"run_runtime_timeout", "mc/runtime.timeout.py", "run", "runtime.timeout", 1.5},
    // semantic
    {"semantic_artifact_missing", "mc/semantic.artifact_missing.py", "semantic", "semantic.artifact_missing"},
    {"semantic_ml_schema_mismatch", "mc/ml.schema_mismatch.py", "semantic", "ml.schema_mismatch"},
    {"semantic_ml_conversion_config", "mc/ml.conversion_config.py", "semantic", "ml.conversion_config"},
    {"semantic_ml_not_quantized", "mc/ml.not_quantized.py", "semantic", "ml.not_quantized", 0, "float32"},
    {"semantic_ml_accuracy_degraded", "mc/ml.accuracy_degraded.py", "semantic", "ml.accuracy_degraded"},
    {"semantic_build_memory_overflow", "mc/build.memory_overflow.py", "semantic", "build.memory_overflow", 0, "", 8},
};

class McCodes : public ::testing::TestWithParam<Case> {};
TEST_P(McCodes, FirstFailingCode) { Check("mc", GetParam()); }
INSTANTIATE_TEST_SUITE_P(Mc, McCodes, ::testing::ValuesIn(kMc), CaseName);

// ---------------------------------------------------------------------------------------------
// SG: static (libclang) → build → run on the virtual board → semantic oracle.

const Case kSgFormat[] = {
    {"format_no_code", "sg/format.no_code.md", "format", "format.no_code"},
    {"format_refusal", "sg/format.refusal.md", "format", "format.refusal"},
    {"format_multiple_candidates", "sg/format.multiple_candidates.md", "format", "format.multiple_candidates"},
    {"format_truncated", "sg/format.truncated.md", "format", "format.truncated"},
    {"format_placeholder_left", "sg/format.placeholder_left.ino", "format", "format.placeholder_left"},
    // static (libclang only, nothing is built)
    {"static_structure", "sg/static.structure.ino", "static", "static.structure"},
    {"static_ml_op_unsupported", "sg/ml.op_unsupported.ino", "static", "ml.op_unsupported"},
};

const Case kSgBoard[] = {
    {"pass_reference_sketch", "/examples/fruit/reference_sketch.ino", "", ""},
    {"pass_reference_reply", "/examples/fruit/session/sg-3.md", "", ""},
    {"pass_sketch", "sg/pass.ino", "", ""},
    // build
    {"build_missing_header", "sg/build.missing_header.ino", "build", "build.missing_header"},
    {"build_undeclared", "sg/build.undeclared.ino", "build", "build.undeclared"},
    {"build_api_mismatch", "sg/build.api_mismatch.ino", "build", "build.api_mismatch"},
    {"build_redeclaration", "sg/build.redeclaration.ino", "build", "build.redeclaration"},
    {"build_toplevel_statement", "sg/build.toplevel_statement.ino", "build", "build.toplevel_statement"},
    {"build_type_error", "sg/build.type_error.ino", "build", "build.type_error"},
    {"build_link", "sg/build.link.ino", "build", "build.link"},
    {"build_static_syntax", "sg/static.syntax.ino", "build", "static.syntax"},
    // run
    {"run_runtime_crash", "sg/runtime.crash.ino", "run", "runtime.crash"},
    {"run_runtime_timeout", "sg/runtime.timeout.ino", "run", "runtime.timeout"},
    // semantic
    {"semantic_no_inference", "sg/semantic.no_inference.ino", "semantic", "semantic.no_inference"},
    {"semantic_wrong_input", "sg/semantic.wrong_input.ino", "semantic", "semantic.wrong_input"},
    {"semantic_wrong_output", "sg/semantic.wrong_output.ino", "semantic", "semantic.wrong_output"},
    {"semantic_no_result", "sg/semantic.no_result.ino", "semantic", "semantic.no_result"},
};

class SgCodes : public ::testing::TestWithParam<Case> {};
TEST_P(SgCodes, FirstFailingCode) { Check("sg", GetParam()); }
INSTANTIATE_TEST_SUITE_P(SgFormatStatic, SgCodes, ::testing::ValuesIn(kSgFormat), CaseName);
INSTANTIATE_TEST_SUITE_P(SgBoard, SgCodes, ::testing::ValuesIn(kSgBoard), CaseName);

}  // namespace
}  // namespace autopilot::stage
