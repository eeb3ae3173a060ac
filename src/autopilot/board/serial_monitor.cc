#include "autopilot/board/serial_monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "autopilot/util/clock.h"

namespace autopilot::board {
namespace {

speed_t SpeedOf(int baud) {
  switch (baud) {
    case 300: return B300;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 2000000: return B2000000;
    default: return 0;
  }
}

/// Closes the port on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<MonitorResult> MonitorSerial(const MonitorOptions& o) {
  std::regex pattern;
  if (!o.expect.empty()) {
    try {
      pattern = std::regex(o.expect, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Error{errc::kUsage, "--expect '" + o.expect + "' is not a valid regular expression: " + e.what()};
    }
  }
  speed_t speed = SpeedOf(o.baudrate);
  if (speed == 0) return Error{errc::kUsage, "unsupported baudrate " + std::to_string(o.baudrate)};
  Fd port;
  port.fd = ::open(o.port.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (port.fd < 0) {
    return Error{errc::kEnv, "cannot open serial port " + o.port + ": " + std::strerror(errno) +
                                 " (is the board connected? `arduino-cli board list` shows its port)"};
  }
  // Raw mode at the board's rate; a port that is not a tty (a plain file or FIFO) is read as is.
  termios tio{};
  if (::tcgetattr(port.fd, &tio) == 0) {
    ::cfmakeraw(&tio);
    ::cfsetispeed(&tio, speed);
    ::cfsetospeed(&tio, speed);
    tio.c_cflag |= CLOCAL | CREAD;
    ::tcsetattr(port.fd, TCSANOW, &tio);
  }
  MonitorResult r;
  int64_t start = util::MonotonicMs();
  int64_t deadline = start + static_cast<int64_t>(o.seconds * 1000);
  std::string pending;
  auto take_line = [&](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    r.lines.push_back(line);
    if (!o.expect.empty() && !r.matched && std::regex_search(line, pattern)) {
      r.matched = true;
      r.matched_line = line;
    }
  };
  char buf[4096];
  while (!r.matched) {
    int64_t now = util::MonotonicMs();
    if (now >= deadline) break;
    pollfd p{port.fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(deadline - now, 200)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{errc::kEnv, "reading " + o.port + ": " + std::strerror(errno)};
    if (n == 0) continue;
    ssize_t got = ::read(port.fd, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      // The other side closed (a board reset, the pty's writer gone): wait for it to come back
      // until the limit, as a monitor does.
      ::usleep(50 * 1000);
      continue;
    }
    if (r.output.size() < o.max_bytes) r.output.append(buf, static_cast<size_t>(got));
    pending.append(buf, static_cast<size_t>(got));
    for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      take_line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
      if (r.matched) break;
    }
  }
  if (!r.matched && !pending.empty()) take_line(pending);
  r.ms = util::MonotonicMs() - start;
  return r;
}

}  // namespace autopilot::board
