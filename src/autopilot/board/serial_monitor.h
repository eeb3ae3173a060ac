#pragma once
// A serial check with a time limit: read a board's serial port (a tty: USB CDC ACM, or a
// pseudo-terminal in the tests) line by line until a pattern matches or the time is up. What
// it read is the run layer of a real board, marked "hardware".

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

/// What to watch for.
struct MonitorOptions {
  std::string port;        ///< e.g. /dev/ttyACM0
  std::string expect;      ///< ECMAScript regex searched in each line; "" = read until the time is up
  double seconds = 10;     ///< wall-clock limit
  int baudrate = 9600;     ///< arduino-cli monitor's default (serial-monitor baudrate)
  size_t max_bytes = 1u << 20;  ///< output kept
};

/// What the port said.
struct MonitorResult {
  bool matched = false;
  std::string matched_line;
  std::vector<std::string> lines;  ///< complete lines read, without line endings
  std::string output;              ///< everything read (up to max_bytes)
  int64_t ms = 0;                  ///< until the match, or the limit
};

/// Opens `port` (no controlling tty, raw mode at `baudrate`), reads until `expect` matches a
/// line or `seconds` pass. Errors: the port cannot be opened, the regex is invalid.
Result<MonitorResult> MonitorSerial(const MonitorOptions& options);

}  // namespace autopilot::board
