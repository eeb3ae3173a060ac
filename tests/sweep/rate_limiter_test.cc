#include "autopilot/sweep/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace autopilot::sweep {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiter, SpacesRequestsEvenlyAcrossThreads) {
  RateLimiter limiter(60.0 * 50);  // 50 per second: 20 ms apart
  auto t0 = RateLimiter::Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 3; ++k) limiter.Acquire();
    });
  }
  for (auto& t : threads) t.join();
  auto elapsed = RateLimiter::Clock::now() - t0;
  // 12 requests: the first at once, then 11 gaps of 20 ms.
  EXPECT_GE(elapsed, milliseconds(215));
  EXPECT_LT(elapsed, milliseconds(1500));
}

TEST(RateLimiter, WaitsOnlyWhenRequestsComeTooFast) {
  std::vector<RateLimiter::Clock::duration> waits;
  RateLimiter limiter(60, [&](RateLimiter::Clock::duration d) { waits.push_back(d); });
  limiter.Acquire();
  limiter.Acquire();
  limiter.Acquire();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_GT(waits[0], milliseconds(990));
  EXPECT_GT(waits[1], milliseconds(1990));  // the fake sleep does not sleep: slots queue up
}

}  // namespace
}  // namespace autopilot::sweep
