#pragma once
// Getting the code out of what an LLM actually sends: fences with any tag or none, several blocks,
// unterminated fences, <think> sections, prose-only replies, code wrapped in JSON.

#include <string>
#include <string_view>
#include <vector>

namespace autopilot::extract {

/// The language a stage needs.
enum class Lang { kCpp, kPython, kJson };

/// "cpp", "python", "json".
std::string_view LangName(Lang lang);
/// Parses "cpp" (also c++, arduino, ino), "python" (py), "json"; false when unknown.
bool ParseLang(std::string_view name, Lang* out);

/// One fenced block of the reply.
struct CodeBlock {
  std::string tag;        ///< info string's first word, lower-case ("" when untagged)
  std::string lang;       ///< "cpp", "python", "json" or "other", from the tag or the content
  bool lang_from_tag = false;
  std::string code;
  int start_line = 0;     ///< 1-based line of the opening fence
  int end_line = 0;       ///< line of the closing fence (or the last line when unterminated)
  bool terminated = true;
  bool chosen = false;
};

/// What extraction made of a reply.
struct Extraction {
  bool ok = false;
  std::string code;           ///< the program to run (also filled, best effort, on some failures)
  std::string policy;         ///< how it was chosen: single-block, complete-program, merged-split,
                              ///< unfenced, json-wrapped, first-of-candidates, json-object
  std::string error_code;     ///< taxonomy id when !ok: format.no_code, format.multiple_candidates,
                              ///< format.malformed, format.truncated, format.refusal,
                              ///< format.structured_invalid
  std::string message;        ///< for people (and for the repair prompt)
  std::vector<CodeBlock> blocks;
  std::vector<std::string> notes;  ///< non-fatal observations (unterminated fence, dropped blocks…)
  std::string thinking;       ///< removed <think>…</think> content, kept for the trace
  /// For Lang::kJson: whether `code` parses as JSON. Extraction returns the block the model
  /// wrote even when it does not (templates with placeholders, trailing commas); the format
  /// validator turns that into format.structured_invalid.
  bool json_valid = false;
  std::string json_error;
};

/// Extracts the `lang` program from `reply`. Never throws; every failure is a format.* verdict.
Extraction Extract(std::string_view reply, Lang lang);

/// Removes <think>…</think> sections (an unterminated one at the start swallows everything);
/// the removed text goes to `thinking`.
std::string StripThinking(std::string_view reply, std::string* thinking);

/// All fenced blocks of `text` (``` or ~~~, any tag, nested-fence aware).
std::vector<CodeBlock> FindBlocks(std::string_view text);

/// Best guess of a snippet's language from its content: "cpp", "python", "json" or "other".
std::string GuessLang(std::string_view code);

}  // namespace autopilot::extract
