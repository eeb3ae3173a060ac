#pragma once
// The failure taxonomy of ../shared/docs/TAXONOMY.md in code: stable numeric codes and dotted ids.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace autopilot::taxonomy {

/// A failure category. The numbers are stored in run stores and exports: append new categories with
/// new numbers, never renumber, never reuse a number (like ccache's Statistic enum).
enum class Category : uint16_t {
  kFormatNoCode = 100,
  kFormatMultipleCandidates = 101,
  kFormatMalformed = 102,
  kFormatTruncated = 103,
  kFormatStructuredInvalid = 104,
  kFormatPlaceholderLeft = 105,
  kFormatRefusal = 106,
  kFormatRepetition = 107,
  kStaticSyntax = 200,
  kStaticStructure = 201,
  kBuildMissingHeader = 300,
  kBuildUndeclared = 301,
  kBuildApiMismatch = 302,
  kBuildRedeclaration = 303,
  kBuildTypeError = 304,
  kBuildToplevelStatement = 305,
  kBuildLink = 306,
  kBuildMemoryOverflow = 307,
  kRuntimeCrash = 400,
  kRuntimeTimeout = 401,
  kRuntimeImport = 402,
  kRuntimeApiMisuse = 403,
  kRuntimeValueError = 404,
  kRuntimeFileNotFound = 405,
  kRuntimeResourceLimit = 406,
  kRuntimeUndefinedName = 407,
  kRuntimeDeviceUnavailable = 408,
  kMlDtypeMismatch = 500,
  kMlShapeMismatch = 501,
  kMlOpUnsupported = 502,
  kMlArenaTooSmall = 503,
  kMlConversionConfig = 504,
  kMlNotQuantized = 505,
  kMlAccuracyDegraded = 506,
  kMlSchemaMismatch = 507,
  kSemanticNoInference = 600,
  kSemanticWrongInput = 601,
  kSemanticWrongOutput = 602,
  kSemanticSensorMisuse = 603,
  kSemanticNoResult = 604,
  kSemanticArtifactMissing = 605,
  kSemanticArtifactStale = 606,
  kSemanticArtifactInvalid = 607,
  kSemanticDataLeakage = 608,
  kDataSchema = 700,
  kDataInputFormat = 701,
  kEnvToolchainMissing = 800,
  kEnvMisconfigured = 801,
  kHarnessBug = 850,
  kHarnessInterrupted = 851,
  kHarnessPromptContract = 852,
  kTransportTimeout = 900,
  kTransportRateLimited = 901,
  kTransportQuotaExhausted = 902,
  kTransportAuth = 903,
  kTransportServerError = 904,
  kTransportContextOverflow = 905,
  kTransportContextTruncated = 906,
  kTransportConnection = 907,
  kUnknown = 999,
};

/// What the taxonomy says about one category.
struct CategoryInfo {
  Category category;
  std::string_view id;       ///< dotted id users see, e.g. "build.undeclared"
  std::string_view family;   ///< the part before the dot ("build"); "unknown" for unknown
  std::string_view meaning;  ///< one line from TAXONOMY.md
  /// False for env.*, harness.*, transport.* (the machine's, the tool's or the server's fault) and
  /// for unknown (not attributed); true for everything the generated output itself caused.
  bool counts_against_model;

  uint16_t code() const { return static_cast<uint16_t>(category); }
};

/// Every category in code order.
std::span<const CategoryInfo> AllCategories();
/// The entry for a category (every enumerator has one).
const CategoryInfo& Info(Category category);
/// Lookup by dotted id ("runtime.import") or numeric code; nullopt when there is none.
std::optional<Category> FindById(std::string_view id);
std::optional<Category> FindByCode(int code);
/// Shorthands.
std::string_view IdOf(Category category);
inline uint16_t CodeOf(Category category) { return static_cast<uint16_t>(category); }
/// The families in code order: format, static, build, runtime, ml, semantic, data, env, harness,
/// transport, unknown.
std::span<const std::string_view> Families();

}  // namespace autopilot::taxonomy
