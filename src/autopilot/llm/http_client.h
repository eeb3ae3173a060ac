#pragma once
// A small HTTP client over libcurl with the three timeouts LLM calls need: connect, idle (no bytes
// for N seconds) and an overall deadline.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::llm {

/// Limits of one HTTP exchange.
struct TransportOptions {
  double connect_timeout_s = 10;
  /// No byte for this long aborts the transfer. Counted from the request start when streaming,
  /// from the first byte otherwise (a non-streamed answer arrives only when it is complete).
  double idle_timeout_s = 300;
  double deadline_s = 1800;                  ///< whole exchange
  size_t max_response_bytes = 64u << 20;     ///< a bigger body is refused (not retried)
  size_t max_raw_bytes = 1u << 20;           ///< how much of the body LlmResult keeps for the trace
};

/// One HTTP request.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  TransportOptions limits;
  bool streaming = false;  ///< idle timer runs from the start; see TransportOptions
  /// Called with each piece of a 2xx body as it arrives; return false to abort. When unset, the
  /// body is collected in HttpResponse::body. Error bodies (status >= 300) are always collected.
  std::function<bool(std::string_view)> on_data;
};

/// What came back. `error` is set when no complete response arrived (the taxonomy id says why);
/// status, headers and the body received so far are still filled in.
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names lower-cased; last value wins
  std::string body;
  size_t bytes_received = 0;
  double first_byte_s = -1;  ///< -1: nothing arrived
  double elapsed_s = 0;
  std::optional<Error> error;
  bool aborted_by_callback = false;
  bool too_large = false;  ///< refused for max_response_bytes: retrying would not help
  long new_connections = 0;  ///< 0 when a kept-alive connection was reused
};

/// Performs requests one at a time; keeps connections alive between them. Not thread-safe: use one
/// per thread.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Perform(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The value of header `name` (any case) in `headers`, or "".
std::string HeaderValue(const std::map<std::string, std::string>& headers, const std::string& name);

}  // namespace autopilot::llm
