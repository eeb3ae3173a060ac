#include "autopilot/serve/line_diff.h"

#include <algorithm>
#include <cstdint>

namespace autopilot::serve {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::vector<DiffLine> LineDiff(std::string_view old_text, std::string_view new_text, size_t max_cells) {
  const auto a = SplitLines(old_text);
  const auto b = SplitLines(new_text);
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const size_t n = a.size() - head - tail;
  const size_t m = b.size() - head - tail;

  std::vector<DiffLine> out;
  for (size_t i = 0; i < head; ++i) out.push_back({' ', std::string(a[i])});
  if (n > 0 && m > 0 && n * m <= max_cells) {
    // lcs[i][j] = LCS length of a[head+i..] and b[head+j..], row-major (n+1) × (m+1).
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0, j = 0;
    while (i < n && j < m) {
      if (a[head + i] == b[head + j]) {
        out.push_back({' ', std::string(a[head + i])});
        ++i, ++j;
      } else if (at(i + 1, j) >= at(i, j + 1)) {
        out.push_back({'-', std::string(a[head + i++])});
      } else {
        out.push_back({'+', std::string(b[head + j++])});
      }
    }
    for (; i < n; ++i) out.push_back({'-', std::string(a[head + i])});
    for (; j < m; ++j) out.push_back({'+', std::string(b[head + j])});
  } else {
    for (size_t i = 0; i < n; ++i) out.push_back({'-', std::string(a[head + i])});
    for (size_t j = 0; j < m; ++j) out.push_back({'+', std::string(b[head + j])});
  }
  for (size_t i = a.size() - tail; i < a.size(); ++i) out.push_back({' ', std::string(a[i])});
  return out;
}

}  // namespace autopilot::serve
