// The sandbox's promises, each proved against a real hostile child.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <dirent.h>

#include <cstdlib>
#include <fstream>

#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/self_check.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::exec {
namespace {

ProcessRequest Req(std::vector<std::string> argv, double timeout_s = 10) {
  ProcessRequest r;
  r.argv = std::move(argv);
  r.policy.timeout_s = timeout_s;
  r.policy.kill_grace_s = 0.5;
  return r;
}

/// A unique `sleep` duration, so a test can look for its own processes on the host.
std::string Marker() {
  static int n = 0;
  return "6" + std::to_string(::getpid() % 1000) + "." + std::to_string(++n) + std::to_string(util::MonotonicMs() % 100000);
}

bool AnyProcessWithArg(const std::string& arg) { return AnyProcessHasArgument(arg); }

TEST(SandboxRunner, CapturesStdoutStderrAndExitCodeSeparately) {
  SandboxRunner runner;
  auto r = runner.Run(Req({"sh", "-c", "echo out; echo err >&2; exit 7"}));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(r->signal, 0);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->stdout_data, "out\n");
  EXPECT_EQ(r->stderr_data, "err\n");
  EXPECT_FALSE(r->stdout_truncated);
}

TEST(SandboxRunner, MissingProgramIsExitCode127NotAnError) {
  SandboxRunner runner;
  auto r = runner.Run(Req({"no-such-program-autopilot"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->stderr_data.find("command not found"), std::string::npos);
}

TEST(SandboxRunner, NonExecutableFileReportsExecFailure) {
  auto dir = util::MakeTempDir("ap-test-");
  ASSERT_TRUE(dir.ok());
  std::ofstream(*dir + "/script.sh") << "#!/bin/sh\necho hi\n";  // no x bit
  ::chmod(dir->c_str(), 0755);
  SandboxRunner runner;
  auto r = runner.Run(Req({*dir + "/script.sh"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  EXPECT_NE(r->stderr_data.find("cannot exec"), std::string::npos) << r->stderr_data;
  util::RemoveTree(*dir);
}

TEST(SandboxRunner, InfiniteLoopIsKilledAtTheTimeout) {
  SandboxRunner runner;
  int64_t t0 = util::MonotonicMs();
  auto r = runner.Run(Req({"sh", "-c", "while :; do :; done"}, 1.0));
  int64_t elapsed = util::MonotonicMs() - t0;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGTERM);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_GE(elapsed, 1000);
  EXPECT_LT(elapsed, 3000);
}

TEST(SandboxRunner, TermIgnoringChildIsKilledAfterTheGrace) {
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "trap '' TERM; while :; do :; done"}, 0.5);
  req.policy.kill_grace_s = 0.5;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->signal, SIGKILL);
  EXPECT_GE(r->wall_ms, 1000);
  EXPECT_LT(r->wall_ms, 3000);
}

TEST(SandboxRunner, TimeoutLeavesNoOrphans) {
  SandboxRunner runner;
  std::string m = Marker();
  auto req = Req({"sh", "-c", "sleep " + m + " & sleep " + m + " & wait"}, 0.5);
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(AnyProcessWithArg(m)) << "background sleeps survived the timeout";
}

TEST(SandboxRunner, BackgroundChildrenOfAnExitedProgramAreReaped) {
  SandboxRunner runner;
  std::string m = Marker();
  auto req = Req({"sh", "-c", "sleep " + m + " >/dev/null 2>&1 & exit 0"});
  int64_t t0 = util::MonotonicMs();
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_LT(util::MonotonicMs() - t0, 3000);
  EXPECT_FALSE(AnyProcessWithArg(m));
}

TEST(SandboxRunner, ForkBombIsContained) {
  SandboxRunner runner;
  auto dir = util::MakeTempDir("ap-test-");
  ASSERT_TRUE(dir.ok());
  ::chmod(dir->c_str(), 0777);
  // The top shell stays alive (sleep) so the bomb spreads until the wall-clock limit.
  std::string m = Marker();
  const std::string script = "bomb() { bomb | bomb & }; bomb; sleep " + m;
  auto req = Req({"bash", "-c", script}, 2.0);
  req.workdir = *dir;
  req.policy.max_processes = 40;
  req.policy.kill_grace_s = 0.2;
  int64_t t0 = util::MonotonicMs();
  auto r = runner.Run(req);
  int64_t elapsed = util::MonotonicMs() - t0;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(elapsed, 10000);
  // The process limit, not the machine, stopped it: bash reports failed forks — or, when other
  // sandboxes of the same user already fill the limit (ctest -j2), the exec itself is refused.
  EXPECT_TRUE(r->stderr_data.find("fork") != std::string::npos ||
              r->stderr_data.find("Resource temporarily unavailable") != std::string::npos)
      << r->stderr_data.substr(0, 400);
  // Every bomb subshell carries the script as its argument.
  EXPECT_FALSE(AnyProcessWithArg(script) || AnyProcessWithArg(m)) << "fork bomb processes survived";
  util::RemoveTree(*dir);
}

TEST(SandboxRunner, MemoryHogIsStopped) {
  if (!util::IsExecutableFile("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  SandboxRunner runner;
  auto req = Req({"/usr/bin/python3", "-c",
                  "chunks = []\nwhile True: chunks.append(bytearray(64 << 20))"});
  req.policy.memory_mb = 256;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->exit_code, 0);
  EXPECT_FALSE(r->timed_out);
  EXPECT_NE(r->stderr_data.find("MemoryError"), std::string::npos) << r->stderr_data;
  EXPECT_LT(r->max_rss_kb, 300 * 1024);
}

TEST(SandboxRunner, CpuLimitStopsABusyLoopEvenWithinTheWallClock) {
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "while :; do :; done"}, 20.0);
  req.policy.cpu_s = 1;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->limit_hit, "cpu");
  EXPECT_LT(r->wall_ms, 5000);
}

TEST(SandboxRunner, FileSizeLimitStopsAWriter) {
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "head -c 10485760 /dev/zero > big"});
  req.policy.max_file_mb = 1;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->exit_code, 0);
}

TEST(SandboxRunner, OpenFileLimitApplies) {
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "ulimit -n"});
  req.policy.max_open_files = 64;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "64\n");
}

TEST(SandboxRunner, SecretsInTheParentEnvironmentAreInvisible) {
  ::setenv("OPENAI_API_KEY", "sk-test-very-secret-1", 1);
  ::setenv("GITHUB_TOKEN", "ghp-test-very-secret-2", 1);
  ::setenv("MY_SECRET_THING", "very-secret-3", 1);
  ::setenv("AUTOPILOT_HARMLESS", "visible-but-not-allow-listed", 1);
  SandboxRunner runner;
  auto req = Req({"env"});
  req.policy.extra_env = {"STAGE=dp", "SNEAKY_TOKEN=very-secret-4"};
  auto r = runner.Run(req);
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("GITHUB_TOKEN");
  ::unsetenv("MY_SECRET_THING");
  ::unsetenv("AUTOPILOT_HARMLESS");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data.find("very-secret"), std::string::npos) << r->stdout_data;
  EXPECT_EQ(r->stdout_data.find("OPENAI_API_KEY"), std::string::npos);
  EXPECT_EQ(r->stdout_data.find("AUTOPILOT_HARMLESS"), std::string::npos);
  EXPECT_NE(r->stdout_data.find("STAGE=dp"), std::string::npos);
  EXPECT_NE(r->stdout_data.find("PATH="), std::string::npos);
}

TEST(SandboxRunner, HomeAndCwdAreAFreshWorkdirThatIsRemoved) {
  SandboxRunner runner;
  auto r = runner.Run(Req({"sh", "-c", "pwd; echo $HOME; touch made-here && echo wrote"}));
  ASSERT_TRUE(r.ok());
  auto lines = r->stdout_data;
  std::string cwd = lines.substr(0, lines.find('\n'));
  EXPECT_NE(cwd.find("autopilot-sandbox-"), std::string::npos);
  EXPECT_NE(lines.find(cwd + "\n" + cwd + "\n"), std::string::npos) << lines;
  EXPECT_NE(lines.find("wrote"), std::string::npos);
  EXPECT_FALSE(util::PathExists(cwd));
}

TEST(SandboxRunner, AKeptFreshWorkdirIsOnTheHostWithWhatTheRunWrote) {
  // A fresh workdir that is not kept may live in the run's private /tmp; a kept one must not.
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "echo kept > out.txt; pwd"});
  req.keep_workdir = true;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;
  ASSERT_FALSE(r->workdir.empty());
  EXPECT_EQ(r->stdout_data, r->workdir + "\n");
  EXPECT_EQ(*util::ReadFile(r->workdir + "/out.txt"), "kept\n");
  util::RemoveTree(r->workdir);
}

TEST(SandboxRunner, GivenWorkdirIsUsedAndKept) {
  auto dir = util::MakeTempDir("ap-test-");
  ASSERT_TRUE(dir.ok());
  SandboxRunner runner;
  auto req = Req({"sh", "-c", "echo data > out.txt"});
  req.workdir = *dir;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;
  EXPECT_EQ(*util::ReadFile(*dir + "/out.txt"), "data\n");
  util::RemoveTree(*dir);
}

TEST(SandboxRunner, MissingWorkdirIsAUsageError) {
  SandboxRunner runner;
  auto req = Req({"true"});
  req.workdir = "/nonexistent/autopilot/dir";
  auto r = runner.Run(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "usage");
}

TEST(SandboxRunner, LoopbackListenerIsUnreachableWhenIsolated) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  std::string connect = "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(listener.port());
  SandboxRunner runner;
  auto isolated = runner.Run(Req({"bash", "-c", connect}));
  ASSERT_TRUE(isolated.ok());
  if (!isolated->network_isolated) GTEST_SKIP() << "kernel refuses network namespaces here";
  EXPECT_NE(isolated->exit_code, 0);
  EXPECT_EQ(listener.AcceptPending(), 0);

  auto req = Req({"bash", "-c", connect});
  req.policy.isolate_network = false;
  auto open = runner.Run(req);
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->network_isolated);
  EXPECT_EQ(open->exit_code, 0) << open->stderr_data;
  EXPECT_EQ(listener.AcceptPending(), 1);
}

TEST(SandboxRunner, IsolatedChildStillHasItsOwnLoopback) {
  if (!util::IsExecutableFile("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  SandboxRunner runner;
  auto r = runner.Run(Req({"/usr/bin/python3", "-c",
                           "import socket\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen()\n"
                           "c=socket.create_connection(s.getsockname())\nprint('ok')"}));
  ASSERT_TRUE(r.ok());
  if (!r->network_isolated) GTEST_SKIP() << "kernel refuses network namespaces here";
  EXPECT_EQ(r->stdout_data, "ok\n") << r->stderr_data;
}

TEST(SandboxRunner, GigabyteOutputFloodIsCappedWithoutExhaustingMemory) {
  SandboxRunner runner;
  struct rusage before {};
  ::getrusage(RUSAGE_SELF, &before);
  auto req = Req({"head", "-c", "1073741824", "/dev/zero"}, 60);
  req.policy.max_output_bytes = 1 << 20;
  auto r = runner.Run(req);
  struct rusage after {};
  ::getrusage(RUSAGE_SELF, &after);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_EQ(r->stdout_data.size(), 1u << 20);
  EXPECT_EQ(r->stdout_bytes, 1073741824u);
  // The tool's own peak memory grew by far less than the flood.
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024);
}

TEST(SandboxRunner, StdinIsDelivered) {
  SandboxRunner runner;
  auto req = Req({"wc", "-c"});
  req.stdin_data = std::string(300000, 'x');
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(util::Trim(r->stdout_data), "300000");
}

TEST(SandboxRunner, RunsAsNobodyWhenTheToolIsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "only meaningful as root";
  SandboxRunner runner;
  auto r = runner.Run(Req({"id", "-u"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "65534\n");
  EXPECT_EQ(r->run_as, "nobody(65534)");
}

TEST(SandboxRunner, SignalDeathIsReported) {
  SandboxRunner runner;
  auto r = runner.Run(Req({"sh", "-c", "kill -SEGV $$"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, SIGSEGV);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_FALSE(r->timed_out);
}

TEST(SandboxRunner, TheProgramIsNotPid1SoItsOwnSignalsEndIt) {
  // As PID 1 of its namespace, a self-sent TERM would be ignored and abort() would not end by
  // SIGABRT: the program's signal semantics must be those of the board's host build.
  SandboxRunner runner;
  auto r = runner.Run(Req({"sh", "-c", "kill -TERM $$; echo survived"}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, SIGTERM) << r->stdout_data;
  EXPECT_EQ(r->stdout_data, "");
  if (!util::IsExecutableFile("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  auto a = runner.Run(Req({"/usr/bin/python3", "-c", "import os; os.abort()"}));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->signal, SIGABRT) << a->stderr_data;
}

TEST(SandboxRunner, IgnoredSigpipeInTheToolDoesNotLeakIntoTheChild) {
  ::signal(SIGPIPE, SIG_IGN);
  SandboxRunner runner;
  // `yes` dies of SIGPIPE when head closes the pipe; with SIGPIPE ignored it would loop on EPIPE.
  auto r = runner.Run(Req({"sh", "-c", "yes | head -c 10 >/dev/null; echo done"}, 5));
  ::signal(SIGPIPE, SIG_DFL);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(r->stdout_data, "done\n");
}

TEST(SandboxSelfCheck, AllProbesPassOrWarnHonestly) {
  SandboxRunner runner;
  auto items = RunSelfCheck(&runner);
  ASSERT_GE(items.size(), 6u);
  for (const auto& i : items) EXPECT_NE(i.status, "fail") << i.name << ": " << i.detail;
}

}  // namespace
}  // namespace autopilot::exec
