#pragma once
// Token prices as data (pricing.yaml) and the cost of a call.

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "autopilot/llm/types.h"
#include "autopilot/util/result.h"

namespace autopilot::llm {

/// USD per million tokens.
struct Price {
  double input = 0;
  double output = 0;
  double cached_input = -1;  ///< < 0: same as input
};

/// What a call cost.
struct Cost {
  double usd = 0;
  bool known = false;  ///< false: no price for the model, counted as 0
};

/// Prices keyed by "provider:model" patterns ('*' and '?' allowed). A model id with a date suffix
/// (gpt-4o-2024-08-06) takes the price of its longest listed prefix (gpt-4o). Thread-safe.
class PriceTable {
 public:
  using Warn = std::function<void(const std::string&)>;

  PriceTable() = default;
  // Movable (the mutex guarding the warn-once set is not moved; a moved-from table is empty).
  PriceTable(PriceTable&& other) noexcept
      : prices_(std::move(other.prices_)), warned_(std::move(other.warned_)) {}
  PriceTable& operator=(PriceTable&& other) noexcept {
    prices_ = std::move(other.prices_);
    warned_ = std::move(other.warned_);
    return *this;
  }
  /// Reads a pricing file: `models: {"openai:gpt-4o": {input: 2.5, output: 10, cached_input: 1.25}}`.
  static Result<PriceTable> Load(const std::string& path);
  static Result<PriceTable> Parse(const std::string& yaml_text, const std::string& label);

  void Set(const std::string& pattern, Price price);
  /// The price for "provider:model", if listed.
  const Price* Find(const std::string& key) const;
  /// Cost of `usage`; an unknown model costs 0 and `warn` is told once per model and table.
  Cost CostOf(const std::string& key, const Usage& usage, const Warn& warn) const;

 private:
  std::vector<std::pair<std::string, Price>> prices_;
  mutable std::mutex mutex_;
  mutable std::set<std::string> warned_;

};

/// Where pricing.yaml is: $AUTOPILOT_PRICING, else `<dir>/pricing.yaml` for dir in `search_dirs`,
/// else the one in the source tree. "" when none exists.
std::string FindPricingFile(const std::string& env_value, const std::vector<std::string>& search_dirs);

}  // namespace autopilot::llm
