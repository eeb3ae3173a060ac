#pragma once
// A line diff between two texts (an attempt's code against the previous attempt's), for the viewer.

#include <string>
#include <string_view>
#include <vector>

namespace autopilot::serve {

/// One line of a diff: kept (' '), removed from the old text ('-') or added in the new one ('+').
struct DiffLine {
  char op = ' ';
  std::string text;
  bool operator==(const DiffLine&) const = default;
};

/// The shortest edit script by longest common subsequence of lines, after trimming the common
/// head and tail. When the differing middle is larger than `max_cells` (old lines × new lines),
/// it is reported as removed then added instead of searched (bounded time on huge replies).
std::vector<DiffLine> LineDiff(std::string_view old_text, std::string_view new_text,
                               size_t max_cells = 16u << 20);

}  // namespace autopilot::serve
