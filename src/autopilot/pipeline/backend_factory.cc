#include "autopilot/pipeline/backend_factory.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "autopilot/llm/cassette.h"

namespace autopilot::pipeline {

Result<std::shared_ptr<const llm::PriceTable>> LoadPrices(const std::string& explicit_path,
                                                          const std::vector<std::string>& search_dirs) {
  std::string path = explicit_path;
  if (path.empty()) {
    const char* env = std::getenv("AUTOPILOT_PRICING");
    path = llm::FindPricingFile(env ? env : "", search_dirs);
  }
  if (path.empty()) return std::shared_ptr<const llm::PriceTable>();
  auto table = llm::PriceTable::Load(path);
  if (!table) return table.error();
  return std::shared_ptr<const llm::PriceTable>(std::make_shared<llm::PriceTable>(std::move(*table)));
}

Result<std::unique_ptr<llm::LlmBackend>> OpenBackend(const std::string& spec_text, const BackendSetup& setup) {
  auto spec = llm::ParseModelSpec(spec_text, llm::ProcessEnv());
  if (!spec) return spec.error();
  llm::BackendOptions options;
  options.warn = setup.warn ? setup.warn
                            : [](const std::string& m) { std::cerr << "autopilot: warning: " << m << "\n"; };
  options.prices = setup.prices;
  if (spec->provider == llm::Provider::kReplay) {
    if (!setup.record_path.empty()) return Error{errc::kUsage, "--record cannot be combined with a replay: model"};
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
