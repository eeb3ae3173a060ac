#pragma once
// Report statistics as pure functions: proportions with Wilson score intervals, pass@k over repair
// attempts, and the Newcombe interval for a difference of two proportions.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace autopilot::report {

/// z for a two-sided 95 % interval (the 0.975 quantile of the standard normal).
inline constexpr double kZ95 = 1.959963984540054;

/// k successes out of n trials, with the point estimate and a confidence interval.
struct Proportion {
  int64_t successes = 0;
  int64_t trials = 0;
  std::optional<double> rate;  ///< k/n; none when n = 0
  double low = 0.0;            ///< interval bounds; [0, 1] when n = 0 (nothing is known)
  double high = 1.0;
};

/// The Wilson score interval (Wilson 1927): unlike the normal approximation it stays inside [0, 1]
/// and is sensible at 0/n and n/n, which small sweeps hit all the time. Exact 0 (k = 0) and 1
/// (k = n) bounds are returned as exact values, not 1e-17.
Proportion Wilson(int64_t successes, int64_t trials, double z = kZ95);

/// pass@k for k = 1..max_k: the fraction of `finished` runs that passed within k attempts.
/// `passed_by_attempts` maps "attempts a passed run used" to how many runs did so (a passed run
/// recorded with 0 attempts counts as passing at the first). Empty rates (none) when finished = 0.
std::vector<std::optional<double>> PassAtK(const std::map<int, int64_t>& passed_by_attempts,
                                           int64_t finished, int max_k);

/// Mean attempts over passed runs (none when no run passed); same histogram as PassAtK.
std::optional<double> MeanAttemptsToSuccess(const std::map<int, int64_t>& passed_by_attempts);

/// Difference a - b of two proportions with Newcombe's hybrid score interval (method 10 of
/// Newcombe 1998), built from the two Wilson intervals. none when either has no trials.
struct Difference {
  double estimate = 0.0;
  double low = 0.0;
  double high = 0.0;
};
std::optional<Difference> NewcombeDifference(const Proportion& a, const Proportion& b);

/// a / b, or none when b is 0 (e.g. cost per success with no success).
std::optional<double> Ratio(double numerator, int64_t denominator);

}  // namespace autopilot::report
