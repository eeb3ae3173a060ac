// Scenarios: the APDS9960 sample format as before, time-stamped streams, their errors (file:line)
// and the plan the sketch binary reads.

#include "autopilot/board/scenario.h"

#include <gtest/gtest.h>

#include "autopilot/board/board_run.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {

class boardScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = util::MakeTempDir("scenario-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
  }
  void TearDown() override { util::RemoveTree(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(util::WriteFileAtomic(path, text).ok());
    return path;
  }
  /// The error LoadStream gives for `text`, which must start with `where` (file:line).
  std::string StreamError(const std::string& text, int line) {
    std::string path = Write("bad.csv", text);
    auto r = LoadStream(path);
    EXPECT_FALSE(r.ok()) << text;
    if (r.ok()) return "";
    std::string where = path + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(r.error().message.rfind(where, 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().code, errc::kUsage);
    return r.error().message;
  }

  std::string dir_;
};

TEST_F(boardScenario, TheApdsSampleFormatLoadsAndPlansAsBefore) {
  const std::string fruit = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
  auto is_stream = IsStreamFile(fruit);
  ASSERT_TRUE(is_stream.ok());
  EXPECT_FALSE(*is_stream);
  auto samples = LoadScenario(fruit);
  ASSERT_TRUE(samples.ok()) << samples.error().message;
  auto sc = LoadScenarioFiles({fruit});
  ASSERT_TRUE(sc.ok()) << sc.error().message;
  EXPECT_EQ(sc->samples.size(), 6u);
  EXPECT_TRUE(sc->streams.empty());
  Timeline t;
  // The plan of a sample scenario is exactly the segment plan it always was.
  EXPECT_EQ(PlanText(*sc, t), PlanText(*samples, t));
  EXPECT_EQ(PlanText(*samples, t).substr(0, 34), "500 4 4 3 10 255 -1\n1500 342 141 1");
  EXPECT_EQ(sc->LengthMs(t), t.StartMs(6));
}

TEST_F(boardScenario, StreamsLoadWithTheirColumnsRowsAndEnd) {
  std::string path = Write("imu.csv",
                           "# a comment\n"
                           "t_ms,ax,ay,az,gx,gy,gz,label\n"
                           "0.000,0.000,0.000,1.000,0.000,0.000,0.000,\n"
                           "\n"
                           "8.403,2.600,-0.5,1.0,10,20,-30.25,punch\r\n"
                           "16.807,0.1,0.2,0.3,0.4,0.5,0.6,punch\n");
  auto is_stream = IsStreamFile(path);
  ASSERT_TRUE(is_stream.ok());
  EXPECT_TRUE(*is_stream);
  auto st = LoadStream(path);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->columns, (std::vector<std::string>{"ax", "ay", "az", "gx", "gy", "gz"}));
  EXPECT_EQ(st->Quantities(), (std::vector<std::string>{"acceleration", "gyroscope"}));
  ASSERT_EQ(st->rows.size(), 3u);
  EXPECT_EQ(st->rows[1].line, 5);
  EXPECT_EQ(st->rows[1].label, "punch");
  EXPECT_DOUBLE_EQ(st->rows[1].values[5], -30.25);
  EXPECT_EQ(st->Column("gz"), 5);
  EXPECT_EQ(st->Column("mx"), -1);
  EXPECT_NEAR(st->IntervalMs(), 8.4035, 1e-9);
  EXPECT_NEAR(st->EndMs(), 16.807 + 8.4035, 1e-9);

  // Columns in any order, without a label; environment columns.
  std::string env =
      Write("env.csv", "humidity,t_ms,temperature,pressure\n40,0,21.5,101.3\n41,1000,22,101.2\n");
  auto e = LoadStream(env);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->columns, (std::vector<std::string>{"humidity", "temperature", "pressure"}));
  EXPECT_DOUBLE_EQ(e->rows[1].t_ms, 1000);
  EXPECT_DOUBLE_EQ(e->rows[1].values[1], 22);

  // Both streams together: the plan lists each with its end and its rows in µs.
  auto sc = LoadScenarioFiles({path, env});
  ASSERT_TRUE(sc.ok()) << sc.error().message;
  EXPECT_TRUE(sc->samples.empty());
  EXPECT_EQ(sc->LengthMs(Timeline{}), 2000);
  std::string plan = PlanText(*sc, Timeline{});
  EXPECT_EQ(plan.rfind("stream 2521", 0), 0u) << plan;  // 25.2105 ms
  EXPECT_NE(plan.find(" ax ay az gx gy gz\nr 0 0 0 1 0 0 0\nr 8403 2.6 -0.5 1 10 20 -30.25\nr "
                      "16807 0.1 0.2 0.3 "),
            std::string::npos)
      << plan;
  EXPECT_NE(plan.find("stream 2000000 humidity temperature pressure\nr 0 40 21.5 101.3\nr 1000000 "
                      "41 22 101.2\n"),
            std::string::npos)
      << plan;
}

TEST_F(boardScenario, MalformedStreamsNameFileAndLine) {
  std::string e = StreamError("t_ms,ax,ay,az\n0,0,0,1\n8.4,0,zero,1\n", 3);
  EXPECT_NE(e.find("ay is not a number: 'zero'"), std::string::npos) << e;

  e = StreamError("t_ms,ax,ay,az\n0,0,0,1\n8.4,0,0\n", 3);
  EXPECT_NE(e.find("expected 4 cells (t_ms,ax,ay,az), got 3"), std::string::npos) << e;

  e = StreamError("t_ms,temperature\n0,20\n# pause\n1000,21\n1000,22\n", 5);
  EXPECT_NE(e.find("t_ms 1000 is not after the previous row's 1000 (line 4)"), std::string::npos)
      << e;

  e = StreamError("t_ms,temperature\n0,20\n", 2);
  EXPECT_NE(e.find("at least two rows"), std::string::npos) << e;

  e = StreamError("t_ms,temperature\n-5,20\n0,20\n", 2);
  EXPECT_NE(e.find("negative"), std::string::npos) << e;

  e = StreamError("\n# captures\nrecording,t_ms,ax,ay,az,gx,gy,gz,label\nr0,0,0,0,1,0,0,0,punch\n",
                  3);
  EXPECT_NE(e.find("unknown column 'recording'"), std::string::npos) << e;
  EXPECT_NE(e.find("--stream"), std::string::npos) << e;  // how to make a live stream instead

  e = StreamError("t_ms,temprature\n0,20\n", 1);
  EXPECT_NE(e.find("did you mean 'temperature'?"), std::string::npos) << e;

  e = StreamError("t_ms,ax,ay\n0,0,0\n", 1);
  EXPECT_NE(e.find("column ax needs az too (acceleration is read as one)"), std::string::npos) << e;

  e = StreamError("t_ms,label\n0,rest\n1,rest\n", 1);
  EXPECT_NE(e.find("no sensor column"), std::string::npos) << e;

  e = StreamError("t_ms,ax,ay,az,ax\n0,0,0,1,0\n", 1);
  EXPECT_NE(e.find("column 'ax' appears twice"), std::string::npos) << e;

  e = StreamError("t_ms,ax,ay,az\n0,0,0,inf\n1,0,0,1\n", 2);
  EXPECT_NE(e.find("az is not a number: 'inf'"), std::string::npos) << e;

  std::string empty = Write("header_only.csv", "t_ms,humidity\n");
  auto h = LoadStream(empty);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.error().message.find(empty + ": stream has a header but no rows"), std::string::npos);
}

TEST_F(boardScenario, ScenarioFilesCombineStreamsButNotTwiceTheSameColumn) {
  std::string a = Write("a.csv", "t_ms,temperature,humidity\n0,20,40\n1000,20,40\n");
  std::string b = Write("b.csv", "t_ms,temperature\n0,21\n1000,21\n");
  auto both = LoadScenarioFiles({a, b});
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find(b + ": column 'temperature' is also in " + a),
            std::string::npos)
      << both.error().message;
  std::string fruit = std::string(AUTOPILOT_TEST_DATA) + "/board/fruit_scenario.csv";
  auto twice = LoadScenarioFiles({fruit, fruit});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("a second APDS9960 sample file"), std::string::npos);
  auto mixed = LoadScenarioFiles({fruit, a});
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  EXPECT_EQ(mixed->samples.size(), 6u);
  EXPECT_EQ(mixed->streams.size(), 1u);
  EXPECT_FALSE(LoadScenarioFiles({}).ok());
}

// The run refuses a malformed stream before it starts anything, naming file:line.
TEST_F(boardScenario, RunSketchReportsAMalformedStreamWithFileAndLine) {
  std::string bad = Write("imu.csv", "t_ms,ax,ay,az,gx,gy,gz\n0,0,0,1,0,0,0\n8.403,0,0,1,0,0\n");
  BuildResult build;
  build.compiled = true;
  build.binary = dir_ + "/sketch";  // never started
  RunOptions o;
  o.stream_paths = {bad};
  exec::SandboxRunner runner;
  auto r = RunSketch(build, o, &runner);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind(bad + ":3: expected 7 cells", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace autopilot::board
