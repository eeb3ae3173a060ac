#pragma once
// Time helpers with no project types.

#include <cstdint>
#include <string>

namespace autopilot::util {

/// Monotonic milliseconds, for durations.
int64_t MonotonicMs();
/// Monotonic microseconds, for short durations.
int64_t MonotonicUs();
/// Wall-clock time as RFC 3339 UTC with milliseconds, e.g. 2026-11-21T10:00:00.123Z.
std::string NowRfc3339();

}  // namespace autopilot::util
