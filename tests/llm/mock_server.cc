#include "mock_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace autopilot::llm::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void SendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the client went away; the test asserts on its side
    done += static_cast<size_t>(n);
  }
}

}  // namespace

MockReply& MockReply::Write(std::string bytes) {
  steps.push_back({Step::Kind::kWrite, std::move(bytes), 0});
  return *this;
}

MockReply& MockReply::WriteSplit(const std::string& bytes, size_t piece, int pause_ms) {
  for (size_t at = 0; at < bytes.size(); at += piece) {
    Write(bytes.substr(at, piece));
    if (pause_ms > 0 && at + piece < bytes.size()) Pause(pause_ms);
  }
  return *this;
}

MockReply& MockReply::Pause(int ms) {
  steps.push_back({Step::Kind::kPause, "", ms});
  return *this;
}

MockReply& MockReply::Close() {
  steps.push_back({Step::Kind::kClose, "", 0});
  return *this;
}

MockReply& MockReply::Reset() {
  steps.push_back({Step::Kind::kReset, "", 0});
  return *this;
}

std::string ResponseHead(int status, const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  return head + "\r\n";
}

MockReply FullResponse(int status, const std::string& content_type, const std::string& body,
                       std::vector<std::pair<std::string, std::string>> extra_headers) {
  extra_headers.insert(extra_headers.begin(), {{"Content-Type", content_type},
                                               {"Content-Length", std::to_string(body.size())}});
  MockReply r;
  r.Write(ResponseHead(status, extra_headers) + body);
  return r;
}

MockReply ChunkedResponse(int status, const std::string& content_type, const std::string& body,
                          size_t piece, int pause_ms, bool terminate) {
  // Chunk sizes follow the natural pieces of the body (one chunk per event is typical); the TCP
  // writes are cut independently of them.
  std::string wire;
  constexpr size_t kChunk = 97;
  for (size_t at = 0; at < body.size(); at += kChunk) {
    const std::string part = body.substr(at, kChunk);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", part.size());
    wire += size + part + "\r\n";
  }
  if (terminate) wire += "0\r\n\r\n";
  MockReply r;
  r.Write(ResponseHead(status, {{"Content-Type", content_type}, {"Transfer-Encoding", "chunked"}}));
  r.WriteSplit(wire, piece, pause_ms);
  if (!terminate) r.Close();
  return r;
}

MockServer::MockServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    std::perror("mock server: bind/listen");
    return;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

MockServer::~MockServer() { Stop(); }

void MockServer::Stop() {
  if (stop_.exchange(true)) return;
  cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::vector<MockRequest> MockServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

size_t MockServer::request_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_.size();
}

void MockServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.insert(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void MockServer::PauseFor(int ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_.load(); });
}

bool MockServer::RunSteps(int fd, const MockReply& reply) {
  for (const Step& s : reply.steps) {
    if (stop_) return false;
    switch (s.kind) {
      case Step::Kind::kWrite:
        SendAll(fd, s.bytes);
        break;
      case Step::Kind::kPause:
        PauseFor(s.ms);
        break;
      case Step::Kind::kClose:
        ::shutdown(fd, SHUT_WR);
        return false;
      case Step::Kind::kReset: {
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return false;
      }
    }
  }
  return true;
}

void MockServer::Serve(int fd) {
  std::string buffer;
  char chunk[65536];
  bool open = true;
  while (open && !stop_) {
    // Read the head.
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!open) break;
    MockRequest req;
    const std::string head = buffer.substr(0, head_end);
    buffer.erase(0, head_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const size_t next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) req.headers[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
      line_end = next;
    }
    size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) length = std::stoul(it->second);
    while (buffer.size() < length) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        open = false;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (!open) break;
    req.body = buffer.substr(0, length);
    buffer.erase(0, length);
    MockReply reply = handler_(req);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(req);
    }
    open = RunSteps(fd, reply);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.erase(fd);
  }
  ::close(fd);
}

}  // namespace autopilot::llm::testing
