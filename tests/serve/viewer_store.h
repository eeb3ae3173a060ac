#pragma once
// A small store for the viewer tests: one sweep cell with a failed-then-repaired SG run whose
// texts are hostile (markup, invalid UTF-8), and a second run still running.

#include <string>

namespace autopilot::serve::testing {

/// Writes the store to `path`; "" on success, else the error. Run ids: 1 (passed), 2 (running).
std::string WriteViewerStore(const std::string& path);

inline constexpr const char* kHostileReply = "<script>alert('x')</script>\xff reply";

}  // namespace autopilot::serve::testing
