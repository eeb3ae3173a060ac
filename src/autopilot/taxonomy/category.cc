#include "autopilot/taxonomy/category.h"

#include <array>

namespace autopilot::taxonomy {
namespace {

using C = Category;

// Meanings follow TAXONOMY.md; the table is checked against the enum by taxonomy_test.
constexpr CategoryInfo kTable[] = {
    {C::kFormatNoCode, "format.no_code", "format",
     "no code block in the target language", true},
    {C::kFormatMultipleCandidates, "format.multiple_candidates", "format",
     "several competing solutions or code fragments", true},
    {C::kFormatMalformed, "format.malformed", "format",
     "unterminated or mixed fences, code interleaved with prose", true},
    {C::kFormatTruncated, "format.truncated", "format",
     "output cut off (length limit) or visibly incomplete", true},
    {C::kFormatStructuredInvalid, "format.structured_invalid", "format",
     "JSON/spec reply unparsable or not matching its schema", true},
    {C::kFormatPlaceholderLeft, "format.placeholder_left", "format",
     "template placeholders or invented paths left in", true},
    {C::kFormatRefusal, "format.refusal", "format",
     "refusal or off-task answer", true},
    {C::kFormatRepetition, "format.repetition", "format",
     "degenerate repetition loop", true},
    {C::kStaticSyntax, "static.syntax", "static",
     "does not parse", true},
    {C::kStaticStructure, "static.structure", "static",
     "required structure missing", true},
    {C::kBuildMissingHeader, "build.missing_header", "build",
     "header/library not found", true},
    {C::kBuildUndeclared, "build.undeclared", "build",
     "undeclared identifier or unknown type", true},
    {C::kBuildApiMismatch, "build.api_mismatch", "build",
     "wrong signature, no such member, removed or renamed API", true},
    {C::kBuildRedeclaration, "build.redeclaration", "build",
     "conflicting declarations", true},
    {C::kBuildTypeError, "build.type_error", "build",
     "other type errors", true},
    {C::kBuildToplevelStatement, "build.toplevel_statement", "build",
     "statements outside any function", true},
    {C::kBuildLink, "build.link", "build",
     "undefined reference at link time", true},
    {C::kBuildMemoryOverflow, "build.memory_overflow", "build",
     "does not fit flash/RAM", true},
    {C::kRuntimeCrash, "runtime.crash", "runtime",
     "crash: signal, HardFault, uncaught exception", true},
    {C::kRuntimeTimeout, "runtime.timeout", "runtime",
     "hang or exceeded wall/virtual time", true},
    {C::kRuntimeImport, "runtime.import", "runtime",
     "a module the code imports does not exist (hallucinated)", true},
    {C::kRuntimeApiMisuse, "runtime.api_misuse", "runtime",
     "library API misused at run time", true},
    {C::kRuntimeValueError, "runtime.value_error", "runtime",
     "logic, value, index, shape errors in generated code", true},
    {C::kRuntimeFileNotFound, "runtime.file_not_found", "runtime",
     "wrong or invented path", true},
    {C::kRuntimeResourceLimit, "runtime.resource_limit", "runtime",
     "memory/output/process limit hit", true},
    {C::kRuntimeUndefinedName, "runtime.undefined_name", "runtime",
     "a name used but never defined or imported (Python NameError; the run-time twin of build.undeclared)", true},
    {C::kRuntimeDeviceUnavailable, "runtime.device_unavailable", "runtime",
     "code needs hardware the target lacks (display, camera, device file)", true},
    {C::kMlDtypeMismatch, "ml.dtype_mismatch", "ml",
     "tensor dtype or quantization handled wrongly", true},
    {C::kMlShapeMismatch, "ml.shape_mismatch", "ml",
     "tensor shape/dimension wrong", true},
    {C::kMlOpUnsupported, "ml.op_unsupported", "ml",
     "op missing from resolver or runtime", true},
    {C::kMlArenaTooSmall, "ml.arena_too_small", "ml",
     "tensor allocation failed", true},
    {C::kMlConversionConfig, "ml.conversion_config", "ml",
     "converter misconfigured", true},
    {C::kMlNotQuantized, "ml.not_quantized", "ml",
     "model not quantized as requested", true},
    {C::kMlAccuracyDegraded, "ml.accuracy_degraded", "ml",
     "converted model much worse than the float model", true},
    {C::kMlSchemaMismatch, "ml.schema_mismatch", "ml",
     "model schema/version rejected", true},
    {C::kSemanticNoInference, "semantic.no_inference", "semantic",
     "compiles/runs but never runs the model", true},
    {C::kSemanticWrongInput, "semantic.wrong_input", "semantic",
     "model input differs from the specified features", true},
    {C::kSemanticWrongOutput, "semantic.wrong_output", "semantic",
     "reported result differs from the model's prediction", true},
    {C::kSemanticSensorMisuse, "semantic.sensor_misuse", "semantic",
     "sensor never read or read wrongly", true},
    {C::kSemanticNoResult, "semantic.no_result", "semantic",
     "no result reported", true},
    {C::kSemanticArtifactMissing, "semantic.artifact_missing", "semantic",
     "claimed output file was never written", true},
    {C::kSemanticArtifactStale, "semantic.artifact_stale", "semantic",
     "output file exists but this run did not write it", true},
    {C::kSemanticArtifactInvalid, "semantic.artifact_invalid", "semantic",
     "output written but wrong schema/content/range", true},
    {C::kSemanticDataLeakage, "semantic.data_leakage", "semantic",
     "train/test overlap or labels leaked into features", true},
    {C::kDataSchema, "data.schema", "data",
     "wrong column names or missing columns", true},
    {C::kDataInputFormat, "data.input_format", "data",
     "wrong assumption about an input file's format", true},
    {C::kEnvToolchainMissing, "env.toolchain_missing", "env",
     "compiler, core, interpreter or package missing on the machine", false},
    {C::kEnvMisconfigured, "env.misconfigured", "env",
     "configuration of the tool or environment wrong", false},
    {C::kHarnessBug, "harness.bug", "harness",
     "the tool itself caused the failure", false},
    {C::kHarnessInterrupted, "harness.interrupted", "harness",
     "the run was stopped by its operator", false},
    {C::kHarnessPromptContract, "harness.prompt_contract", "harness",
     "the prompt withheld or contradicted a fact the code needed — mostly a secondary tag beside a build.* primary", false},
    {C::kTransportTimeout, "transport.timeout", "transport",
     "LLM call timed out", false},
    {C::kTransportRateLimited, "transport.rate_limited", "transport",
     "HTTP 429 rate limit (retryable)", false},
    {C::kTransportQuotaExhausted, "transport.quota_exhausted", "transport",
     "HTTP 429 insufficient_quota (fatal)", false},
    {C::kTransportAuth, "transport.auth", "transport",
     "401/403", false},
    {C::kTransportServerError, "transport.server_error", "transport",
     "5xx, connection reset, server crash", false},
    {C::kTransportContextOverflow, "transport.context_overflow", "transport",
     "request rejected for context length", false},
    {C::kTransportContextTruncated, "transport.context_truncated", "transport",
     "server silently truncated the prompt", false},
    {C::kTransportConnection, "transport.connection", "transport",
     "cannot connect", false},
    {C::kUnknown, "unknown", "unknown",
     "nothing matched — keep this rare and look at it", false},
};

constexpr std::array<std::string_view, 11> kFamilies = {
    "format", "static", "build",   "runtime", "ml",     "semantic",
    "data",   "env",    "harness", "transport", "unknown"};

}  // namespace

std::span<const CategoryInfo> AllCategories() { return kTable; }

const CategoryInfo& Info(Category category) {
  for (const auto& info : kTable) {
    if (info.category == category) return info;
  }
  // Unreachable for valid enumerators (the test pins one entry per enumerator).
  return kTable[std::size(kTable) - 1];
}

std::optional<Category> FindById(std::string_view id) {
  for (const auto& info : kTable) {
    if (info.id == id) return info.category;
  }
  return std::nullopt;
}

std::optional<Category> FindByCode(int code) {
  for (const auto& info : kTable) {
    if (info.code() == code) return info.category;
  }
  return std::nullopt;
}

std::string_view IdOf(Category category) { return Info(category).id; }

std::span<const std::string_view> Families() { return kFamilies; }

}  // namespace autopilot::taxonomy
