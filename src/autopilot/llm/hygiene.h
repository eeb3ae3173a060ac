#pragma once
// Output hygiene: reasoning blocks out of the answer, degenerate repetition spotted.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace autopilot::llm {

/// An answer split into what the user sees and the reasoning kept for the trace.
struct SplitAnswer {
  std::string text;
  std::string reasoning;
};

/// Removes every <think>…</think> block (DeepSeek-R1, Qwen3 and others). An unclosed <think> (an
/// answer cut off while thinking) moves the rest of the text into `reasoning`.
SplitAnswer StripThink(std::string_view raw);

/// The same, for a stream: Feed pieces as they arrive and print what it returns.
class ThinkFilter {
 public:
  /// Visible text from this piece (may hold back a few bytes that could start a tag).
  std::string Feed(std::string_view piece);
  /// Visible text still held back at the end of the stream.
  std::string Finish();

 private:
  std::string pending_;
  bool inside_ = false;
};

/// Where a degenerate repetition loop was found.
struct Repetition {
  std::string unit;   ///< the repeated line block or phrase (shortened)
  size_t count = 0;   ///< consecutive repeats
};

/// Finds a degenerate loop: a block of 1–4 non-blank lines repeated at least 12 times in a row, or
/// a phrase (≤ 64 chars, with a letter in it) repeated at least 30 times in a row on one line.
/// Ordinary code (a few similar statements, separator lines, short arrays) does not trigger it.
std::optional<Repetition> FindRepetition(std::string_view text);

}  // namespace autopilot::llm
