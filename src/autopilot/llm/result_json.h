#pragma once
// LlmResult ⇄ JSON, for `--json` output, cassettes and traces. Field names follow the issue's
// contract; usage and timing names map onto OpenTelemetry GenAI attributes one to one.

#include <nlohmann/json.hpp>

#include "autopilot/llm/types.h"

namespace autopilot::llm {

/// The normalised result. `include_raw` adds the provider's raw reply (already scrubbed).
nlohmann::ordered_json ResultToJson(const LlmResult& r, bool include_raw);
/// Inverse of ResultToJson; missing fields keep their defaults.
LlmResult ResultFromJson(const nlohmann::json& j);

}  // namespace autopilot::llm
