#pragma once
// Seeds for tests that pick random points (kill times, inputs): $AUTOPILOT_TEST_SEED when set,
// else a fresh one; always printed, so a failure can be replayed with the same seed.

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

namespace autopilot::test {

inline unsigned TestSeed() {
  const char* env = std::getenv("AUTOPILOT_TEST_SEED");
  unsigned seed = env && *env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10))
                              : static_cast<unsigned>(std::random_device{}());
  std::cerr << "[ seed ] " << seed << " (replay with AUTOPILOT_TEST_SEED=" << seed << ")\n";
  return seed;
}

}  // namespace autopilot::test
