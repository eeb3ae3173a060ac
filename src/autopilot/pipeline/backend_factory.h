#pragma once
// One way for commands that drive LLMs (run, sweep) to turn a spec into a backend: prices,
// warnings, optional recording, and replay that survives prompt edits.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autopilot/llm/backend.h"
#include "autopilot/llm/pricing.h"
#include "autopilot/util/result.h"

namespace autopilot::pipeline {

struct BackendSetup {
  /// Append every answered request to this cassette ("" = no recording; not with replay:).
  std::string record_path;
  /// For replay: specs, serve the entry recorded for the same stage and attempt when the exact
  /// request changed (a prompt template was edited), with a warning. Off = a miss is an error.
  bool replay_match_tag = true;
  /// Prices (LoadPrices); null counts every call as 0 USD.
  std::shared_ptr<const llm::PriceTable> prices;
  /// Warnings for people; default stderr.
  std::function<void(const std::string&)> warn;
  /// Relative replay: paths are resolved against this folder ("" = current directory).
  std::string base_dir;
};

/// pricing.yaml from `explicit_path`, else $AUTOPILOT_PRICING, else the first of `search_dirs`
/// holding one; null when there is none.
Result<std::shared_ptr<const llm::PriceTable>> LoadPrices(const std::string& explicit_path,
                                                          const std::vector<std::string>& search_dirs);

/// Parses `spec_text` (PROVIDER:MODEL[@BASE], replay:FILE) and opens the backend.
Result<std::unique_ptr<llm::LlmBackend>> OpenBackend(const std::string& spec_text, const BackendSetup& setup);

}  // namespace autopilot::pipeline
