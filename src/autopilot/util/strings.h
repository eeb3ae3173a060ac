#pragma once
// String helpers with no project types.

#include <string>
#include <string_view>
#include <vector>

namespace autopilot::util {

std::string Trim(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
/// Levenshtein distance, for "did you mean" suggestions.
size_t EditDistance(std::string_view a, std::string_view b);
/// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);
/// Shell-style glob with `*` and `?`, case-insensitive.
bool GlobMatchIgnoreCase(std::string_view pattern, std::string_view text);
/// `scheme://user:pass@host/…` → `scheme://***@host/…`; other text unchanged.
std::string RedactUrlCredentials(std::string_view url);
/// First line of `s` (without the newline).
std::string FirstLine(std::string_view s);
/// A number as people write it in a prompt or message: the shortest of %g (2.5, 119, 0.0001).
std::string ShortNumber(double v);

}  // namespace autopilot::util
