#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>

#include "autopilot/exec/env_filter.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/which.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"

namespace autopilot::exec {
namespace {

// Messages the child sends to the parent over a close-on-exec pipe before exec.
constexpr char kNetIsolated = 'N';
constexpr char kNetShared = 'n';
constexpr char kExecFailed = 'E';

/// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool MakePipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  read_end->Reset(p[0]);
  write_end->Reset(p[1]);
  return true;
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// --- child side: only async-signal-safe calls from here to exec -------------------------------

void ChildWrite(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

[[noreturn]] void ChildFail(int status_fd, const char* stage) {
  int err = errno;
  char tag = kExecFailed;
  ChildWrite(status_fd, &tag, 1);
  ChildWrite(status_fd, &err, sizeof err);
  ChildWrite(status_fd, stage, ::strlen(stage));
  ::_exit(127);
}

bool WriteSmallFile(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, text, ::strlen(text));
  ::close(fd);
  return n == static_cast<ssize_t>(::strlen(text));
}

// Brings up the private loopback so the child can still talk to itself.
void BringUpLoopback() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  struct ifreq ifr {};
  ::memcpy(ifr.ifr_name, "lo", 3);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  ::close(s);
}

// New network namespace: directly when privileged, else inside a new user namespace.
// `uid_map`/`gid_map` are preformatted by the parent (no allocation here).
bool IsolateNetwork(const char* uid_map, const char* gid_map) {
  if (::unshare(CLONE_NEWNET) == 0) {
    BringUpLoopback();
    return true;
  }
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return false;
  WriteSmallFile("/proc/self/setgroups", "deny");
  WriteSmallFile("/proc/self/uid_map", uid_map);
  WriteSmallFile("/proc/self/gid_map", gid_map);
  BringUpLoopback();
  return true;
}

struct ChildPlan {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* workdir;
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int status_fd;
  bool isolate_network;
  const char* uid_map;
  const char* gid_map;
  bool drop_privileges;
  uid_t run_uid;
  gid_t run_gid;
  pid_t parent_pid;
  rlim_t cpu_s;
  rlim_t as_bytes;
  rlim_t fsize_bytes;
  rlim_t nproc;
  rlim_t nofile;
};

void SetLimit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl {};
  rl.rlim_cur = soft;
  rl.rlim_max = hard;
  ::setrlimit(resource, &rl);
}

[[noreturn]] void ChildMain(const ChildPlan& plan) {
  ::setpgid(0, 0);
  // Dispositions the tool ignores (SIGPIPE) must not leak into the child; unblock everything.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  char net = kNetShared;
  if (plan.isolate_network && IsolateNetwork(plan.uid_map, plan.gid_map)) net = kNetIsolated;
  ChildWrite(plan.status_fd, &net, 1);

  if (::dup2(plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    ChildFail(plan.status_fd, "redirect");
  }
  if (::chdir(plan.workdir) != 0) ChildFail(plan.status_fd, "chdir");

  ::umask(022);
  if (plan.cpu_s) SetLimit(RLIMIT_CPU, plan.cpu_s, plan.cpu_s + 1);
  if (plan.as_bytes) SetLimit(RLIMIT_AS, plan.as_bytes, plan.as_bytes);
  if (plan.fsize_bytes) SetLimit(RLIMIT_FSIZE, plan.fsize_bytes, plan.fsize_bytes);
  if (plan.nproc) SetLimit(RLIMIT_NPROC, plan.nproc, plan.nproc);
  SetLimit(RLIMIT_NOFILE, plan.nofile, plan.nofile);
  SetLimit(RLIMIT_CORE, 0, 0);

  if (plan.drop_privileges) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(plan.run_gid) != 0 ||
        ::setuid(plan.run_uid) != 0) {
      ChildFail(plan.status_fd, "drop privileges");
    }
  }
  // Die with the tool (set after the uid change, which clears it).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != plan.parent_pid) ::_exit(127);

  ::execve(plan.path, plan.argv, plan.envp);
  ChildFail(plan.status_fd, "exec");
}

// --- parent side ------------------------------------------------------------------------------

/// Keeps the first `cap` bytes of a stream and counts the rest.
struct Capture {
  std::string data;
  uint64_t total = 0;
  size_t cap = 0;
  bool truncated = false;

  void Add(const char* p, size_t n) {
    total += n;
    size_t room = data.size() < cap ? cap - data.size() : 0;
    size_t keep = n < room ? n : room;
    data.append(p, keep);
    if (keep < n) truncated = true;
  }
};

/// Reads what is available; returns false at EOF or error (the fd is then closed).
bool Drain(Fd* fd, Capture* cap) {
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n > 0) {
      cap->Add(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    fd->Close();
    return false;
  }
}

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

bool GroupAlive(pid_t pgid) { return ::kill(-pgid, 0) == 0 || errno == EPERM; }

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string UserLabel(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  std::string name = "uid";
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) name = found->pw_name;
  return name + "(" + std::to_string(uid) + ")";
}

}  // namespace

Result<ProcessResult> SandboxRunner::Run(const ProcessRequest& request) {
  const SandboxPolicy& policy = request.policy;
  if (request.argv.empty() || request.argv[0].empty()) {
    return Error{"usage", "no command given to run"};
  }
  if (policy.timeout_s <= 0) return Error{"usage", "timeout must be positive"};

  ProcessResult result;
  const int64_t start_ms = util::MonotonicMs();

  // Working directory: given, or a fresh private one that is removed afterwards.
  std::string workdir = request.workdir;
  bool own_workdir = false;
  if (workdir.empty()) {
    auto tmp = util::MakeTempDir("autopilot-sandbox-");
    if (!tmp) return tmp.error();
    workdir = *tmp;
    own_workdir = !request.keep_workdir;
  } else {
    struct stat st {};
    if (::stat(workdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Error{"usage", "working directory '" + workdir + "' does not exist"};
    }
    char real[PATH_MAX];
    if (::realpath(workdir.c_str(), real)) workdir = real;
  }
  result.workdir = workdir;
  struct WorkdirCleanup {
    std::string path;
    bool active;
    ~WorkdirCleanup() {
      if (active) util::RemoveTree(path);
    }
  } cleanup{workdir, own_workdir};

  // Who the child runs as.
  const uid_t my_uid = ::geteuid();
  bool drop = policy.drop_privileges && my_uid == 0;
  uid_t run_uid = my_uid;
  gid_t run_gid = ::getegid();
  if (drop) {
    run_uid = 65534;
    run_gid = 65534;
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[1024];
    if (::getpwnam_r("nobody", &pw, buf, sizeof buf, &found) == 0 && found) {
      run_uid = found->pw_uid;
      run_gid = found->pw_gid;
    }
    // The child must be able to write its own working directory.
    if (::chown(workdir.c_str(), run_uid, run_gid) != 0) {
      return Error{"io", "cannot hand working directory '" + workdir +
                             "' to the sandbox user: " + std::strerror(errno)};
    }
  }
  result.run_as = UserLabel(run_uid);

  // Environment and program path (resolved here: nothing may allocate after fork).
  std::vector<std::string> env =
      BuildChildEnv(CurrentEnvironment(), workdir, policy.inherit_env, policy.extra_env);
  std::string child_path_list = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env) {
    if (e.rfind("PATH=", 0) == 0) child_path_list = e.substr(5);
  }
  std::string program = FindProgram(request.argv[0], child_path_list, workdir);
  if (program.empty()) {
    result.exit_code = 127;
    result.stderr_data = "autopilot sandbox: " + request.argv[0] + ": command not found\n";
    result.stderr_bytes = result.stderr_data.size();
    result.network_isolated = false;
    result.wall_ms = util::MonotonicMs() - start_ms;
    return result;
  }
  std::vector<std::string> argv = request.argv;
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);
  std::string uid_map = std::to_string(my_uid) + " " + std::to_string(my_uid) + " 1\n";
  std::string gid_map = std::to_string(::getegid()) + " " + std::to_string(::getegid()) + " 1\n";

  Fd out_r, out_w, err_r, err_w, in_r, in_w, st_r, st_w;
  if (!MakePipe(&out_r, &out_w) || !MakePipe(&err_r, &err_w) || !MakePipe(&st_r, &st_w)) {
    return Error{"io", std::string("cannot create pipes: ") + std::strerror(errno)};
  }
  if (request.stdin_data.empty()) {
    in_r.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  } else if (!MakePipe(&in_r, &in_w)) {
    return Error{"io", std::string("cannot create pipes: ") + std::strerror(errno)};
  }

  ChildPlan plan{};
  plan.path = program.c_str();
  plan.argv = argv_c.data();
  plan.envp = env_c.data();
  plan.workdir = workdir.c_str();
  plan.stdin_fd = in_r.get();
  plan.stdout_fd = out_w.get();
  plan.stderr_fd = err_w.get();
  plan.status_fd = st_w.get();
  plan.isolate_network = policy.isolate_network;
  plan.uid_map = uid_map.c_str();
  plan.gid_map = gid_map.c_str();
  plan.drop_privileges = drop;
  plan.run_uid = run_uid;
  plan.run_gid = run_gid;
  plan.parent_pid = ::getpid();
  plan.cpu_s = static_cast<rlim_t>(policy.cpu_s > 0 ? policy.cpu_s
                                                    : static_cast<int64_t>(std::ceil(policy.timeout_s)) + 1);
  plan.as_bytes = static_cast<rlim_t>(policy.memory_mb > 0 ? policy.memory_mb << 20 : 0);
  plan.fsize_bytes = static_cast<rlim_t>(policy.max_file_mb > 0 ? policy.max_file_mb << 20 : 0);
  plan.nproc = static_cast<rlim_t>(policy.max_processes > 0 ? policy.max_processes : 0);
  plan.nofile = static_cast<rlim_t>(policy.max_open_files > 0 ? policy.max_open_files : 1024);

  // Orphans of the child are re-parented to us rather than to init (which may never reap them).
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t pid = ::fork();
  if (pid < 0) return Error{"resource", std::string("fork failed: ") + std::strerror(errno)};
  if (pid == 0) ChildMain(plan);

  // Parent. Also set the group from here so there is no window where a TERM misses it.
  ::setpgid(pid, pid);
  out_w.Close();
  err_w.Close();
  st_w.Close();
  in_r.Close();
  Fd pidfd(PidfdOpen(pid));

  // Status pipe: isolation report, then either EOF (exec succeeded) or an exec failure record.
  std::string status;
  {
    char buf[512];
    while (true) {
      ssize_t n = ::read(st_r.get(), buf, sizeof buf);
      if (n > 0) {
        status.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
  }
  result.network_isolated = !status.empty() && status[0] == kNetIsolated;
  std::string exec_error;
  if (status.size() > 1 + sizeof(int) && status[1] == kExecFailed) {
    int err = 0;
    std::memcpy(&err, status.data() + 2, sizeof err);
    exec_error = "autopilot sandbox: cannot " + status.substr(2 + sizeof err) + " '" +
                 request.argv[0] + "': " + std::strerror(err) + "\n";
  }

  Capture out, errc;
  out.cap = policy.max_output_bytes;
  errc.cap = policy.max_output_bytes;
  SetNonBlocking(out_r.get());
  SetNonBlocking(err_r.get());
  size_t stdin_off = 0;
  if (in_w.get() >= 0) SetNonBlocking(in_w.get());

  const int64_t deadline = start_ms + static_cast<int64_t>(policy.timeout_s * 1000.0);
  int64_t kill_at = 0;
  bool term_sent = false, kill_sent = false, exited = false;

  while (!exited) {
    int64_t now = util::MonotonicMs();
    if (!term_sent && now >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGTERM);
      term_sent = true;
      kill_at = now + static_cast<int64_t>(policy.kill_grace_s * 1000.0);
    }
    if (term_sent && !kill_sent && now >= kill_at) {
      ::kill(-pid, SIGKILL);
      kill_sent = true;
    }
    struct pollfd fds[4];
    int nfds = 0;
    int i_out = -1, i_err = -1, i_in = -1, i_pid = -1;
    if (out_r.get() >= 0) {
      i_out = nfds;
      fds[nfds++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r.get() >= 0) {
      i_err = nfds;
      fds[nfds++] = {err_r.get(), POLLIN, 0};
    }
    if (in_w.get() >= 0) {
      i_in = nfds;
      fds[nfds++] = {in_w.get(), POLLOUT, 0};
    }
    if (pidfd.get() >= 0) {
      i_pid = nfds;
      fds[nfds++] = {pidfd.get(), POLLIN, 0};
    }
    int64_t next = term_sent ? (kill_sent ? now + 50 : kill_at) : deadline;
    int wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(next - now, 1000)));
    if (pidfd.get() < 0) wait_ms = std::min(wait_ms, 10);  // no pidfd: poll for exit
    int rc = ::poll(fds, static_cast<nfds_t>(nfds), wait_ms);
    if (rc < 0 && errno != EINTR) break;
    if (rc > 0) {
      if (i_out >= 0 && fds[i_out].revents) Drain(&out_r, &out);
      if (i_err >= 0 && fds[i_err].revents) Drain(&err_r, &errc);
      if (i_in >= 0 && fds[i_in].revents) {
        if (fds[i_in].revents & (POLLERR | POLLHUP)) {
          in_w.Close();
        } else {
          ssize_t w = ::write(in_w.get(), request.stdin_data.data() + stdin_off,
                              request.stdin_data.size() - stdin_off);
          if (w > 0) stdin_off += static_cast<size_t>(w);
          if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
              stdin_off == request.stdin_data.size()) {
            in_w.Close();
          }
        }
      }
      (void)i_pid;
    }
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      exited = true;
    }
  }

  // The main process is gone (not yet reaped, so its pid still names the group): kill whatever
  // it left behind, then collect the remaining output.
  if (GroupAlive(pid)) ::kill(-pid, SIGKILL);
  in_w.Close();
  const int64_t drain_until = util::MonotonicMs() + 2000;
  while ((out_r.get() >= 0 || err_r.get() >= 0) && util::MonotonicMs() < drain_until) {
    struct pollfd fds[2];
    int nfds = 0;
    if (out_r.get() >= 0) fds[nfds++] = {out_r.get(), POLLIN, 0};
    if (err_r.get() >= 0) fds[nfds++] = {err_r.get(), POLLIN, 0};
    if (::poll(fds, static_cast<nfds_t>(nfds), 100) < 0 && errno != EINTR) break;
    if (out_r.get() >= 0) Drain(&out_r, &out);
    if (err_r.get() >= 0) Drain(&err_r, &errc);
    if (GroupAlive(pid)) ::kill(-pid, SIGKILL);
  }

  int wstatus = 0;
  struct rusage ru {};
  while (::wait4(pid, &wstatus, 0, &ru) < 0 && errno == EINTR) {
  }
  // Orphaned members of the group were re-parented to this process (a child subreaper): kill and
  // reap them, so nothing, not even a zombie, outlives the run.
  for (int i = 0; i < 1000; ++i) {
    if (GroupAlive(pid)) ::kill(-pid, SIGKILL);
    siginfo_t info{};
    if (::waitid(P_PGID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG) != 0) break;  // ECHILD
    if (info.si_pid == 0) ::usleep(2000);  // members still dying
  }

  result.wall_ms = util::MonotonicMs() - start_ms;
  result.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
                  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
  result.max_rss_kb = ru.ru_maxrss;
  if (WIFEXITED(wstatus)) {
    result.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    result.signal = WTERMSIG(wstatus);
    result.exit_code = -1;
  }
  if (result.signal == SIGXCPU ||
      (result.signal == SIGKILL && !kill_sent && result.cpu_ms >= static_cast<int64_t>(plan.cpu_s) * 1000)) {
    result.limit_hit = "cpu";
  } else if (result.signal == SIGXFSZ) {
    result.limit_hit = "file_size";
  }
  if (!exec_error.empty()) errc.Add(exec_error.data(), exec_error.size());
  result.stdout_data = std::move(out.data);
  result.stderr_data = std::move(errc.data);
  result.stdout_truncated = out.truncated;
  result.stderr_truncated = errc.truncated;
  result.stdout_bytes = out.total;
  result.stderr_bytes = errc.total;
  if (own_workdir) result.workdir.clear();
  return result;
}

}  // namespace autopilot::exec
