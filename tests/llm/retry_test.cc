// Retry hints and backoff.

#include "autopilot/llm/retry.h"

#include <gtest/gtest.h>

namespace autopilot::llm {
namespace {

TEST(Retry, RetryAfterSecondsAndHttpDate) {
  EXPECT_EQ(ParseRetryAfter("2", 0), 2.0);
  EXPECT_EQ(ParseRetryAfter(" 1.5 ", 0), 1.5);
  EXPECT_FALSE(ParseRetryAfter("-1", 0));  // Azure
  EXPECT_FALSE(ParseRetryAfter("0", 0));
  EXPECT_FALSE(ParseRetryAfter("soon", 0));
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10.0);
  EXPECT_FALSE(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490));  // in the past
}

TEST(Retry, ResetDurations) {
  EXPECT_DOUBLE_EQ(*ParseResetDuration("12ms"), 0.012);
  EXPECT_DOUBLE_EQ(*ParseResetDuration("1s"), 1.0);
  EXPECT_DOUBLE_EQ(*ParseResetDuration("6m0s"), 360.0);
  EXPECT_DOUBLE_EQ(*ParseResetDuration("1h2m3.5s"), 3723.5);
  EXPECT_DOUBLE_EQ(*ParseResetDuration("20"), 20.0);
  EXPECT_FALSE(ParseResetDuration("3 fortnights"));
  EXPECT_FALSE(ParseResetDuration(""));
}

TEST(Retry, HintPrefersRetryAfterThenTheExhaustedLimit) {
  std::map<std::string, std::string> h{{"retry-after", "3"}, {"x-ratelimit-reset-tokens", "9s"}};
  EXPECT_EQ(RetryHintFromHeaders(h, 0)->seconds, 3.0);
  EXPECT_EQ(RetryHintFromHeaders(h, 0)->source, "retry-after");
  h.erase("retry-after");
  h["x-ratelimit-reset-requests"] = "2s";
  h["x-ratelimit-remaining-requests"] = "0";
  EXPECT_EQ(RetryHintFromHeaders(h, 0)->seconds, 2.0);
  h["x-ratelimit-remaining-requests"] = "4";
  EXPECT_EQ(RetryHintFromHeaders(h, 0)->seconds, 9.0);  // unclear which: the longer
  EXPECT_FALSE(RetryHintFromHeaders({}, 0));
}

TEST(Retry, BackoffDoublesWithinJitterAndIsCapped) {
  RetryPolicy p;
  p.base_delay_s = 1;
  p.max_delay_s = 5;
  p.jitter = 0.25;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    const double d0 = BackoffDelay(p, 0, &rng);
    const double d2 = BackoffDelay(p, 2, &rng);
    const double d9 = BackoffDelay(p, 9, &rng);
    EXPECT_GE(d0, 0.75);
    EXPECT_LE(d0, 1.25);
    EXPECT_GE(d2, 3.0);
    EXPECT_LE(d2, 5.0);
    EXPECT_LE(d9, 5 * 1.25);
    EXPECT_GE(d9, 5 * 0.75);
  }
  p.jitter = 0;
  EXPECT_EQ(BackoffDelay(p, 1, nullptr), 2.0);
}

}  // namespace
}  // namespace autopilot::llm
