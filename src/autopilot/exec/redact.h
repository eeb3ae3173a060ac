#pragma once
// Redaction of secrets in text that leaves the sandbox: what a sandboxed program prints goes into
// repair prompts (to a remote provider), the run store and reports, so it is scrubbed first.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace autopilot::exec {

/// Every marker the redactor writes starts with this ("[redacted:openai-key]", "[redacted]").
inline constexpr std::string_view kRedactedMarkerPrefix = "[redacted";

/// Secret-named environment values shorter than this are not redacted (too likely to be trivia).
inline constexpr size_t kMinSecretValueLength = 8;

/// Replaces secrets in text with stable markers: the values of secret-named environment variables
/// (`[redacted:NAME]`), OpenAI-style keys (`[redacted:openai-key]`), bearer tokens and other
/// Authorization header credentials (`[redacted:bearer]`, `[redacted:authorization]`) and
/// `user:pass@` in URLs (`scheme://[redacted]@host`). One linear scan per text; immutable, so one
/// instance may be shared by every thread.
class Redactor {
 public:
  /// Key shapes only, no environment values.
  Redactor() = default;

  /// Key shapes plus the values of the secret-named (exec::IsSecretName) NAME=VALUE entries of
  /// `env` that are at least kMinSecretValueLength long (trimmed; also found JSON-escaped).
  static Redactor FromEnvironment(const std::vector<std::string>& env);

  /// `text` with every secret replaced.
  std::string Apply(std::string_view text) const;
  /// Redacts `text` in place; true when anything was replaced (untouched otherwise).
  bool Apply(std::string* text) const;

  /// How many literals this redactor looks for: each distinct value, and its JSON-escaped form
  /// where that differs (request and response bodies are stored as JSON).
  size_t value_count() const { return values_.size(); }

 private:
  /// A literal to find and the marker that replaces it.
  struct Secret {
    std::string value;
    std::string marker;
  };
  /// A range [begin, end) of the input to replace by `marker`.
  struct Span {
    size_t begin = 0;
    size_t end = 0;
    std::string_view marker;
  };

  void FindSpans(std::string_view text, std::vector<Span>* spans) const;
  static std::string Replace(std::string_view text, const std::vector<Span>& spans);

  std::vector<Secret> values_;  ///< longest first, so a value never hides a longer one
};

/// The redactor of this process: built once, on first use, from the tool's own environment.
/// Thread-safe; variables set after the first call are not seen.
const Redactor& ProcessRedactor();

/// True when `text` holds a redaction marker (it was redacted somewhere upstream).
bool ContainsRedactionMarker(std::string_view text);

}  // namespace autopilot::exec
