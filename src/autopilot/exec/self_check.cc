#include "autopilot/exec/self_check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>

#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::exec {

LoopbackListener::LoopbackListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  port_ = ntohs(addr.sin_port);
}

LoopbackListener::~LoopbackListener() {
  if (fd_ >= 0) ::close(fd_);
}

int LoopbackListener::AcceptPending() {
  int n = 0;
  while (true) {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) break;
    ::close(c);
    ++n;
  }
  return n;
}

namespace {

ProcessRequest Probe(std::vector<std::string> argv, double timeout_s = 10) {
  ProcessRequest r;
  r.argv = std::move(argv);
  r.policy.timeout_s = timeout_s;
  r.policy.kill_grace_s = 0.5;
  return r;
}

std::string Unique() {
  return std::to_string(::getpid()) + "-" + std::to_string(util::MonotonicMs()) + "-" + std::to_string(std::rand() % 100000);
}

/// Filesystem view, private /tmp and /dev/shm, descriptors, PID namespace, per-run process limit.
void AddIsolationProbes(ProcessRunner* runner, std::vector<SelfCheckItem>* out) {
  auto add = [&](std::string name, const std::string& status, std::string detail) {
    out->push_back({std::move(name), status, std::move(detail)});
  };
  // A world-readable file outside the workdir, and the host folders that hold users' files.
  {
    auto dir = util::MakeTempDir("autopilot-check-");
    std::string secret = dir ? *dir + "/secret.txt" : "";
    bool made = dir && util::WriteFileAtomic(secret, "selfcheck-canary\n").ok();
    if (made) {
      ::chmod(dir->c_str(), 0755);
      ::chmod(secret.c_str(), 0644);
    }
    std::string script = "for p in " + (made ? secret : std::string("/nonexistent")) + " /home /root /work /var/tmp";
    script += "; do if [ -e \"$p\" ]; then echo \"visible: $p\"; fi; done";
    auto r = runner->Run(Probe({"sh", "-c", script}));
    if (!r) {
      add("private filesystem view", "fail", r.error().message);
    } else if (!r->filesystem_isolated) {
      std::string why = SandboxViewUnavailableReason();
      add("private filesystem view", "warn",
          "the kernel refused a private mount namespace here: children see the host's files" +
              (why.empty() ? std::string() : " (" + why + ")"));
    } else {
      std::string seen = util::Trim(r->stdout_data);
      add("private filesystem view", seen.empty() ? "pass" : "fail",
          seen.empty() ? "a 0644 file outside the workdir, /home, /root, /work and /var/tmp are invisible"
                       : "the child sees host paths: " + seen);
    }
    if (dir) util::RemoveTree(*dir);
  }
  {
    std::string name = "autopilot-check-" + Unique();
    auto r = runner->Run(Probe({"sh", "-c", "echo x > /tmp/" + name + " && echo x > /dev/shm/" + name}));
    bool left = util::PathExists("/tmp/" + name) || util::PathExists("/dev/shm/" + name);
    ::unlink(("/tmp/" + name).c_str());
    ::unlink(("/dev/shm/" + name).c_str());
    if (!r) {
      add("private /tmp and /dev/shm", "fail", r.error().message);
    } else {
      std::string status = !left ? "pass" : r->filesystem_isolated ? "fail" : "warn";
      add("private /tmp and /dev/shm", status,
          !left ? (r->exit_code == 0 ? "files written there are gone after the run"
                                     : "the child could not write there")
                : "a file the child wrote to /tmp or /dev/shm is on the host after the run");
    }
  }
  {
    // A descriptor the tool holds without close-on-exec must not reach the child.
    auto dir = util::MakeTempDir("autopilot-check-");
    std::string path = dir ? *dir + "/inherited" : "/dev/null";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
      add("only stdin, stdout and stderr inherited", "fail", "cannot open a probe file");
    } else {
      std::string n = std::to_string(fd);
      auto r = runner->Run(Probe({"sh", "-c", "echo leaked >&" + n + " && echo wrote"}));
      ::close(fd);
      auto text = util::ReadFile(path);
      bool leaked = (text && !text->empty()) || (r && r->stdout_data.find("wrote") != std::string::npos);
      add("only stdin, stdout and stderr inherited", leaked ? "fail" : "pass",
          leaked ? "the child wrote through the tool's descriptor " + n
                 : "the child could not use the tool's descriptor " + n);
    }
    if (dir) util::RemoveTree(*dir);
  }
  {
    std::string marker = "3600." + std::to_string(std::rand() % 90000 + 10000);
    auto r = runner->Run(Probe({"sh", "-c", "setsid sh -c '(sleep " + marker + " &) ; sleep " + marker +
                                                "' </dev/null >/dev/null 2>&1 & sleep 0.2"}));
    bool survived = AnyProcessHasArgument(marker);
    if (survived) {
      // Do not leave the probe behind on a machine where the sandbox failed to.
      std::string kill = "pkill -KILL -f 'sleep " + marker + "'";
      (void)!std::system(kill.c_str());
    }
    if (!r) {
      add("nothing outlives the run", "fail", r.error().message);
    } else {
      add("nothing outlives the run", survived ? "fail" : "pass",
          survived ? "a setsid double fork survived the run"
                   : std::string(r->pids_isolated ? "own PID namespace: " : "process group and subreaper: ") +
                         "a setsid double fork died with the run");
    }
  }
  {
    auto r = runner->Run(Probe({"true"}));
    if (!r) {
      add("per-run process limit", "fail", r.error().message);
    } else if (r->process_limit == "cgroup") {
      add("per-run process limit", "pass", "a pids cgroup per run: concurrent runs do not share the limit");
    } else {
      add("per-run process limit", "warn",
          r->process_limit == "rlimit"
              ? "no pids cgroup here: RLIMIT_NPROC is shared by every run of the sandbox user"
              : "no process limit could be applied");
    }
  }
}

}  // namespace

bool AnyProcessHasArgument(const std::string& arg) {
  DIR* d = ::opendir("/proc");
  if (!d) return false;
  bool found = false;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    auto cmd = util::ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
    if (!cmd) continue;
    for (const auto& a : util::Split(*cmd, '\0')) found = found || a == arg;
  }
  ::closedir(d);
  return found;
}

std::vector<SelfCheckItem> RunSelfCheck(ProcessRunner* runner) {
  std::vector<SelfCheckItem> out;
  auto add = [&](std::string name, bool pass, std::string detail, bool warn_only = false) {
    out.push_back({std::move(name), pass ? "pass" : (warn_only ? "warn" : "fail"), std::move(detail)});
  };

  {
    auto r = runner->Run(Probe({"true"}));
    add("spawn", r && r->exit_code == 0,
        r ? "/bin/true exited " + std::to_string(r->exit_code) + " in " +
                std::to_string(r->wall_ms) + " ms as " + r->run_as
          : r.error().message);
  }
  {
    auto req = Probe({"sh", "-c", "trap '' TERM; sleep 30 & sleep 30"}, 0.5);
    auto r = runner->Run(req);
    bool pass = r && r->timed_out && r->wall_ms < 5000;
    add("timeout kills the process group", pass,
        r ? "timed_out=" + std::string(r->timed_out ? "true" : "false") + ", returned after " +
                std::to_string(r->wall_ms) + " ms (limit 500 ms + 500 ms grace)"
          : r.error().message);
  }
  {
    const char* canary_name = "AUTOPILOT_SELFCHECK_API_KEY";
    ::setenv(canary_name, "canary-value-not-a-real-key", 1);
    auto r = runner->Run(Probe({"env"}));
    ::unsetenv(canary_name);
    bool leaked = !r || r->stdout_data.find("canary-value") != std::string::npos ||
                  r->stdout_data.find(canary_name) != std::string::npos;
    bool home = r && r->stdout_data.find("HOME=" + r->workdir) != std::string::npos;
    add("secrets stay out of the child's environment", r && !leaked,
        r ? (leaked ? "a *_API_KEY variable reached the child" : "*_KEY, *_TOKEN, *SECRET* filtered")
          : r.error().message);
    (void)home;
  }
  {
    LoopbackListener listener;
    if (!listener.ok()) {
      add("network isolation", false, "cannot open a loopback listener for the probe", true);
    } else {
      std::string target = "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(listener.port());
      auto r = runner->Run(Probe({"bash", "-c", target}));
      if (!r) {
        add("network isolation", false, r.error().message);
      } else if (!r->network_isolated) {
        add("network isolation", false,
            "the kernel refused a network namespace here: children can reach the network", true);
      } else {
        add("network isolation", r->exit_code != 0,
            r->exit_code != 0 ? "connection to a host loopback listener refused inside the sandbox"
                              : "the child reached a host listener despite isolation");
      }
    }
  }
  {
    auto req = Probe({"head", "-c", "16777216", "/dev/zero"});
    req.policy.max_output_bytes = 65536;
    auto r = runner->Run(req);
    bool pass = r && r->stdout_truncated && r->stdout_data.size() == 65536 &&
                r->stdout_bytes == 16777216;
    add("output capped", pass,
        r ? "kept " + std::to_string(r->stdout_data.size()) + " of " +
                std::to_string(r->stdout_bytes) + " bytes"
          : r.error().message);
  }
  {
    std::string py = util::IsExecutableFile("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    auto req = Probe({py, "-c", "b = bytearray(1 << 30); print(len(b))"});
    req.policy.memory_mb = 256;
    auto r = runner->Run(req);
    bool pass = r && r->exit_code != 0 && r->stdout_data.find("1073741824") == std::string::npos;
    add("memory limit", pass,
        r ? (pass ? "1 GiB allocation refused under a 256 MB limit"
                  : "a 1 GiB allocation succeeded under a 256 MB limit")
          : r.error().message);
  }
  AddIsolationProbes(runner, &out);
  if (::geteuid() == 0) {
    auto r = runner->Run(Probe({"id", "-u"}));
    bool pass = r && r->exit_code == 0 && r->stdout_data != "0\n";
    add("runs unprivileged", pass, r ? "child uid " + r->stdout_data.substr(0, r->stdout_data.find('\n')) : r.error().message);
  }
  return out;
}

}  // namespace autopilot::exec
