#include "autopilot/pipeline/backend_factory.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "autopilot/llm/cassette.h"
#include "autopilot/llm/pricing.h"

namespace autopilot::pipeline {

Result<std::unique_ptr<llm::LlmBackend>> OpenBackend(const std::string& spec_text, const BackendSetup& setup) {
  auto spec = llm::ParseModelSpec(spec_text, llm::ProcessEnv());
  if (!spec) return spec.error();
  llm::BackendOptions options;
  options.warn = setup.warn ? setup.warn
                            : [](const std::string& m) { std::cerr << "autopilot: warning: " << m << "\n"; };
  const char* env = std::getenv("AUTOPILOT_PRICING");
  std::string pricing = llm::FindPricingFile(env ? env : "", setup.pricing_dirs);
  if (!pricing.empty()) {
    auto table = llm::PriceTable::Load(pricing);
    if (!table) return table.error();
    options.prices = std::make_shared<llm::PriceTable>(std::move(*table));
  }
  if (spec->provider == llm::Provider::kReplay) {
    if (!setup.record_path.empty()) return Error{"usage", "--record cannot be combined with a replay: model"};
    std::string path = spec->model;
    if (!setup.base_dir.empty() && std::filesystem::path(path).is_relative()) {
      path = (std::filesystem::path(setup.base_dir) / path).lexically_normal().string();
    }
    llm::ReplayOptions replay;
    replay.match_tag_on_miss = setup.replay_match_tag;
    return llm::MakeReplayBackend(path, options, replay);
  }
  auto backend = llm::MakeBackend(*spec, options);
  if (!backend) return backend.error();
  if (setup.record_path.empty()) return backend;
  return llm::WithRecording(std::move(*backend), *spec, setup.record_path);
}

}  // namespace autopilot::pipeline
