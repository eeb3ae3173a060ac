#pragma once
// What a failure's text says, cut into the views the classifier's rules match on: the first
// compiler error, the final Python exception, the offending source line, the last traceback.

#include <memory>
#include <string>
#include <vector>

namespace autopilot::taxonomy {

/// One structured diagnostic as a validator layer or a compiler parser reports it.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string severity;  ///< "error", "fatal error", "warning", "note"
  std::string message;
};

/// Everything known about one failed attempt. Any part may be empty.
struct FailureInput {
  std::string stage;  ///< dp, mc, sg, psg, tpusg (or empty when unknown)
  std::string layer;  ///< validator layer that failed: format, static, build, run, … (may be empty)
  /// Toolchain profile the code was built or run with (board/profiles/<name>); empty: the
  /// stage's usual one (rules.yaml `stage_profiles`).
  std::string profile;
  std::string text;   ///< raw log, compiler output, traceback or validator message
  std::vector<Diagnostic> diagnostics;
};

/// The views of a FailureInput. Built once per input; rules only read it.
struct Evidence {
  std::string stage;
  std::string layer;
  std::string wrapper;  ///< a retry-loop prefix stripped from the start ("Max 5 attempts …:")
  std::string body;     ///< the text without the wrapper
  std::string first_line;
  /// Compiler (gcc/clang style "file:line:col: error: msg") or structured diagnostics.
  std::string compiler_error;         ///< message of the first error, the first cause
  std::string compiler_error_source;  ///< the source line gcc prints under it
  std::string compiler_name;   ///< the name the first error is about ("MicroErrorReporter")
  std::string compiler_scope;  ///< the scope it was looked up in ("tflite"; "" = unqualified)
  std::vector<std::string> compiler_errors;  ///< every error message, in order
  /// Python: the final exception line of the text ("NameError: name 'np' is not defined").
  std::string exception_line;
  std::string exception_type;     ///< as printed ("cv2.error", "sklearn…InvalidParameterError")
  std::string exception_short;    ///< after the last dot ("InvalidParameterError")
  std::string exception_message;  ///< after "Type: "
  std::string offending_line;     ///< the source line shown right above the exception
  /// The line of the generated script that raised: the code under the last traceback frame of
  /// the file the traceback starts in (library frames below it are skipped).
  std::string script_line;
  std::string traceback;          ///< lines of the last traceback block, newline-joined

  /// Toolchain facts, filled by the Classifier from the profile's SDK (ToolchainIndex).
  enum class Sdk { kUnknown, kDeclared, kAbsent };
  std::string profile;          ///< the profile the facts come from ("" = none was available)
  Sdk sdk_name = Sdk::kUnknown;   ///< is compiler_name declared (in compiler_scope)?
  Sdk sdk_scope = Sdk::kUnknown;  ///< is compiler_scope a namespace/class of the SDK?
  /// Which body-wide patterns match, from one pass over the body (sorted set indices); when
  /// !body_hits_known each any_line/no_line pattern is searched on its own.
  std::vector<int> body_hits;
  bool body_hits_known = false;
};

/// Cuts `input` into views. `wrapper_prefixes` are regexes (RE2 syntax) anchored at the start of
/// the text; the first that matches is stripped (rules.yaml lists them).
class EvidenceBuilder {
 public:
  explicit EvidenceBuilder(const std::vector<std::string>& wrapper_prefixes);
  ~EvidenceBuilder();
  EvidenceBuilder(const EvidenceBuilder&) = delete;
  EvidenceBuilder& operator=(const EvidenceBuilder&) = delete;

  /// False with a message when a wrapper regex does not compile.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  Evidence Build(const FailureInput& input) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
};

}  // namespace autopilot::taxonomy
