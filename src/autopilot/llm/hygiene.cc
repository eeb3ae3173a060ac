#include "autopilot/llm/hygiene.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace autopilot::llm {
namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

void AppendReasoning(std::string* reasoning, std::string_view part) {
  if (part.empty()) return;
  if (!reasoning->empty()) reasoning->push_back('\n');
  reasoning->append(part);
}

/// Length of the longest suffix of `s` that is a proper prefix of `tag`.
size_t PartialTagSuffix(std::string_view s, std::string_view tag) {
  for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n) {
    if (s.substr(s.size() - n) == tag.substr(0, n)) return n;
  }
  return 0;
}

std::string LeftTrimmed(std::string s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool HasLetter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

std::string Shorten(std::string_view s) {
  return s.size() <= 80 ? std::string(s) : std::string(s.substr(0, 77)) + "...";
}

}  // namespace

SplitAnswer StripThink(std::string_view raw) {
  SplitAnswer out;
  bool removed = false;
  // Some chat templates put the opening tag in the prompt, so the answer starts inside the block.
  const size_t first_open = raw.find(kOpen);
  const size_t first_close = raw.find(kClose);
  if (first_close != std::string_view::npos && first_close < first_open) {
    AppendReasoning(&out.reasoning, raw.substr(0, first_close));
    raw.remove_prefix(first_close + kClose.size());
    removed = true;
  }
  size_t pos = 0;
  while (pos < raw.size()) {
    const size_t open = raw.find(kOpen, pos);
    if (open == std::string_view::npos) {
      out.text.append(raw.substr(pos));
      break;
    }
    out.text.append(raw.substr(pos, open - pos));
    removed = true;
    const size_t body = open + kOpen.size();
    const size_t close = raw.find(kClose, body);
    if (close == std::string_view::npos) {
      AppendReasoning(&out.reasoning, raw.substr(body));
      break;
    }
    AppendReasoning(&out.reasoning, raw.substr(body, close - body));
    pos = close + kClose.size();
  }
  if (removed) out.text = LeftTrimmed(std::move(out.text));
  return out;
}

std::string ThinkFilter::Feed(std::string_view piece) {
  pending_.append(piece);
  std::string visible;
  for (;;) {
    const std::string_view tag = inside_ ? kClose : kOpen;
    const size_t at = pending_.find(tag);
    if (at != std::string::npos) {
      if (!inside_) visible.append(pending_, 0, at);
      pending_.erase(0, at + tag.size());
      inside_ = !inside_;
      continue;
    }
    const size_t hold = PartialTagSuffix(pending_, tag);
    if (!inside_) visible.append(pending_, 0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
    return visible;
  }
}

std::string ThinkFilter::Finish() {
  std::string rest;
  if (!inside_) rest.swap(pending_);
  pending_.clear();
  return rest;
}

std::optional<Repetition> FindRepetition(std::string_view text) {
  constexpr size_t kMinLineRepeats = 12;
  constexpr size_t kMinPhraseRepeats = 30;
  constexpr size_t kMaxPeriod = 64;

  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    start = nl + 1;
  }

  // Blocks of 1-4 lines repeated back to back.
  const size_t n = lines.size();
  for (size_t block = 1; block <= 4; ++block) {
    size_t i = 0;
    while (i + block <= n) {
      size_t content = 0;
      for (size_t k = 0; k < block; ++k) content += lines[i + k].size();
      size_t reps = 1;
      size_t j = i + block;
      while (j + block <= n && std::equal(lines.begin() + static_cast<std::ptrdiff_t>(i),
                                          lines.begin() + static_cast<std::ptrdiff_t>(i + block),
                                          lines.begin() + static_cast<std::ptrdiff_t>(j))) {
        ++reps;
        j += block;
      }
      if (reps >= kMinLineRepeats && content >= 2) {
        std::string unit;
        for (size_t k = 0; k < block; ++k) unit += (k ? "\n" : "") + std::string(lines[i + k]);
        return Repetition{Shorten(unit), reps};
      }
      i = reps > 1 ? j - block + 1 : i + 1;
    }
  }

  // A phrase looping inside one long line ("the the the …").
  constexpr size_t kPhraseWindow = 16 * 1024;  // loops run to the end; bounds the work
  for (std::string_view line : lines) {
    if (line.size() < kMinPhraseRepeats * 2) continue;
    if (line.size() > kPhraseWindow) line = line.substr(line.size() - kPhraseWindow);
    for (size_t p = 1; p <= kMaxPeriod && p * kMinPhraseRepeats <= line.size(); ++p) {
      size_t run = 0;
      for (size_t k = p; k < line.size(); ++k) {
        if (line[k] == line[k - p]) {
          ++run;
          if (run + p >= p * kMinPhraseRepeats) {
            const std::string_view unit = line.substr(k + 1 - p, p);
            if (HasLetter(unit)) return Repetition{Shorten(unit), (run + p) / p};
          }
        } else {
          run = 0;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace autopilot::llm
