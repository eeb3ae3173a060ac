#pragma once
// Incremental parsers for streamed replies: Server-Sent Events (OpenAI) and newline-delimited
// JSON (Ollama). Both accept input cut at any byte.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace autopilot::llm {

/// One SSE event: `data` lines joined with '\n'.
struct SseEvent {
  std::string event;  ///< "event:" field, "" for the default "message"
  std::string data;
};

/// Splits a byte stream into SSE events (WHATWG rules: LF, CRLF or CR line ends; lines starting with
/// ':' are comments; "data:" lines accumulate until a blank line dispatches the event).
class SseParser {
 public:
  /// Return false from the handler to stop; Feed then returns false too.
  using Handler = std::function<bool(const SseEvent&)>;

  explicit SseParser(Handler handler) : handler_(std::move(handler)) {}
  bool Feed(std::string_view bytes);
  /// End of stream: dispatches an event whose blank line never came (lenient, some servers do).
  bool Finish();
  size_t events() const { return events_; }

 private:
  bool Line(std::string_view line);
  bool Dispatch();

  Handler handler_;
  std::string partial_;
  bool last_was_cr_ = false;
  SseEvent current_;
  bool has_data_ = false;
  size_t events_ = 0;
};

/// Splits a byte stream into lines ('\n' ends a line; a trailing '\r' is dropped; blank lines are
/// skipped).
class LineSplitter {
 public:
  using Handler = std::function<bool(std::string_view line)>;

  explicit LineSplitter(Handler handler) : handler_(std::move(handler)) {}
  bool Feed(std::string_view bytes);
  /// End of stream: hands over a last line that had no newline.
  bool Finish();

 private:
  Handler handler_;
  std::string partial_;
};

}  // namespace autopilot::llm
