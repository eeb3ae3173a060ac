// The serial check against a pseudo-terminal pair the test makes: the test writes lines on the
// master as a board would, the monitor reads the slave like a /dev/ttyACM device.

#include "autopilot/board/serial_monitor.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "autopilot/util/clock.h"

namespace autopilot::board {
namespace {

class boardSerialMonitor : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[256] = {0};
    ASSERT_EQ(::openpty(&master_, &slave_, name, nullptr, nullptr), 0);
    port_ = name;
  }
  void TearDown() override {
    if (writer_.joinable()) writer_.join();
    ::close(master_);
    ::close(slave_);
  }
  /// Writes `lines` on the board's side, `gap_ms` apart, after `delay_ms`.
  void Board(std::vector<std::string> lines, int delay_ms, int gap_ms) {
    writer_ = std::thread([this, lines, delay_ms, gap_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      for (const auto& l : lines) {
        std::string out = l + "\r\n";
        if (::write(master_, out.data(), out.size()) < 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
      }
    });
  }
  int master_ = -1, slave_ = -1;
  std::string port_;
  std::thread writer_;
};

TEST_F(boardSerialMonitor, MatchesALineWrittenLater) {
  Board({"Booting", "AllocateTensors ok", "Apple 0.93"}, 100, 50);
  MonitorOptions o;
  o.port = port_;
  o.expect = "^(Apple|Banana|Orange)";
  o.seconds = 5;
  int64_t t0 = util::MonotonicMs();
  auto r = MonitorSerial(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->matched);
  EXPECT_EQ(r->matched_line, "Apple 0.93");  // the \r of the board's println is gone
  EXPECT_EQ(r->lines, (std::vector<std::string>{"Booting", "AllocateTensors ok", "Apple 0.93"}));
  EXPECT_LT(util::MonotonicMs() - t0, 3000);  // it stops at the match, not at the limit
}

TEST_F(boardSerialMonitor, NoMatchWithinTheLimit) {
  Board({"Booting", "alloc failed"}, 50, 20);
  MonitorOptions o;
  o.port = port_;
  o.expect = "Apple";
  o.seconds = 1;
  int64_t t0 = util::MonotonicMs();
  auto r = MonitorSerial(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->matched);
  EXPECT_EQ(r->lines, (std::vector<std::string>{"Booting", "alloc failed"}));
  int64_t took = util::MonotonicMs() - t0;
  EXPECT_GE(took, 950);
  EXPECT_LT(took, 2500);
}

TEST_F(boardSerialMonitor, BadPortAndBadRegexAreErrors) {
  MonitorOptions o;
  o.port = "/nonexistent/ttyACM9";
  o.seconds = 1;
  auto r = MonitorSerial(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/ttyACM9"), std::string::npos);
  o.port = port_;
  o.expect = "(unclosed";
  auto bad = MonitorSerial(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("--expect"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::board
