#include "autopilot/llm/pricing.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

bool IsPattern(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

}  // namespace

Result<PriceTable> PriceTable::Load(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kConfig, path + ": cannot read the pricing file: " + text.error().message};
  return Parse(*text, path);
}

Result<PriceTable> PriceTable::Parse(const std::string& yaml_text, const std::string& label) {
  PriceTable table;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Error{errc::kConfig, label + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  const YAML::Node models = root["models"];
  if (!models || !models.IsMap()) {
    return Error{errc::kConfig, label + ": expected a 'models' mapping of \"provider:model\" to prices"};
  }
  for (const auto& entry : models) {
    const std::string key = entry.first.as<std::string>("");
    const YAML::Node v = entry.second;
    const std::string where = label + ":" + std::to_string(entry.first.Mark().line + 1) + ": " + key;
    if (key.find(':') == std::string::npos) {
      return Error{errc::kConfig, where + ": keys are \"provider:model\", e.g. \"openai:gpt-4o\""};
    }
    if (!v.IsMap() || !v["input"] || !v["output"]) {
      return Error{errc::kConfig, where + ": needs input and output (USD per million tokens)"};
    }
    Price p;
    try {
      p.input = v["input"].as<double>();
      p.output = v["output"].as<double>();
      if (v["cached_input"]) p.cached_input = v["cached_input"].as<double>();
    } catch (const YAML::Exception&) {
      return Error{errc::kConfig, where + ": prices must be numbers (USD per million tokens)"};
    }
    if (p.input < 0 || p.output < 0) return Error{errc::kConfig, where + ": prices cannot be negative"};
    for (const auto& field : v) {
      const std::string name = field.first.as<std::string>("");
      if (name != "input" && name != "output" && name != "cached_input") {
        return Error{errc::kConfig, where + ": unknown field '" + name + "' (input, output, cached_input)"};
      }
    }
    table.Set(key, p);
  }
  return table;
}

void PriceTable::Set(const std::string& pattern, Price price) {
  const std::string key = util::ToLower(pattern);
  for (auto& [k, v] : prices_) {
    if (k == key) {
      v = price;
      return;
    }
  }
  prices_.emplace_back(key, price);
}

const Price* PriceTable::Find(const std::string& key_in) const {
  const std::string key = util::ToLower(key_in);
  const Price* best = nullptr;
  size_t best_len = 0;
  for (const auto& [k, v] : prices_) {
    if (k == key) return &v;
    if (IsPattern(k)) continue;
    // A dated or suffixed id: "gpt-4o-2024-08-06" → "gpt-4o".
    if (key.size() > k.size() && util::StartsWith(key, k) && key[k.size()] == '-' && k.size() > best_len) {
      best = &v;
      best_len = k.size();
    }
  }
  if (best) return best;
  for (const auto& [k, v] : prices_) {
    if (IsPattern(k) && util::GlobMatchIgnoreCase(k, key)) return &v;
  }
  return nullptr;
}

Cost PriceTable::CostOf(const std::string& key, const Usage& usage, const Warn& warn) const {
  const Price* p = Find(key);
  if (!p) {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first = warned_.insert(util::ToLower(key)).second;
    }
    if (first && warn) {
      warn("no price for '" + key + "' in pricing.yaml: its cost is counted as 0 USD");
    }
    return {};
  }
  const int64_t cached = std::clamp<int64_t>(usage.cached_input_tokens, 0, usage.input_tokens);
  const double cached_price = p->cached_input >= 0 ? p->cached_input : p->input;
  const double usd = (static_cast<double>(usage.input_tokens - cached) * p->input +
                      static_cast<double>(cached) * cached_price +
                      static_cast<double>(usage.output_tokens) * p->output) /
                     1e6;
  return {usd, true};
}

std::string FindPricingFile(const std::string& env_value, const std::vector<std::string>& search_dirs) {
  if (!env_value.empty()) return env_value;
  for (const auto& dir : search_dirs) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/pricing.yaml";
    if (util::PathExists(candidate)) return candidate;
  }
  const std::string source = util::DataPath("pricing.yaml");
  return util::PathExists(source) ? source : std::string();
}

}  // namespace autopilot::llm
