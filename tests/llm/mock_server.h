#pragma once
// A loopback HTTP/1.1 server for the llm tests. Each reply is a script of raw byte writes, pauses,
// closes and resets, so a test controls the framing to the byte: a stream cut in the middle of a
// line, a stall, a reset, a chunked body that never ends.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace autopilot::llm::testing {

/// A request as the server received it.
struct MockRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  ///< names lower-cased
  std::string body;
};

/// One action of a reply script.
struct Step {
  enum class Kind { kWrite, kPause, kClose, kReset };
  Kind kind = Kind::kWrite;
  std::string bytes;  ///< kWrite
  int ms = 0;         ///< kPause
};

/// The script for one request. Without a kClose/kReset step the connection stays open for the next.
struct MockReply {
  std::vector<Step> steps;

  MockReply& Write(std::string bytes);
  /// Writes `bytes` in pieces of `piece` bytes with `pause_ms` between them (split framing).
  MockReply& WriteSplit(const std::string& bytes, size_t piece, int pause_ms);
  MockReply& Pause(int ms);
  MockReply& Close();
  MockReply& Reset();  ///< RST instead of FIN (SO_LINGER 0)
};

/// "HTTP/1.1 <status> <reason>\r\n" + headers + "\r\n" (no body).
std::string ResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers);
/// A complete response with Content-Length.
MockReply FullResponse(int status, const std::string& content_type, const std::string& body,
                       std::vector<std::pair<std::string, std::string>> extra_headers = {});
/// A chunked response from `body`, written in `piece`-byte writes; `terminate` adds the last chunk.
MockReply ChunkedResponse(int status, const std::string& content_type, const std::string& body,
                          size_t piece, int pause_ms, bool terminate = true);

/// The server; starts listening on 127.0.0.1 (ephemeral port) in the constructor.
class MockServer {
 public:
  using Handler = std::function<MockReply(const MockRequest&)>;

  explicit MockServer(Handler handler);
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<MockRequest> requests() const;
  size_t request_count() const;
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd);
  bool RunSteps(int fd, const MockReply& reply);  ///< false: connection closed by the script
  void PauseFor(int ms);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::set<int> open_fds_;
  std::vector<MockRequest> requests_;
};

}  // namespace autopilot::llm::testing
