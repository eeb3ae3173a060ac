#pragma once
// A run store with known outcomes, written through the RunStore API, for the report tests.

#include <string>

namespace autopilot::report::testing {

/// Writes the store described in synthetic_store.cc to `path`; "" on success, else the error.
std::string WriteKnownStore(const std::string& path);

}  // namespace autopilot::report::testing
