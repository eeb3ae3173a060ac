#include "autopilot/exec/self_check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "autopilot/util/files.h"

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

}  // namespace

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
  if (::geteuid() == 0) {
    auto r = runner->Run(Probe({"id", "-u"}));
    bool pass = r && r->exit_code == 0 && r->stdout_data != "0\n";
    add("runs unprivileged", pass, r ? "child uid " + r->stdout_data.substr(0, r->stdout_data.find('\n')) : r.error().message);
  }
  return out;
}

}  // namespace autopilot::exec
