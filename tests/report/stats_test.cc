#include "autopilot/report/stats.h"

#include <gtest/gtest.h>

namespace autopilot::report {
namespace {

TEST(Wilson, SevenOfTenByHand) {
  // z = 1.959964, z² = 3.841459, n = 10, p̂ = 0.7
  // denom  = 1 + z²/n                           = 1.384146
  // center = (p̂ + z²/(2n)) / denom              = (0.7 + 0.192073) / 1.384146 = 0.644493
  // half   = z·sqrt(p̂(1−p̂)/n + z²/(4n²)) / denom = 1.959964·sqrt(0.021 + 0.009604) / 1.384146
  //                                             = 1.959964·0.174939 / 1.384146 = 0.247716
  // → [0.3968, 0.8922]
  Proportion p = Wilson(7, 10);
  ASSERT_TRUE(p.rate);
  EXPECT_DOUBLE_EQ(*p.rate, 0.7);
  EXPECT_NEAR(p.low, 0.3968, 5e-5);
  EXPECT_NEAR(p.high, 0.8922, 5e-5);
  EXPECT_EQ(p.successes, 7);
  EXPECT_EQ(p.trials, 10);
}

TEST(Wilson, ZeroOfZeroIsUnknownWithTheWholeInterval) {
  Proportion p = Wilson(0, 0);
  EXPECT_FALSE(p.rate);
  EXPECT_EQ(p.low, 0.0);
  EXPECT_EQ(p.high, 1.0);
}

TEST(Wilson, ZeroOfNStartsAtExactlyZero) {
  // k = 0: the lower bound is exactly 0, the upper bound z²/(n + z²) = 3.841459/13.841459 = 0.2775
  Proportion p = Wilson(0, 10);
  ASSERT_TRUE(p.rate);
  EXPECT_EQ(*p.rate, 0.0);
  EXPECT_EQ(p.low, 0.0);
  EXPECT_NEAR(p.high, 0.2775, 5e-5);
}

TEST(Wilson, NOfNEndsAtExactlyOne) {
  // k = n: the upper bound is exactly 1, the lower bound n/(n + z²) = 10/13.841459 = 0.7225
  Proportion p = Wilson(10, 10);
  ASSERT_TRUE(p.rate);
  EXPECT_EQ(*p.rate, 1.0);
  EXPECT_EQ(p.high, 1.0);
  EXPECT_NEAR(p.low, 0.7225, 5e-5);
  // and with a single trial: 1/(1 + z²) = 1/4.841459 = 0.2065
  EXPECT_NEAR(Wilson(1, 1).low, 0.2065, 5e-5);
  EXPECT_EQ(Wilson(1, 1).high, 1.0);
}

TEST(Wilson, StaysInsideTheUnitIntervalAndIsSymmetric) {
  for (int n = 1; n <= 40; ++n) {
    for (int k = 0; k <= n; ++k) {
      Proportion p = Wilson(k, n);
      EXPECT_GE(p.low, 0.0);
      EXPECT_LE(p.high, 1.0);
      EXPECT_LE(p.low, *p.rate);
      EXPECT_GE(p.high, *p.rate);
      Proportion mirror = Wilson(n - k, n);
      EXPECT_NEAR(p.low, 1.0 - mirror.high, 1e-12);
    }
  }
}

TEST(PassAtK, CumulatesTheAttemptHistogram) {
  // 10 finished runs: 4 passed at attempt 1, 2 at attempt 2, 1 at attempt 3 (3 failed)
  std::map<int, int64_t> hist{{1, 4}, {2, 2}, {3, 1}};
  auto v = PassAtK(hist, 10, 4);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_DOUBLE_EQ(*v[0], 0.4);  // 4/10
  EXPECT_DOUBLE_EQ(*v[1], 0.6);  // (4+2)/10
  EXPECT_DOUBLE_EQ(*v[2], 0.7);  // (4+2+1)/10
  EXPECT_DOUBLE_EQ(*v[3], 0.7);  // no run needed a 4th attempt
  // mean attempts to success = (4·1 + 2·2 + 1·3) / 7 = 11/7
  EXPECT_DOUBLE_EQ(*MeanAttemptsToSuccess(hist), 11.0 / 7.0);
}

TEST(PassAtK, EdgeCases) {
  EXPECT_TRUE(PassAtK({}, 0, 0).empty());
  auto none = PassAtK({}, 0, 2);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_FALSE(none[0]);
  auto zero = PassAtK({}, 5, 2);
  EXPECT_DOUBLE_EQ(*zero[1], 0.0);
  // A passed run with no attempt rows counts as passing at the first attempt.
  auto no_rows = PassAtK({{0, 2}}, 4, 1);
  EXPECT_DOUBLE_EQ(*no_rows[0], 0.5);
  EXPECT_DOUBLE_EQ(*MeanAttemptsToSuccess({{0, 2}}), 1.0);
  EXPECT_FALSE(MeanAttemptsToSuccess({}));
}

TEST(Newcombe, DifferenceOfTwoProportionsByHand) {
  // a = 1/4: p1 = 0.25, Wilson [0.045587, 0.699358]; b = 7/10: p2 = 0.7, Wilson [0.396778, 0.892209]
  // d = p1 − p2 = −0.45
  // low  = d − sqrt((p1 − l1)² + (u2 − p2)²) = −0.45 − sqrt(0.204413² + 0.192209²) = −0.7306
  // high = d + sqrt((u1 − p1)² + (p2 − l2)²) = −0.45 + sqrt(0.449358² + 0.303222²) = 0.0921
  auto d = NewcombeDifference(Wilson(1, 4), Wilson(7, 10));
  ASSERT_TRUE(d);
  EXPECT_NEAR(d->estimate, -0.45, 1e-12);
  EXPECT_NEAR(d->low, -0.7306, 5e-5);
  EXPECT_NEAR(d->high, 0.0921, 5e-5);
  EXPECT_FALSE(NewcombeDifference(Wilson(0, 0), Wilson(1, 2)));
  auto same = NewcombeDifference(Wilson(3, 6), Wilson(3, 6));
  EXPECT_DOUBLE_EQ(same->estimate, 0.0);
  EXPECT_LT(same->low, 0.0);
  EXPECT_GT(same->high, 0.0);
}

TEST(Newcombe, MatchesThePublishedExample) {
  // Newcombe (1998), Statistics in Medicine 17:873–890, Table II example (a): 56/70 − 48/80,
  // method 10 (score interval without continuity correction): 0.2000, 95% CI [0.0524, 0.3339].
  auto d = NewcombeDifference(Wilson(56, 70), Wilson(48, 80));
  ASSERT_TRUE(d);
  EXPECT_NEAR(d->estimate, 0.2, 1e-12);
  EXPECT_NEAR(d->low, 0.0524, 5e-5);
  EXPECT_NEAR(d->high, 0.3339, 5e-5);
}

TEST(Ratio, NoneForZeroDenominator) {
  EXPECT_FALSE(Ratio(1.0, 0));
  EXPECT_DOUBLE_EQ(*Ratio(0.2, 7), 0.2 / 7);
}

}  // namespace
}  // namespace autopilot::report
