// Hostile programs against the sandbox's isolation: what they may see, keep, inherit and outlive.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/sandbox_view.h"
#include "autopilot/exec/self_check.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

#ifndef AUTOPILOT_SOURCE_DIR
#define AUTOPILOT_SOURCE_DIR ""
#endif

namespace autopilot::exec {
namespace {

// Before main, so the process-wide redactor (built on first use) sees it.
const bool kFakeKeySet = ::setenv("AUTOPILOT_TEST_PROVIDER_API_KEY", "fake-provider-value-1234567", 1) == 0;

ProcessRequest Sh(const std::string& script, double timeout_s = 10) {
  ProcessRequest r;
  r.argv = {"sh", "-c", script};
  r.policy.timeout_s = timeout_s;
  r.policy.kill_grace_s = 0.3;
  return r;
}

/// Skips when this kernel gave the run no private filesystem view (reported as a warning by
/// `sandbox check`), so the assertions below only run where the protection exists.
#define REQUIRE_VIEW(r)                                                                          \
  if (!(r).filesystem_isolated) GTEST_SKIP() << "no private mount namespace here: "            \
                                             << SandboxViewUnavailableReason()

/// A folder outside any sandbox workdir holding a world-readable secret.
struct HostSecret {
  std::string dir, file;
  HostSecret() {
    dir = *util::MakeTempDir("ap-host-secret-");
    ::chmod(dir.c_str(), 0755);
    file = dir + "/.env";
    (void)util::WriteFileAtomic(file, "OPENAI_API_KEY=not-a-real-key-but-a-canary\n");
    ::chmod(file.c_str(), 0644);
  }
  ~HostSecret() { util::RemoveTree(dir); }
};

bool AnyProcessWithArg(const std::string& arg) { return AnyProcessHasArgument(arg); }

TEST(SandboxIsolation, WorldReadableFileOutsideTheWorkdirIsInvisible) {
  HostSecret secret;
  SandboxRunner runner;
  auto r = runner.Run(Sh("cat " + secret.file + "; ls " + secret.dir));
  ASSERT_TRUE(r.ok()) << r.error().message;
  REQUIRE_VIEW(*r);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_EQ(r->stdout_data.find("canary"), std::string::npos);
  EXPECT_NE(r->stderr_data.find("No such file"), std::string::npos) << r->stderr_data;
}

TEST(SandboxIsolation, HomeRootWorkAndTheCheckoutAreNotThere) {
  SandboxRunner runner;
  std::string checkout = AUTOPILOT_SOURCE_DIR;
  auto r = runner.Run(Sh("for p in /home /root /work /var/tmp /run " + checkout +
                         "; do [ -e \"$p\" ] && echo \"seen $p\"; done; ls /"));
  ASSERT_TRUE(r.ok());
  REQUIRE_VIEW(*r);
  EXPECT_EQ(r->stdout_data.find("seen "), std::string::npos) << r->stdout_data;
  // The root holds the runtime and the run's own folders only.
  for (const auto& entry : util::Split(util::Trim(r->stdout_data), '\n')) {
    static const std::vector<std::string> kAllowed = {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                                      "proc", "sbin", "tmp", "usr"};
    EXPECT_NE(std::find(kAllowed.begin(), kAllowed.end(), entry), kAllowed.end()) << "unexpected /" << entry;
  }
}

TEST(SandboxIsolation, SystemRuntimeIsReadOnlyAndPythonStillWorks) {
  if (!util::IsExecutableFile("/usr/bin/python3")) GTEST_SKIP() << "needs /usr/bin/python3";
  SandboxRunner runner;
  ProcessRequest req;
  req.argv = {"/usr/bin/python3", "-c",
              "import numpy, json, ssl, pwd, os\n"
              "print(numpy.arange(3).sum(), pwd.getpwuid(os.getuid()).pw_name)\n"
              "open('/usr/lib/probe', 'w')\n"};
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  REQUIRE_VIEW(*r);
  EXPECT_NE(r->stdout_data.find("3 "), std::string::npos) << r->stderr_data;
  EXPECT_NE(r->stderr_data.find("Read-only file system"), std::string::npos) << r->stderr_data;
}

TEST(SandboxIsolation, EtcShowsOnlyTheAllowedEntries) {
  SandboxRunner runner;
  auto r = runner.Run(Sh("ls -A /etc; cat /etc/shadow"));
  ASSERT_TRUE(r.ok());
  REQUIRE_VIEW(*r);
  EXPECT_NE(r->exit_code, 0);  // no /etc/shadow
  for (const auto& entry : util::Split(util::Trim(r->stdout_data), '\n')) {
    const auto& allowed = EtcEntries();
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), entry), allowed.end()) << "unexpected /etc/" << entry;
  }
  EXPECT_NE(r->stdout_data.find("passwd"), std::string::npos);
}

TEST(SandboxIsolation, TmpAndDevShmArePrivateAndGoneAfterTheRun) {
  SandboxRunner runner;
  std::string name = "ap-hostile-" + std::to_string(::getpid()) + "-" + std::to_string(util::MonotonicMs());
  auto r = runner.Run(Sh("echo x > /tmp/" + name + " && echo y > /dev/shm/" + name + " && ls /tmp /dev/shm"));
  ASSERT_TRUE(r.ok());
  REQUIRE_VIEW(*r);
  EXPECT_EQ(r->exit_code, 0) << r->stderr_data;  // writable inside
  EXPECT_NE(r->stdout_data.find(name), std::string::npos);
  EXPECT_FALSE(util::PathExists("/tmp/" + name)) << "the file persisted in the host's /tmp";
  EXPECT_FALSE(util::PathExists("/dev/shm/" + name)) << "the file persisted in the host's /dev/shm";
  // And the host's /tmp is not what the child saw: it cannot list other runs' folders.
  auto host_tmp = util::MakeTempDir("ap-other-run-");
  ASSERT_TRUE(host_tmp.ok());
  auto r2 = runner.Run(Sh("ls -d " + *host_tmp));
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(r2->exit_code, 0);
  util::RemoveTree(*host_tmp);
}

TEST(SandboxIsolation, DeclaredInputsAreReadOnlyAtTheirRelativeAndAbsolutePaths) {
  HostSecret data;  // any host folder; here it plays the user's model folder
  ASSERT_TRUE(util::WriteFileAtomic(data.dir + "/detect.tflite", "model-bytes").ok());
  ::chmod((data.dir + "/detect.tflite").c_str(), 0644);
  SandboxRunner runner;
  auto req = Sh("cat models/detect.tflite; echo; cat /home/mendel/tinyml_autopilot/models/detect.tflite; echo;"
                " echo tamper > models/detect.tflite || echo refused");
  req.mounts.push_back({data.dir + "/detect.tflite", "models/detect.tflite", false});
  req.mounts.push_back({data.dir + "/detect.tflite", "/home/mendel/tinyml_autopilot/models/detect.tflite", false});
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  REQUIRE_VIEW(*r);
  EXPECT_NE(r->stdout_data.find("model-bytes\nmodel-bytes"), std::string::npos) << r->stdout_data;
  EXPECT_NE(r->stdout_data.find("refused"), std::string::npos);
  EXPECT_EQ(*util::ReadFile(data.dir + "/detect.tflite"), "model-bytes");
  // The secret beside the declared file stays hidden.
  auto r2 = runner.Run([&] {
    auto q = Sh("cat /home/mendel/.env 2>&1; ls " + data.dir + " 2>&1");
    q.mounts.push_back({data.dir + "/detect.tflite", "/home/mendel/detect.tflite", false});
    return q;
  }());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->stdout_data.find("canary"), std::string::npos);
}

TEST(SandboxIsolation, MissingOrSystemMountIsAUsageError) {
  SandboxRunner runner;
  auto req = Sh("true");
  req.mounts.push_back({"/no/such/input", "", false});
  auto r = runner.Run(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "usage");
  EXPECT_NE(r.error().message.find("/no/such/input"), std::string::npos);
  auto req2 = Sh("true");
  req2.mounts.push_back({"/etc/hostname", "/usr/bin/evil", false});
  auto r2 = runner.Run(req2);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message.find("read-only system view"), std::string::npos);
}

TEST(SandboxIsolation, AbsolutePathsOnTheCommandLineAreVisibleReadOnly) {
  HostSecret dir;
  std::string input = dir.dir + "/plan.txt";
  ASSERT_TRUE(util::WriteFileAtomic(input, "plan\n").ok());
  ::chmod(input.c_str(), 0644);
  SandboxRunner runner;
  ProcessRequest req;
  req.argv = {"/bin/cat", input};
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "plan\n") << r->stderr_data;
  REQUIRE_VIEW(*r);
  // Only the named file, not its folder.
  auto r2 = runner.Run([&] {
    ProcessRequest q;
    q.argv = {"/bin/sh", "-c", "cat \"$0\"; cat " + dir.file, input};
    return q;
  }());
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(r2->stdout_data.find("plan"), std::string::npos);
  EXPECT_EQ(r2->stdout_data.find("canary"), std::string::npos);
}

TEST(SandboxIsolation, PathsNamedByAnArgvIncludeFlagForms) {
  auto p = PathsNamedBy({"g++", "-I/opt/sdk/include", "--plan=/w/plan.txt", "/abs/file", "rel/file", "-c"});
  EXPECT_EQ(p, (std::vector<std::string>{"/opt/sdk/include", "/w/plan.txt", "/abs/file"}));
}

TEST(SandboxIsolation, InheritedDescriptorsDoNotReachTheChild) {
  auto dir = util::MakeTempDir("ap-fd-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/root-owned";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);  // no O_CLOEXEC, on purpose
  ASSERT_GE(fd, 3);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);  // a connected socket, inheritable
  SandboxRunner runner;
  auto r = runner.Run(Sh("echo x >&" + std::to_string(fd) + "; echo y >&" + std::to_string(sv[0]) +
                         "; ls /proc/self/fd"));
  ASSERT_TRUE(r.ok());
  ::close(fd);
  ::close(sv[0]);
  char buf[8];
  ::fcntl(sv[1], F_SETFL, O_NONBLOCK);
  EXPECT_LE(::read(sv[1], buf, sizeof buf), 0) << "the child wrote into the tool's socket";
  ::close(sv[1]);
  EXPECT_EQ(*util::ReadFile(path), "") << "the child wrote into the tool's file";
  EXPECT_NE(r->stderr_data.find("Bad file descriptor"), std::string::npos) << r->stderr_data;
  // ls sees its own directory descriptor beside 0, 1, 2 and nothing else.
  auto fds = util::Split(util::Trim(r->stdout_data), '\n');
  EXPECT_LE(fds.size(), 4u) << r->stdout_data;
  util::RemoveTree(*dir);
}

TEST(SandboxIsolation, SetsidDoubleForkDoesNotOutliveTheRun) {
  SandboxRunner runner;
  std::string m = "7" + std::to_string(::getpid() % 1000) + ".5" + std::to_string(util::MonotonicMs() % 10000);
  auto r = runner.Run(Sh("setsid sh -c '(sleep " + m + " &); sleep " + m + "' </dev/null >/dev/null 2>&1 &"
                         " sleep 0.3; echo started"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_NE(r->stdout_data.find("started"), std::string::npos);
  EXPECT_FALSE(AnyProcessWithArg(m)) << "a setsid double fork survived the run";
  if (r->pids_isolated) {
    auto pid1 = runner.Run(Sh("cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$"));
    ASSERT_TRUE(pid1.ok());
    // The program is PID 2 under the sandbox's init (PID 1, a copy of the tool).
    EXPECT_NE(pid1->stdout_data.find("\n2\n"), std::string::npos) << pid1->stdout_data;
  }
}

TEST(SandboxIsolation, NothingOfARunReachesTheNextOne) {
  // Runs of one thread follow each other in the same slot (its PID namespace, its base view): a
  // setsid daemon, the mount points made for inputs, files in /tmp must all be gone for the next.
  HostSecret data;
  ASSERT_TRUE(util::WriteFileAtomic(data.dir + "/in.txt", "input").ok());
  ::chmod((data.dir + "/in.txt").c_str(), 0644);
  SandboxRunner runner;
  const std::string top = "/ap-leftover-" + std::to_string(::getpid());
  auto req = Sh("setsid sleep 30 </dev/null >/dev/null 2>&1 & echo x > /tmp/mine; cat " + top +
                "/deep/in.txt; echo; echo $$");
  req.mounts.push_back({data.dir + "/in.txt", top + "/deep/in.txt", false});
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  REQUIRE_VIEW(*r);
  EXPECT_EQ(r->stdout_data, "input\n2\n") << r->stderr_data;
  const std::string look = "ls -d " + top + " 2>&1; ls /tmp/mine 2>&1; echo /proc/[0-9]*; echo $$";
  auto r2 = runner.Run(Sh(look));
  ASSERT_TRUE(r2.ok());
  EXPECT_NE(r2->stdout_data.find(top + "': No such file"), std::string::npos) << r2->stdout_data;
  EXPECT_NE(r2->stdout_data.find("/tmp/mine': No such file"), std::string::npos) << r2->stdout_data;
  // Only the sandbox's init and this run's shell: the daemon did not survive into this run.
  EXPECT_NE(r2->stdout_data.find("/proc/1 /proc/2\n2\n"), std::string::npos) << r2->stdout_data;
  // The same after a run that had to be killed (TERM ignored until the grace ran out).
  auto stuck = Sh("trap '' TERM; sleep 30 & sleep 30", 0.3);
  stuck.policy.kill_grace_s = 0.2;
  auto r3 = runner.Run(stuck);
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->timed_out);
  auto r4 = runner.Run(Sh(look));
  ASSERT_TRUE(r4.ok());
  EXPECT_NE(r4->stdout_data.find("/proc/1 /proc/2\n2\n"), std::string::npos) << r4->stdout_data;
}

TEST(SandboxIsolation, ForkBombDoesNotStarveAConcurrentRun) {
  SandboxRunner probe_runner;
  auto probe = probe_runner.Run(Sh("true"));
  ASSERT_TRUE(probe.ok());
  if (probe->process_limit != "cgroup") GTEST_SKIP() << "no per-run pids cgroup here (limit: " << probe->process_limit << ")";
  std::atomic<bool> bomb_running{false};
  Result<ProcessResult> bomb = Error{"", ""};
  std::thread t([&] {
    SandboxRunner runner;
    auto req = Sh("bomb() { bomb | bomb & }; bomb; sleep 30", 3.0);
    req.argv[0] = "bash";
    req.policy.max_processes = 40;
    bomb_running = true;
    bomb = runner.Run(req);
  });
  while (!bomb_running) std::this_thread::yield();
  ::usleep(500 * 1000);  // the bomb is at its limit by now
  SandboxRunner runner;
  auto req = Sh("for i in $(seq 30); do sleep 0.3 & done; wait; echo all-started");
  req.policy.max_processes = 40;
  auto other = runner.Run(req);
  t.join();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->exit_code, 0) << other->stderr_data;
  EXPECT_NE(other->stdout_data.find("all-started"), std::string::npos);
  EXPECT_EQ(other->stderr_data.find("fork"), std::string::npos) << other->stderr_data;
  ASSERT_TRUE(bomb.ok());
  EXPECT_TRUE(bomb->timed_out);
  EXPECT_NE(bomb->stderr_data.find("fork"), std::string::npos) << bomb->stderr_data.substr(0, 300);
}

TEST(SandboxIsolation, ConcurrentRunsFromManyThreadsEachGetTheirOwnResult) {
  // Slots, warm inits and their hand-over under contention: every run sees its own workdir and
  // output, whatever thread started the init it got.
  std::atomic<int> bad{0};
  std::mutex mu;
  std::string first_bad;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad, &mu, &first_bad] {
      SandboxRunner runner;
      for (int i = 0; i < 12; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto req = Sh("echo " + id + " > mine; cat mine; ls /tmp | wc -l; exit " + std::to_string(i % 3));
        auto r = runner.Run(req);
        // With a view, the private /tmp holds this run's workdir only.
        std::string want = id + "\n" + (r && r->filesystem_isolated ? "1\n" : "");
        if (!r || r->stdout_data.rfind(want, 0) != 0 || r->exit_code != i % 3) {
          std::lock_guard<std::mutex> lock(mu);
          if (++bad == 1) {
            first_bad = id + ": " + (r ? "exit " + std::to_string(r->exit_code) + " signal " +
                                             std::to_string(r->signal) + " out '" + r->stdout_data +
                                             "' err '" + r->stderr_data + "'"
                                       : r.error().message);
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0) << "first: " << first_bad;
}

TEST(SandboxIsolation, ASecretPrintedFromAShownFileComesBackRedacted) {
  // The tool's own environment holds a key (fake, set before main: the process redactor reads the
  // environment once); the program finds the same value in a file it was given and prints it,
  // with an OpenAI-shaped key beside it.
  HostSecret dir;
  std::string file = dir.dir + "/config.txt";
  ASSERT_TRUE(util::WriteFileAtomic(file, "fake-provider-value-1234567 sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX\n").ok());
  ::chmod(file.c_str(), 0644);
  SandboxRunner runner;
  auto req = Sh("cat config.txt; cat config.txt >&2");
  req.mounts.push_back({file, "config.txt", false});
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(kFakeKeySet);
  EXPECT_TRUE(r->redacted);
  for (const auto* text : {&r->stdout_data, &r->stderr_data}) {
    EXPECT_EQ(text->find("fake-provider-value"), std::string::npos) << *text;
    EXPECT_EQ(text->find("sk-proj-ABCDEF"), std::string::npos) << *text;
    EXPECT_NE(text->find("[redacted"), std::string::npos) << *text;
  }
}

TEST(SandboxIsolation, TrustedToolsCanOptOutOfTheView) {
  HostSecret secret;
  SandboxRunner runner;
  auto req = Sh("cat " + secret.file);
  req.policy.isolate_filesystem = false;
  auto r = runner.Run(req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->filesystem_isolated);
  EXPECT_NE(r->stdout_data.find("canary"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::exec
