#include "autopilot/report/stats.h"

#include <algorithm>
#include <cmath>

namespace autopilot::report {

Proportion Wilson(int64_t successes, int64_t trials, double z) {
  Proportion p;
  p.successes = successes;
  p.trials = trials;
  if (trials <= 0) return p;  // 0/0: rate unknown, interval [0, 1]
  const double n = static_cast<double>(trials);
  const double phat = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double center = (phat + z2 / (2.0 * n)) / denom;
  const double half = z * std::sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n)) / denom;
  p.rate = phat;
  p.low = successes <= 0 ? 0.0 : std::clamp(center - half, 0.0, 1.0);
  p.high = successes >= trials ? 1.0 : std::clamp(center + half, 0.0, 1.0);
  return p;
}

std::vector<std::optional<double>> PassAtK(const std::map<int, int64_t>& passed_by_attempts,
                                           int64_t finished, int max_k) {
  std::vector<std::optional<double>> out;
  if (max_k <= 0) return out;
  out.reserve(static_cast<size_t>(max_k));
  int64_t cumulative = 0;
  auto it = passed_by_attempts.begin();
  for (int k = 1; k <= max_k; ++k) {
    while (it != passed_by_attempts.end() && std::max(it->first, 1) <= k) {
      cumulative += it->second;
      ++it;
    }
    if (finished <= 0) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(static_cast<double>(cumulative) / static_cast<double>(finished));
    }
  }
  return out;
}

std::optional<double> MeanAttemptsToSuccess(const std::map<int, int64_t>& passed_by_attempts) {
  int64_t runs = 0;
  double attempts = 0.0;
  for (const auto& [used, count] : passed_by_attempts) {
    runs += count;
    attempts += static_cast<double>(std::max(used, 1)) * static_cast<double>(count);
  }
  if (runs == 0) return std::nullopt;
  return attempts / static_cast<double>(runs);
}

std::optional<Difference> NewcombeDifference(const Proportion& a, const Proportion& b) {
  if (!a.rate || !b.rate) return std::nullopt;
  const double p1 = *a.rate, p2 = *b.rate;
  Difference d;
  d.estimate = p1 - p2;
  d.low = d.estimate - std::sqrt((p1 - a.low) * (p1 - a.low) + (b.high - p2) * (b.high - p2));
  d.high = d.estimate + std::sqrt((a.high - p1) * (a.high - p1) + (p2 - b.low) * (p2 - b.low));
  return d;
}

std::optional<double> Ratio(double numerator, int64_t denominator) {
  if (denominator == 0) return std::nullopt;
  return numerator / static_cast<double>(denominator);
}

}  // namespace autopilot::report
