#include "autopilot/llm/stream_parsers.h"

namespace autopilot::llm {

bool SseParser::Feed(std::string_view bytes) {
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    if (c == '\n' && last_was_cr_ && i == start && partial_.empty()) {
      // The LF of a CRLF whose CR ended the previous piece.
      last_was_cr_ = false;
      start = i + 1;
      continue;
    }
    bool ok;
    if (partial_.empty()) {
      ok = Line(bytes.substr(start, i - start));
    } else {
      partial_.append(bytes.substr(start, i - start));
      ok = Line(partial_);
      partial_.clear();
    }
    last_was_cr_ = (c == '\r');
    if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') {
      ++i;
      last_was_cr_ = false;
    }
    start = i + 1;
    if (!ok) return false;
  }
  if (start < bytes.size()) {
    partial_.append(bytes.substr(start));
    last_was_cr_ = false;
  }
  return true;
}

bool SseParser::Finish() {
  if (!partial_.empty()) {
    std::string line;
    line.swap(partial_);
    if (!Line(line)) return false;
  }
  if (has_data_) return Dispatch();
  return true;
}

bool SseParser::Line(std::string_view line) {
  if (line.empty()) return has_data_ ? Dispatch() : (current_.event.clear(), true);
  if (line.front() == ':') return true;  // comment, e.g. ": OPENROUTER PROCESSING"
  const size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
  }
  // "id" and "retry" do not matter for a single request.
  return true;
}

bool SseParser::Dispatch() {
  ++events_;
  const bool ok = handler_(current_);
  current_.data.clear();
  current_.event.clear();
  has_data_ = false;
  return ok;
}

bool LineSplitter::Feed(std::string_view bytes) {
  size_t start = 0;
  for (size_t nl = bytes.find('\n'); nl != std::string_view::npos; nl = bytes.find('\n', start)) {
    std::string_view line;
    if (partial_.empty()) {
      line = bytes.substr(start, nl - start);
    } else {
      partial_.append(bytes.substr(start, nl - start));
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool ok = line.empty() || handler_(line);
    partial_.clear();
    start = nl + 1;
    if (!ok) return false;
  }
  partial_.append(bytes.substr(start));
  return true;
}

bool LineSplitter::Finish() {
  std::string line;
  line.swap(partial_);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line.empty() || handler_(line);
}

}  // namespace autopilot::llm
