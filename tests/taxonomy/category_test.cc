// The taxonomy's ids and codes are stored data: this test pins every pair, so renumbering or
// renaming a category breaks the build's tests. Append new categories here as they are added.

#include "autopilot/taxonomy/category.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace autopilot::taxonomy {
namespace {

const std::vector<std::pair<int, std::string>> kPinned = {
    {100, "format.no_code"},
    {101, "format.multiple_candidates"},
    {102, "format.malformed"},
    {103, "format.truncated"},
    {104, "format.structured_invalid"},
    {105, "format.placeholder_left"},
    {106, "format.refusal"},
    {107, "format.repetition"},
    {200, "static.syntax"},
    {201, "static.structure"},
    {300, "build.missing_header"},
    {301, "build.undeclared"},
    {302, "build.api_mismatch"},
    {303, "build.redeclaration"},
    {304, "build.type_error"},
    {305, "build.toplevel_statement"},
    {306, "build.link"},
    {307, "build.memory_overflow"},
    {400, "runtime.crash"},
    {401, "runtime.timeout"},
    {402, "runtime.import"},
    {403, "runtime.api_misuse"},
    {404, "runtime.value_error"},
    {405, "runtime.file_not_found"},
    {406, "runtime.resource_limit"},
    {407, "runtime.undefined_name"},
    {408, "runtime.device_unavailable"},
    {500, "ml.dtype_mismatch"},
    {501, "ml.shape_mismatch"},
    {502, "ml.op_unsupported"},
    {503, "ml.arena_too_small"},
    {504, "ml.conversion_config"},
    {505, "ml.not_quantized"},
    {506, "ml.accuracy_degraded"},
    {507, "ml.schema_mismatch"},
    {600, "semantic.no_inference"},
    {601, "semantic.wrong_input"},
    {602, "semantic.wrong_output"},
    {603, "semantic.sensor_misuse"},
    {604, "semantic.no_result"},
    {605, "semantic.artifact_missing"},
    {606, "semantic.artifact_stale"},
    {607, "semantic.artifact_invalid"},
    {608, "semantic.data_leakage"},
    {700, "data.schema"},
    {701, "data.input_format"},
    {800, "env.toolchain_missing"},
    {801, "env.misconfigured"},
    {850, "harness.bug"},
    {851, "harness.interrupted"},
    {852, "harness.prompt_contract"},
    {900, "transport.timeout"},
    {901, "transport.rate_limited"},
    {902, "transport.quota_exhausted"},
    {903, "transport.auth"},
    {904, "transport.server_error"},
    {905, "transport.context_overflow"},
    {906, "transport.context_truncated"},
    {907, "transport.connection"},
    {999, "unknown"},
};

TEST(Category, EveryIdCodePairIsPinned) {
  ASSERT_EQ(AllCategories().size(), kPinned.size())
      << "a category was added or removed: append it to kPinned (never renumber)";
  for (const auto& [code, id] : kPinned) {
    auto by_code = FindByCode(code);
    ASSERT_TRUE(by_code.has_value()) << code;
    EXPECT_EQ(IdOf(*by_code), id) << code;
    auto by_id = FindById(id);
    ASSERT_TRUE(by_id.has_value()) << id;
    EXPECT_EQ(CodeOf(*by_id), code) << id;
  }
}

TEST(Category, EnumeratorsCarryTheirCodes) {
  EXPECT_EQ(static_cast<int>(Category::kBuildUndeclared), 301);
  EXPECT_EQ(static_cast<int>(Category::kRuntimeDeviceUnavailable), 408);
  EXPECT_EQ(static_cast<int>(Category::kHarnessPromptContract), 852);
  EXPECT_EQ(static_cast<int>(Category::kUnknown), 999);
}

TEST(Category, TableIsSortedAndUnique) {
  std::set<int> codes;
  std::set<std::string_view> ids;
  int previous = 0;
  for (const auto& info : AllCategories()) {
    EXPECT_GT(info.code(), previous) << info.id;
    previous = info.code();
    EXPECT_TRUE(codes.insert(info.code()).second) << info.code();
    EXPECT_TRUE(ids.insert(info.id).second) << info.id;
    EXPECT_FALSE(info.meaning.empty()) << info.id;
  }
}

TEST(Category, FamiliesFollowTheIdAndBlameOnlyTheModelsFaults) {
  EXPECT_EQ(Info(Category::kBuildUndeclared).family, "build");
  EXPECT_EQ(Info(Category::kMlDtypeMismatch).family, "ml");
  EXPECT_EQ(Info(Category::kUnknown).family, "unknown");
  std::set<std::string_view> families(Families().begin(), Families().end());
  for (const auto& info : AllCategories()) {
    EXPECT_TRUE(families.count(info.family)) << info.id;
    if (info.family != "unknown") {
      EXPECT_EQ(std::string(info.id).rfind(std::string(info.family) + ".", 0), 0u) << info.id;
    }
    bool not_the_model = info.family == "env" || info.family == "harness" ||
                         info.family == "transport" || info.family == "unknown";
    EXPECT_EQ(info.counts_against_model, !not_the_model) << info.id;
  }
}

TEST(Category, LookupMissesAreEmpty) {
  EXPECT_FALSE(FindById("build").has_value());
  EXPECT_FALSE(FindById("build.undeclared ").has_value());
  EXPECT_FALSE(FindByCode(0).has_value());
  EXPECT_FALSE(FindByCode(998).has_value());
}

}  // namespace
}  // namespace autopilot::taxonomy
