#include "autopilot/exec/redact.h"

#include <algorithm>
#include <map>
#include <set>

#include "autopilot/exec/env_filter.h"
#include "autopilot/util/strings.h"

namespace autopilot::exec {
namespace {

constexpr std::string_view kOpenAiMarker = "[redacted:openai-key]";
constexpr std::string_view kBearerMarker = "[redacted:bearer]";
constexpr std::string_view kAuthorizationMarker = "[redacted:authorization]";
constexpr std::string_view kUrlMarker = "[redacted]";

constexpr size_t kMinOpenAiKeyChars = 20;  // after "sk-"; real keys have 48 or more
constexpr size_t kMinBearerChars = 8;
constexpr size_t kLongTokenChars = 20;  // this long and random-looking even without a digit
constexpr size_t kMaxUserinfoChars = 4096;

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(char c) {
  return IsAlpha(c) || IsDigit(c);
}
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
/// Characters of an OpenAI key body (base64url).
bool IsKeyChar(char c) {
  return IsAlnum(c) || c == '-' || c == '_';
}
/// RFC 6750 b64token characters plus its '=' padding.
bool IsTokenChar(char c) {
  return IsAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
         c == '=';
}
bool IsSchemeChar(char c) {
  return IsAlnum(c) || c == '+' || c == '-' || c == '.';
}
/// Where the authority of a URL written in running text ends at the latest.
bool IsUrlEnd(char c) {
  constexpr std::string_view kEnds = "/?#\"'<>`\\[]{}|";
  return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f ||
         kEnds.find(c) != std::string_view::npos;
}
bool IsQuoteOrBlank(char c) {
  return IsBlank(c) || c == '"' || c == '\'';
}

/// Case-insensitive: does `t` hold `lower_word` at `pos`?
bool MatchesAt(std::string_view t, size_t pos, std::string_view lower_word) {
  if (pos + lower_word.size() > t.size()) return false;
  for (size_t k = 0; k < lower_word.size(); ++k) {
    if (Lower(t[pos + k]) != lower_word[k]) return false;
  }
  return true;
}

/// True when the text before `pos` ends in an Authorization header name and its separator, as in
/// `Authorization: `, `"Authorization": "` or `'authorization': '`.
bool FollowsAuthorizationHeader(std::string_view t, size_t pos) {
  constexpr std::string_view kName = "authorization";
  size_t p = pos;
  while (p > 0 && IsQuoteOrBlank(t[p - 1])) --p;
  if (p == 0 || t[p - 1] != ':') return false;
  --p;
  while (p > 0 && IsQuoteOrBlank(t[p - 1])) --p;
  return p >= kName.size() && MatchesAt(t, p - kName.size(), kName);
}

/// End of the OpenAI-style key starting with "sk-" at `i`, or npos when it is not one: at least
/// kMinOpenAiKeyChars key characters with a digit or a long alphanumeric run, so that words such
/// as "sk-learn" or "desk-top" and hyphenated prose stay.
size_t OpenAiKeyEnd(std::string_view t, size_t i) {
  if (i > 0 && IsKeyChar(t[i - 1])) return std::string_view::npos;
  size_t j = i + 3;
  bool digit = false;
  size_t run = 0;
  size_t longest_run = 0;
  while (j < t.size() && IsKeyChar(t[j])) {
    if (IsAlnum(t[j])) {
      digit = digit || IsDigit(t[j]);
      longest_run = std::max(longest_run, ++run);
    } else {
      run = 0;
    }
    ++j;
  }
  const size_t body = j - (i + 3);
  if (body < kMinOpenAiKeyChars || !(digit || longest_run >= kLongTokenChars)) {
    return std::string_view::npos;
  }
  return j;
}

/// Scans `t` once for key shapes; calls `push(begin, end, marker)` for each, left to right.
template <typename Push>
void FindShapes(std::string_view t, Push push) {
  const size_t n = t.size();
  for (size_t i = 0; i < n; ++i) {
    switch (t[i]) {
      case 's': {
        if (i + 2 < n && t[i + 1] == 'k' && t[i + 2] == '-') {
          size_t end = OpenAiKeyEnd(t, i);
          if (end != std::string_view::npos) {
            push(i, end, kOpenAiMarker);
            i = end - 1;
          }
        }
        break;
      }
      case 'b':
      case 'B': {
        if ((i > 0 && IsAlnum(t[i - 1])) || !MatchesAt(t, i, "bearer")) break;
        size_t j = i + 6;
        if (j >= n || !IsBlank(t[j])) break;
        while (j < n && IsBlank(t[j])) ++j;
        size_t k = j;
        bool digit = false;
        for (; k < n && IsTokenChar(t[k]); ++k) digit = digit || IsDigit(t[k]);
        while (k > j && t[k - 1] == '.') --k;  // a full stop ends the sentence, not the token
        const size_t len = k - j;
        const bool header = FollowsAuthorizationHeader(t, i);
        if (len > 0 && (header || (len >= kMinBearerChars && digit) || len >= kLongTokenChars)) {
          push(j, k, kBearerMarker);
          i = k - 1;
        }
        break;
      }
      case 'a':
      case 'A': {
        constexpr std::string_view kName = "authorization";
        if ((i > 0 && IsAlnum(t[i - 1])) || !MatchesAt(t, i, kName)) break;
        size_t j = i + kName.size();
        while (j < n && IsQuoteOrBlank(t[j])) ++j;
        if (j >= n || t[j] != ':') break;
        ++j;
        while (j < n && IsQuoteOrBlank(t[j])) ++j;
        size_t k = j;
        while (k < n && IsTokenChar(t[k])) ++k;
        if (k == j) break;
        if (k == j + 6 && MatchesAt(t, j, "bearer")) break;  // the bearer case above handles it
        size_t m = k;
        while (m < n && IsBlank(t[m])) ++m;
        size_t q = m;
        while (q < n && IsTokenChar(t[q])) ++q;
        if (m > k && q > m) {
          push(m, q, kAuthorizationMarker);  // "<scheme> <credentials>", e.g. Basic
          i = q - 1;
        } else if (k - j >= kMinBearerChars) {
          push(j, k, kAuthorizationMarker);  // bare credentials
          i = k - 1;
        }
        break;
      }
      case ':': {
        // Authorities never overlap (each ends at the latest at the next "://"'s '/'): linear.
        if (i + 2 >= n || t[i + 1] != '/' || t[i + 2] != '/') break;
        size_t s = i;
        while (s > 0 && IsSchemeChar(t[s - 1])) --s;
        while (s < i && !IsAlpha(t[s])) ++s;
        if (s == i) break;  // no scheme
        const size_t start = i + 3;
        size_t j = start;
        size_t at = std::string_view::npos;
        while (j < n && j - start < kMaxUserinfoChars && !IsUrlEnd(t[j])) {
          if (t[j] == '@') at = j;
          ++j;
        }
        if (at == std::string_view::npos || at + 1 >= n || IsUrlEnd(t[at + 1])) break;
        size_t colon = t.substr(start, at - start).find(':');
        if (colon == std::string_view::npos || start + colon + 1 >= at) break;  // no password
        push(start, at, kUrlMarker);
        i = at;
        break;
      }
      default:
        break;
    }
  }
}

/// `value` as it appears inside a JSON string (request and response bodies are stored as JSON).
std::string JsonEscaped(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

Redactor Redactor::FromEnvironment(const std::vector<std::string>& env) {
  std::map<std::string, std::string> by_name;  // sorted: the same value always gets the same name
  for (const auto& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string name = entry.substr(0, eq);
    if (!IsSecretName(name)) continue;
    // Tools trim keys before using them (and files hold them without the newline).
    std::string value = util::Trim(std::string_view(entry).substr(eq + 1));
    if (value.size() < kMinSecretValueLength) continue;
    by_name.emplace(std::move(name), std::move(value));
  }
  Redactor r;
  std::set<std::string> seen;
  for (const auto& [name, value] : by_name) {
    if (!seen.insert(value).second) continue;
    std::string marker = "[redacted:" + name + "]";
    std::string escaped = JsonEscaped(value);
    if (escaped != value) r.values_.push_back({std::move(escaped), marker});
    r.values_.push_back({value, std::move(marker)});
  }
  std::stable_sort(r.values_.begin(), r.values_.end(), [](const Secret& a, const Secret& b) {
    return a.value.size() > b.value.size();
  });
  return r;
}

void Redactor::FindSpans(std::string_view text, std::vector<Span>* spans) const {
  for (const auto& s : values_) {
    for (size_t pos = text.find(s.value); pos != std::string_view::npos;
         pos = text.find(s.value, pos + s.value.size())) {
      spans->push_back({pos, pos + s.value.size(), s.marker});
    }
  }
  FindShapes(text, [spans](size_t b, size_t e, std::string_view marker) {
    spans->push_back({b, e, marker});
  });
  if (spans->size() < 2) return;
  // Earliest first, longest first among equals; an environment value (pushed first) names the
  // variable when a shape covers exactly the same text. Overlaps merge, so no byte of any match
  // survives.
  std::stable_sort(spans->begin(), spans->end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  size_t out = 0;
  for (size_t k = 1; k < spans->size(); ++k) {
    Span& last = (*spans)[out];
    const Span& next = (*spans)[k];
    if (next.begin < last.end) {
      last.end = std::max(last.end, next.end);
    } else {
      (*spans)[++out] = next;
    }
  }
  spans->resize(out + 1);
}

std::string Redactor::Replace(std::string_view text, const std::vector<Span>& spans) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const auto& s : spans) {
    out.append(text, pos, s.begin - pos);
    out.append(s.marker);
    pos = s.end;
  }
  out.append(text, pos, std::string_view::npos);
  return out;
}

std::string Redactor::Apply(std::string_view text) const {
  std::vector<Span> spans;
  FindSpans(text, &spans);
  return spans.empty() ? std::string(text) : Replace(text, spans);
}

bool Redactor::Apply(std::string* text) const {
  std::vector<Span> spans;
  FindSpans(*text, &spans);
  if (spans.empty()) return false;
  *text = Replace(*text, spans);
  return true;
}

const Redactor& ProcessRedactor() {
  static const Redactor kProcess = Redactor::FromEnvironment(CurrentEnvironment());
  return kProcess;
}

bool ContainsRedactionMarker(std::string_view text) {
  return text.find(kRedactedMarkerPrefix) != std::string_view::npos;
}

}  // namespace autopilot::exec
