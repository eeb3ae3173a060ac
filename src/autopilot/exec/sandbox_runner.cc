// The sandbox. Each slot (one concurrent run) has an init (CLONE_VM: no copy of the tool's page
// tables): PID 1 of the slot's PID namespace, inside the slot's pids cgroup, holding a base mount
// namespace with the request-independent part of the view. Per run it clones the program's child
// (CLONE_VM | CLONE_VFORK | CLONE_NEWNS) into a copy of the base, which adds the run's own /tmp,
// /dev/shm, workdir and inputs (trees the tool cloned with open_tree), joins the pooled network
// namespace, keeps only stdio and execs as PID 2; the init reports its status, then kills and
// reaps everything left in the namespace. Where no slot's init can serve (no pids cgroup, no
// root), a per-run init builds the whole view and exits after its run, taking the namespaces
// with it. Everything between clone and exec uses raw system calls (raw_syscall.h) and memory
// prepared by the parent.

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>

#include "autopilot/exec/env_filter.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/exec/raw_syscall.h"
#include "autopilot/exec/redact.h"
#include "autopilot/exec/sandbox_slots.h"
#include "autopilot/exec/sandbox_view.h"
#include "autopilot/exec/which.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

namespace autopilot::exec {
namespace {

using raw::L;
using raw::Sys;

/// Closes a descriptor once.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
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

// --- messages from the init to the tool (one write each, below PIPE_BUF: atomic) --------------

/// What the init reports: 'E' failure (stage, errno), 'R' program started (with what isolation
/// holds), 'X' exit.
struct StatusMsg {
  char kind = 0;
  int a = 0;  ///< S: network isolated; E: errno; R: program pid as the init sees it; X: wait status
  int b = 0;  ///< S: filesystem isolated; E: stage kind
  int c = 0;  ///< S: pids isolated
  char text[40] = {};
  struct rusage ru {};
};

enum StageKind : int { kStageOther = 0, kStageView = 1, kStageCgroup = 2, kStageUser = 3, kStageExec = 4 };

// --- the init and the program's pre-exec child: raw syscalls only ------------------------------

/// Everything the init needs, prepared by the tool before clone.
struct InitPlan {
  // descriptors in the tool's table (the init gets a copy of the table)
  int stdin_fd, stdout_fd, stderr_fd, status_fd, netns_fd;
  int go_fd;  ///< the tool writes one byte once the init is in the run's cgroup (or -1: no wait)
  bool new_user, unshare_net, mount_ns, pid_ns;
  const char* uid_map;
  const char* gid_map;
  const ViewStep* sys_steps;  ///< the cached system part of the view
  size_t n_sys;
  const ViewStep* run_steps;  ///< this run's workdir, inputs and named paths
  size_t n_run;

  const char* workdir;
  // the program
  const char* path;
  char* const* argv;
  char* const* envp;
  bool drop_privileges;
  uid_t run_uid;
  gid_t run_gid;
  rlim_t cpu_s, as_bytes, fsize_bytes, nproc, nofile;
  char* program_stack;  ///< top of the program child's stack
  int program_pid;      ///< set by the init

  // Runs served by a slot's init (SlotInitMain) from its long-lived namespaces.
  int* step_fds;        ///< per run step: index of the detached tree (open_tree) to attach, or -1
  size_t n_trees;       ///< trees sent after stdin, stdout, stderr, status and the netns
  int host_mnt_fd;      ///< the host's mount namespace, for runs without a view
  /// Mount points the program's child made in the slot's shared root (step, length of the path
  /// prefix), removed again by the slot's init once the run is over.
  struct Created {
    unsigned step;
    unsigned short len;
    bool file;
  } created[48];
  unsigned n_created;
  bool created_overflow;  ///< more than fit: the slot is retired after the run instead
  bool private_workdir;   ///< the workdir is made by the program's child in its private /tmp
  bool setup_failed;      ///< the program's child failed before exec (an 'E' and no 'R')
  bool net_joined;        ///< the program's child joined the run's network namespace
  bool program_started;   ///< a slot's init is starting the program (a retry would run it twice)
  bool retire_slot;       ///< the tool drops the slot's init after this run
};

size_t Len(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

void Copy(char* dst, size_t cap, const char* src) {
  size_t i = 0;
  for (; src[i] && i + 1 < cap; ++i) dst[i] = src[i];
  dst[i] = 0;
}

void SendMsg(int fd, const StatusMsg& m) { Sys(SYS_write, fd, L(&m), sizeof m); }

[[noreturn]] void Exit(int code) {
  for (;;) Sys(SYS_exit_group, code);
}

[[noreturn]] void InitFail(int status_fd, int stage, const char* what, long neg_errno) {
  StatusMsg m;
  m.kind = 'E';
  m.a = static_cast<int>(-neg_errno);
  m.b = stage;
  Copy(m.text, sizeof m.text, what);
  SendMsg(status_fd, m);
  Exit(127);
}

long WriteSmall(const char* path, const char* text) {
  long fd = Sys(SYS_openat, AT_FDCWD, L(path), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  long n = Sys(SYS_write, fd, L(text), static_cast<long>(Len(text)));
  Sys(SYS_close, fd);
  return n < 0 ? n : 0;
}

void LoopbackUp() {
  long s = Sys(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  struct ifreq ifr {};
  ifr.ifr_name[0] = 'l';
  ifr.ifr_name[1] = 'o';
  if (Sys(SYS_ioctl, s, SIOCGIFFLAGS, L(&ifr)) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    Sys(SYS_ioctl, s, SIOCSIFFLAGS, L(&ifr));
  }
  Sys(SYS_close, s);
}

/// Notes a mount point made for step `step` (`len` bytes of its path) so the slot's init can
/// remove it after the run.
void Record(InitPlan* rec, size_t step, size_t len, bool file) {
  if (!rec) return;
  constexpr size_t kCap = sizeof rec->created / sizeof rec->created[0];
  if (rec->n_created == kCap) {
    rec->created_overflow = true;
    return;
  }
  rec->created[rec->n_created++] = {static_cast<unsigned>(step), static_cast<unsigned short>(len), file};
}

/// mkdir -p without allocation; each folder it makes is recorded in `rec` when given.
long MkdirP(const char* path, int mode, InitPlan* rec = nullptr, size_t step = 0) {
  char buf[PATH_MAX];
  size_t n = Len(path);
  if (n == 0 || n >= sizeof buf) return -ENAMETOOLONG;
  for (size_t i = 0; i <= n; ++i) {
    buf[i] = path[i];
    if ((path[i] == '/' || path[i] == 0) && i > 0) {
      buf[i] = 0;
      long r = Sys(SYS_mkdirat, AT_FDCWD, L(buf), mode);
      if (r < 0 && r != -EEXIST) return r;
      if (r == 0) Record(rec, step, i, false);
      buf[i] = path[i];
    }
  }
  return 0;
}

/// Which steps of a list to run: all of them (a per-run view), the shared part (a slot's base
/// view) or the part made anew for every run on top of it.
enum StepFilter { kAllSteps, kSharedSteps, kPerRunSteps };

long RunSteps(const ViewStep* steps, size_t n, const char** failed_at, StepFilter filter = kAllSteps,
              const int* tree_fds = nullptr, InitPlan* rec = nullptr);

/// Builds the system part of the filesystem view: root on a tmpfs, the host reachable under
/// /oldroot until FinishView.
long BuildView(const ViewStep* steps, size_t n, StepFilter filter, const char** failed_at) {
  long r;
  *failed_at = "make / private";
  if ((r = Sys(SYS_mount, 0, L("/"), 0, MS_REC | MS_PRIVATE, 0)) < 0) return r;
  *failed_at = "root tmpfs";
  if ((r = Sys(SYS_mount, L("tmpfs"), L("/tmp"), L("tmpfs"), MS_NOSUID | MS_NODEV, L("mode=0755,size=1m"))) < 0) {
    return r;
  }
  *failed_at = "pivot_root";
  if ((r = Sys(SYS_mkdirat, AT_FDCWD, L("/tmp/oldroot"), 0700)) < 0) return r;
  if ((r = Sys(SYS_pivot_root, L("/tmp"), L("/tmp/oldroot"))) < 0) return r;
  if ((r = Sys(SYS_chdir, L("/"))) < 0) return r;
  return RunSteps(steps, n, failed_at, filter);
}

/// The run's own part of the view; then the host root is detached and / made read-only.
long FinishView(const InitPlan& p, const char** failed_at) {
  long r = RunSteps(p.run_steps, p.n_run, failed_at);
  if (r < 0) return r;
  *failed_at = "detach the host root";
  if ((r = Sys(SYS_umount2, L(kOldRoot), MNT_DETACH)) < 0) return r;
  Sys(SYS_unlinkat, AT_FDCWD, L(kOldRoot), AT_REMOVEDIR);
  *failed_at = "read-only root";
  return Sys(SYS_mount, 0, L("/"), 0, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, 0);
}

long RunSteps(const ViewStep* steps, size_t n, const char** failed_at, StepFilter filter, const int* tree_fds,
              InitPlan* rec) {
  long r = 0;
  for (size_t i = 0; i < n; ++i) {
    const ViewStep& s = steps[i];
    if ((filter == kSharedSteps && s.per_run) || (filter == kPerRunSteps && !s.per_run)) continue;
    const char* path = s.path.c_str();
    *failed_at = path;
    const int tree = tree_fds ? tree_fds[i] : -1;
    switch (s.kind) {
      case ViewStep::kDir:
        r = MkdirP(path, 0755, rec, i);
        break;
      case ViewStep::kFile: {
        r = Sys(SYS_openat, AT_FDCWD, L(path), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (r >= 0) {
          Record(rec, i, s.path.size(), true);
          r = Sys(SYS_close, r);
        } else if (r == -EEXIST) {
          r = 0;
        }
        break;
      }
      case ViewStep::kSymlink:
        r = Sys(SYS_symlinkat, L(s.source.c_str()), AT_FDCWD, L(path));
        if (r == -EEXIST) r = 0;
        break;
      case ViewStep::kTmpfs:
        r = Sys(SYS_mount, L("tmpfs"), L(path), L("tmpfs"), static_cast<long>(s.flags), L(s.data.c_str()));
        break;
      case ViewStep::kBind:
        // A tree the tool cloned from the host (open_tree) is attached as it is; otherwise the
        // source is bound from the host root under /oldroot.
        r = tree >= 0 ? Sys(SYS_move_mount, tree, L(""), AT_FDCWD, L(path), MOVE_MOUNT_F_EMPTY_PATH)
                      : Sys(SYS_mount, L(s.source.c_str()), L(path), 0, MS_BIND, 0);
        break;
      case ViewStep::kBindRo:
        r = tree >= 0 ? Sys(SYS_move_mount, tree, L(""), AT_FDCWD, L(path), MOVE_MOUNT_F_EMPTY_PATH)
                      : Sys(SYS_mount, L(s.source.c_str()), L(path), 0, MS_BIND, 0);
        if (r == 0) {
          r = Sys(SYS_mount, 0, L(path), 0, static_cast<long>(MS_REMOUNT | MS_BIND | MS_RDONLY | s.flags), 0);
        }
        break;
      case ViewStep::kProc:
        r = Sys(SYS_mount, L("proc"), L(path), L("proc"), MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        break;
    }
    if (r < 0) return r;
  }
  return 0;
}

struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

void ResetSignals() {
  KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig < 65; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) Sys(SYS_rt_sigaction, sig, L(&dfl), 0, 8);
  }
}

void Unblock() {
  uint64_t none = 0;
  Sys(SYS_rt_sigprocmask, SIG_SETMASK, L(&none), 0, 8);
}

void SetLimit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl {};
  rl.rlim_cur = soft;
  rl.rlim_max = hard;
  Sys(SYS_prlimit64, 0, resource, L(&rl), 0);
}

// The init forwards the tool's TERM to everything in its PID namespace, and kills it all on USR1.
void ForwardTerm(int) { Sys(SYS_kill, -1, SIGTERM); }
void KillAll(int) { Sys(SYS_kill, -1, SIGKILL); }

/// The program's child: stdio, limits, user, then exec. Runs while the init is suspended.
int ProgramMain(void* arg) {
  const InitPlan& p = *static_cast<const InitPlan*>(arg);
  // The init reset every disposition already; only its own TERM/USR1 handlers (or ignored TERM)
  // must not reach the program.
  KernelSigaction dfl{SIG_DFL, 0, nullptr, 0};
  Sys(SYS_rt_sigaction, SIGTERM, L(&dfl), 0, 8);
  Sys(SYS_rt_sigaction, SIGUSR1, L(&dfl), 0, 8);
  Unblock();
  if (!p.pid_ns) Sys(SYS_setpgid, 0, 0);  // without a PID namespace the tool kills this group
  Sys(SYS_umask, 022);
  if (p.cpu_s) SetLimit(RLIMIT_CPU, p.cpu_s, p.cpu_s + 1);
  if (p.as_bytes) SetLimit(RLIMIT_AS, p.as_bytes, p.as_bytes);
  if (p.fsize_bytes) SetLimit(RLIMIT_FSIZE, p.fsize_bytes, p.fsize_bytes);
  if (p.nproc) SetLimit(RLIMIT_NPROC, p.nproc, p.nproc);
  SetLimit(RLIMIT_NOFILE, p.nofile, p.nofile);
  SetLimit(RLIMIT_CORE, 0, 0);
  if (p.drop_privileges) {
    long r = Sys(SYS_setgroups, 0, 0);
    if (r == 0) r = Sys(SYS_setresgid, p.run_gid, p.run_gid, p.run_gid);
    if (r == 0) r = Sys(SYS_setresuid, p.run_uid, p.run_uid, p.run_uid);
    if (r < 0) InitFail(3, kStageExec, "drop privileges", r);
  }
  if (!p.pid_ns) Sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  long r = Sys(SYS_execve, L(p.path), L(p.argv), L(p.envp));
  InitFail(3, kStageExec, "exec", r);
}

/// Moves the descriptors the init needs to 0..5 and closes everything else it inherited (other
/// threads' sockets and pipes, the tool's files): the program gets stdin/out/err only.
void ArrangeDescriptors(InitPlan* p) {
  int want[6] = {p->stdin_fd, p->stdout_fd, p->stderr_fd, p->status_fd, p->netns_fd, p->go_fd};
  int high[6];
  for (int i = 0; i < 6; ++i) {
    high[i] = want[i] < 0 ? -1 : static_cast<int>(Sys(SYS_fcntl, want[i], F_DUPFD_CLOEXEC, 64));
  }
  for (int i = 0; i < 6; ++i) {
    if (high[i] < 0) continue;
    Sys(SYS_dup3, high[i], i, i <= 2 ? 0 : O_CLOEXEC);
  }
  if (Sys(SYS_close_range, 6, ~0U, 0) < 0) {
    for (int fd = 6; fd < 65536; ++fd) Sys(SYS_close, fd);
  }
  p->stdin_fd = 0;
  p->stdout_fd = 1;
  p->stderr_fd = 2;
  p->status_fd = 3;
  p->netns_fd = p->netns_fd >= 0 ? 4 : -1;
  p->go_fd = p->go_fd >= 0 ? 5 : -1;
}

int InitMain(void* arg) {
  InitPlan& p = *static_cast<InitPlan*>(arg);
  ResetSignals();
  Sys(SYS_setpgid, 0, 0);
  ArrangeDescriptors(&p);
  Sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);

  if (p.new_user) {
    WriteSmall("/proc/self/setgroups", "deny");
    long r = WriteSmall("/proc/self/uid_map", p.uid_map);
    if (r == 0) r = WriteSmall("/proc/self/gid_map", p.gid_map);
    if (r < 0) InitFail(3, kStageUser, "map the user namespace", r);
  }
  StatusMsg setup;
  setup.kind = 'S';
  if (p.netns_fd >= 0) {
    setup.a = Sys(SYS_setns, p.netns_fd, CLONE_NEWNET) == 0;
    Sys(SYS_close, p.netns_fd);
  } else if (p.unshare_net) {
    setup.a = Sys(SYS_unshare, CLONE_NEWNET) == 0;
    if (setup.a) LoopbackUp();
  }
  if (p.mount_ns) {
    const char* where = "";
    long r = BuildView(p.sys_steps, p.n_sys, kAllSteps, &where);
    if (r == 0) r = FinishView(p, &where);
    if (r < 0) InitFail(3, kStageView, where, r);
    setup.b = 1;
  }
  setup.c = p.pid_ns;
  long r = Sys(SYS_chdir, L(p.workdir));
  if (r < 0) InitFail(3, kStageOther, "chdir", r);

  if (p.pid_ns) {
    // glibc's sigaction supplies the restorer; it cannot fail for these signals.
    struct sigaction fwd {};
    fwd.sa_handler = ForwardTerm;
    ::sigaction(SIGTERM, &fwd, nullptr);
    struct sigaction all {};
    all.sa_handler = KillAll;
    ::sigaction(SIGUSR1, &all, nullptr);
  } else {
    KernelSigaction ign{SIG_IGN, 0, nullptr, 0};
    Sys(SYS_rt_sigaction, SIGTERM, L(&ign), 0, 8);
  }
  Unblock();

  // The tool moves the init into the run's cgroup while the view is built; the program is
  // started only once that is done, so it and all it starts are counted.
  if (p.go_fd >= 0) {
    char go = 0;
    long got;
    do {
      got = Sys(SYS_read, p.go_fd, L(&go), 1);
    } while (got == -EINTR);
    if (got != 1 || go != 'g') InitFail(3, kStageCgroup, "join the pids cgroup", got < 0 ? got : -EIO);
    Sys(SYS_close, p.go_fd);
  }
  int pid = ::clone(ProgramMain, p.program_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &p);
  if (pid < 0) InitFail(3, kStageExec, "start the program", -EAGAIN);
  // One message for the setup report and the start: one wake-up of the tool, not two.
  StatusMsg ready = setup;
  ready.kind = 'R';
  ready.text[0] = static_cast<char>((setup.a ? 1 : 0) | (setup.b ? 2 : 0) | (setup.c ? 4 : 0));
  ready.a = pid;
  SendMsg(3, ready);

  StatusMsg done;
  done.kind = 'X';
  for (;;) {
    int status = 0;
    struct rusage ru {};
    long w = Sys(SYS_wait4, -1, L(&status), __WALL, L(&ru));
    if (w == pid) {
      done.a = status;
      done.ru = ru;
      break;
    }
    if (w < 0 && w != -EINTR) break;  // ECHILD: nothing left (cannot happen before the program)
  }
  if (p.pid_ns) {
    // Kill and reap everything left in the namespace before reporting, so the tool may return
    // on 'X' without waiting for the namespaces' teardown (which waits for RCU grace periods).
    Sys(SYS_kill, -1, SIGKILL);
    for (;;) {
      long w = Sys(SYS_wait4, -1, 0, __WALL, 0);
      if (w < 0 && w != -EINTR) break;
    }
  }
  // Its copies of the program's stdio must not keep the tool's pipes open while it exits.
  for (int fd = 0; fd < 3; ++fd) Sys(SYS_close, fd);
  raw::WriteThenExit(3, &done, sizeof done);
}

// --- the slot's init: PID 1 of the slot's PID namespace, in the slot's base mount namespace ------
//
// Made once per slot (and thread that uses it): the tool clones it into new PID and mount
// namespaces and moves it into the slot's cgroup; it builds the request-independent part of the
// view (system runtime, /etc, /dev, /proc) once. For each run it clones the program's child into
// a copy of that base (CLONE_NEWNS), which mounts the run's own /tmp and /dev/shm and attaches the
// workdir and inputs the tool cloned from the host with open_tree. The program is PID 2 of the
// slot's namespace, never PID 1, so its signals behave as on any host; when it has exited the init
// kills and reaps everything left in the namespace and removes the run's mount points before it
// reports 'X', so nothing of a run outlives it or reaches the next one.

constexpr size_t kMaxTrees = 48;              ///< more inputs than this: a per-run init instead
constexpr size_t kMaxSlotFds = 5 + kMaxTrees;  ///< stdin, stdout, stderr, status, netns, trees

/// What the tool hands a slot's init for one run (the plan is in the tool's memory: CLONE_VM).
struct SlotRequest {
  InitPlan* plan;
};

/// What a slot's init starts from.
struct SlotInitArgs {
  int sock;
  int host_mnt_fd;
  const ViewStep* steps;  ///< the system view; its shared steps become the slot's base
  size_t n_steps;
};

/// A slot's init's own descriptors.
constexpr int kSlotSock = 3, kSlotHostMnt = 4, kSlotLastPid = 5;

/// The program's child of a slot's init: the run's part of the view in its own copy of the base
/// (the host's mount namespace when the run has no view), the run's network namespace, stdio at
/// 0..2 and the status pipe at 3; then ProgramMain. Runs while the init is suspended (vfork).
int SlotProgramMain(void* arg) {
  InitPlan& p = *static_cast<InitPlan*>(arg);
  const char* where = "";
  int stage = kStageView;
  long r = 0;
  if (p.mount_ns) {
    r = RunSteps(p.sys_steps, p.n_sys, &where, kPerRunSteps);
    if (r == 0 && p.private_workdir) {
      // A fresh workdir nobody keeps never exists on the host: made here, gone with the run's /tmp.
      where = p.workdir;
      r = MkdirP(p.workdir, 0755);
      if (r == 0) r = Sys(SYS_fchmodat, AT_FDCWD, L(p.workdir), 0700);
      if (r == 0) r = Sys(SYS_fchownat, AT_FDCWD, L(p.workdir), p.run_uid, p.run_gid, 0);
    }
    if (r == 0) r = RunSteps(p.run_steps, p.n_run, &where, kAllSteps, p.step_fds, &p);
    if (r == 0) {
      // Only this run's copy of the root mount: the base stays writable for the init's cleanup.
      where = "read-only root";
      r = Sys(SYS_mount, 0, L("/"), 0, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, 0);
    }
  } else {
    stage = kStageOther;
    where = "join the host's mount namespace";
    r = Sys(SYS_setns, p.host_mnt_fd, CLONE_NEWNS);
  }
  if (r == 0 && p.netns_fd >= 0) p.net_joined = Sys(SYS_setns, p.netns_fd, CLONE_NEWNET) == 0;
  if (r == 0) {
    stage = kStageOther;
    where = "chdir";
    r = Sys(SYS_chdir, L(p.workdir));
  }
  if (r < 0) {
    p.setup_failed = true;
    InitFail(p.status_fd, stage, where, r);
  }
  int want[4] = {p.stdin_fd, p.stdout_fd, p.stderr_fd, p.status_fd};
  int high[4];
  for (int i = 0; i < 4; ++i) high[i] = static_cast<int>(Sys(SYS_fcntl, want[i], F_DUPFD_CLOEXEC, 64));
  for (int i = 0; i < 4; ++i) Sys(SYS_dup3, high[i], i, i <= 2 ? 0 : O_CLOEXEC);
  if (Sys(SYS_close_range, 4, ~0U, 0) < 0) {
    for (int fd = 4; fd < 65536; ++fd) Sys(SYS_close, fd);
  }
  return ProgramMain(arg);
}

/// Kills and reaps everything in the slot's PID namespace but the init itself.
void KillAndReapAll() {
  Sys(SYS_kill, -1, SIGKILL);
  for (;;) {
    long w = Sys(SYS_wait4, -1, 0, __WALL, 0);
    if (w < 0 && w != -EINTR) break;
  }
}

/// Removes the mount points a run's child made in the shared root, deepest first. A path that
/// lay inside one of the run's own mounts (its /tmp, its workdir) does not exist here: ENOENT.
void RemoveCreated(const InitPlan& p) {
  char buf[PATH_MAX];
  for (unsigned k = p.n_created; k-- > 0;) {
    const InitPlan::Created& c = p.created[k];
    if (c.step >= p.n_run || c.len >= sizeof buf) continue;
    const char* path = p.run_steps[c.step].path.c_str();
    for (size_t i = 0; i < c.len; ++i) buf[i] = path[i];
    buf[c.len] = 0;
    Sys(SYS_unlinkat, AT_FDCWD, L(buf), c.file ? 0 : AT_REMOVEDIR);
  }
}

/// One run: hand the descriptors to the plan, start the program, report ('E' for a failure; 'X'
/// at the end, with what isolation held: no separate start report), leave the namespace empty.
void ServeRun(InitPlan& p, const int* fds, size_t got, bool last_pid) {
  const bool has_net = p.netns_fd >= 0;
  const size_t want = 4 + (has_net ? 1 : 0) + p.n_trees;
  p.status_fd = got > 3 ? fds[3] : -1;
  if (got == want) {
    p.stdin_fd = fds[0];
    p.stdout_fd = fds[1];
    p.stderr_fd = fds[2];
    size_t k = 4;
    p.netns_fd = has_net ? fds[k++] : -1;
    for (size_t i = 0; i < p.n_run; ++i) {
      if (p.step_fds[i] >= 0) p.step_fds[i] = fds[k + static_cast<size_t>(p.step_fds[i])];
    }
    p.host_mnt_fd = kSlotHostMnt;
    // Pids are handed out upwards; the program gets 2, as under an init of its own.
    if (last_pid) Sys(SYS_pwrite64, kSlotLastPid, L("1"), 1, 0);
    const long flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (p.mount_ns ? CLONE_NEWNS : 0);
    p.program_started = true;
    int pid = ::clone(SlotProgramMain, p.program_stack, static_cast<int>(flags), &p);
    StatusMsg done;
    done.kind = 'X';
    bool report = true;
    if (pid < 0) {
      StatusMsg m;
      m.kind = 'E';
      m.a = EAGAIN;
      m.b = kStageExec;
      Copy(m.text, sizeof m.text, "start the program");
      SendMsg(p.status_fd, m);
      done.a = 127 << 8;
    } else if (p.setup_failed) {
      report = false;  // the child sent 'E'; the tool sees the status pipe end after it
    }
    // What held travels with 'X' (no separate start report: one wake-up of the tool per run).
    done.text[0] = static_cast<char>((p.net_joined ? 1 : 0) | (p.mount_ns ? 2 : 0) | 4);
    for (;;) {
      if (pid < 0) break;
      int status = 0;
      struct rusage ru {};
      long w = Sys(SYS_wait4, -1, L(&status), __WALL, L(&ru));
      if (w == pid) {
        done.a = status;
        done.ru = ru;
        break;
      }
      if (w < 0 && w != -EINTR) break;
    }
    KillAndReapAll();
    RemoveCreated(p);
    if (p.created_overflow) p.retire_slot = true;
    for (size_t i = 0; i < got; ++i) {
      if (i != 3) Sys(SYS_close, fds[i]);
    }
    if (report) SendMsg(p.status_fd, done);
  } else {
    // Cannot happen unless the descriptors did not fit (MSG_CTRUNC): refuse the run.
    StatusMsg m;
    m.kind = 'E';
    m.a = EMFILE;
    m.b = kStageOther;
    Copy(m.text, sizeof m.text, "receive the run's descriptors");
    if (p.status_fd >= 0) SendMsg(p.status_fd, m);
    for (size_t i = 0; i < got; ++i) {
      if (i != 3) Sys(SYS_close, fds[i]);
    }
  }
  if (p.status_fd >= 0) Sys(SYS_close, p.status_fd);
}

int SlotInitMain(void* arg) {
  const SlotInitArgs a = *static_cast<SlotInitArgs*>(arg);
  ResetSignals();
  uint64_t all = ~0ULL;
  Sys(SYS_rt_sigprocmask, SIG_SETMASK, L(&all), 0, 8);
  Sys(SYS_setpgid, 0, 0);
  long sock = Sys(SYS_fcntl, a.sock, F_DUPFD_CLOEXEC, 64);
  long mnt = a.host_mnt_fd >= 0 ? Sys(SYS_fcntl, a.host_mnt_fd, F_DUPFD_CLOEXEC, 64) : -1;
  Sys(SYS_dup3, sock, kSlotSock, O_CLOEXEC);
  if (mnt >= 0) Sys(SYS_dup3, mnt, kSlotHostMnt, O_CLOEXEC);
  if (Sys(SYS_close_range, kSlotLastPid, ~0U, 0) < 0) {
    for (int fd = kSlotLastPid; fd < 65536; ++fd) Sys(SYS_close, fd);
  }
  for (int fd = 0; fd < 3; ++fd) Sys(SYS_close, fd);
  Sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);

  StatusMsg hello;
  const char* where = "";
  long r = BuildView(a.steps, a.n_steps, kSharedSteps, &where);
  if (r == 0) {
    where = "detach the host root";
    r = Sys(SYS_umount2, L(kOldRoot), MNT_DETACH);
  }
  if (r < 0) {
    hello.kind = 'E';
    hello.a = static_cast<int>(-r);
    hello.b = kStageView;
    Copy(hello.text, sizeof hello.text, where);
    Sys(SYS_sendto, kSlotSock, L(&hello), sizeof hello, MSG_NOSIGNAL, 0, 0);
    Exit(127);
  }
  Sys(SYS_unlinkat, AT_FDCWD, L(kOldRoot), AT_REMOVEDIR);
  long last = Sys(SYS_openat, AT_FDCWD, L("/proc/sys/kernel/ns_last_pid"), O_WRONLY | O_CLOEXEC);
  if (last >= 0 && last != kSlotLastPid) {
    Sys(SYS_dup3, last, kSlotLastPid, O_CLOEXEC);
    Sys(SYS_close, last);
  }
  hello.kind = 'B';
  Sys(SYS_sendto, kSlotSock, L(&hello), sizeof hello, MSG_NOSIGNAL, 0, 0);

  // The tool's TERM is forwarded to the run, USR1 kills it (as a per-run init does).
  struct sigaction fwd {};
  fwd.sa_handler = ForwardTerm;
  ::sigaction(SIGTERM, &fwd, nullptr);
  struct sigaction kill_all {};
  kill_all.sa_handler = KillAll;
  ::sigaction(SIGUSR1, &kill_all, nullptr);
  Unblock();
  for (;;) {
    SlotRequest req{};
    struct iovec iov {&req, sizeof req};
    alignas(struct cmsghdr) char control[CMSG_SPACE(kMaxSlotFds * sizeof(int))];
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    long n = Sys(SYS_recvmsg, kSlotSock, L(&msg), MSG_CMSG_CLOEXEC);
    if (n == -EINTR) continue;
    if (n != static_cast<long>(sizeof req) || !req.plan) Exit(0);  // the tool closed the socket
    int fds[kMaxSlotFds];
    size_t got = 0;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(0)) {
      got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      if (got > kMaxSlotFds) got = kMaxSlotFds;
      std::memcpy(fds, CMSG_DATA(c), got * sizeof(int));
    }
    if (msg.msg_flags & MSG_CTRUNC) got = 0;
    ServeRun(*req.plan, fds, got, last >= 0);
  }
}

/// The tool's handle on a slot's init.
struct SlotInit {
  static constexpr size_t kStack = 128 * 1024;
  char* stack = nullptr;
  pid_t pid = -1;
  int sock = -1;

  SlotInit() {
    void* m = ::mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    stack = m == MAP_FAILED ? nullptr : static_cast<char*>(m);
  }
  ~SlotInit() {
    if (sock >= 0) ::close(sock);
    if (pid > 0) {
      ::kill(pid, SIGKILL);  // its PID namespace, and whatever was left in it, go with it
      while (::waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
      }
    }
    if (stack) ::munmap(stack, kStack);
  }
  SlotInit(const SlotInit&) = delete;
  SlotInit& operator=(const SlotInit&) = delete;

  /// Hands a run to the init: stdin, stdout, stderr, status, [netns], trees. False when it is gone.
  bool Start(InitPlan* plan, const int* fds, size_t n_fds) {
    SlotRequest req{plan};
    struct iovec iov {&req, sizeof req};
    alignas(struct cmsghdr) char control[CMSG_SPACE(kMaxSlotFds * sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
    std::memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
    ssize_t n;
    do {
      n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof req);
  }
};

/// The host's mount namespace, for the slots' runs without a view (opened once, kept).
int HostMountNs() {
  static const int fd = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  return fd;
}

/// An init for `slot`, moved into its cgroup (the one migration the slot ever pays), with the
/// base view built; null when one cannot be made (`why`; `view_failed` when the base view was
/// refused, as a per-run view would be).
std::shared_ptr<void> MakeSlotInit(SandboxSlot* slot, const std::vector<ViewStep>& sys_steps, std::string* why,
                                   bool* view_failed) {
  *view_failed = false;
  if (slot->cgroup_procs_fd < 0) return nullptr;
  auto z = std::make_shared<SlotInit>();
  if (!z->stack) return nullptr;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
  SlotInitArgs args{sv[1], HostMountNs(), sys_steps.data(), sys_steps.size()};
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::clone(SlotInitMain, z->stack + SlotInit::kStack, CLONE_VM | CLONE_NEWPID | CLONE_NEWNS | SIGCHLD,
                      &args);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  // The init has copied the descriptor table; its end of the socket is now its own.
  ::close(sv[1]);
  if (pid < 0) {
    ::close(sv[0]);
    *why = std::string("cannot start a slot's init: ") + std::strerror(errno);
    return nullptr;
  }
  z->pid = pid;
  z->sock = sv[0];
  std::string id = std::to_string(pid);
  bool joined = ::write(slot->cgroup_procs_fd, id.data(), id.size()) == static_cast<ssize_t>(id.size());
  StatusMsg hello;
  ssize_t n;
  do {
    n = ::recv(z->sock, &hello, sizeof hello, 0);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(sizeof hello) || hello.kind != 'B') {
    if (n == static_cast<ssize_t>(sizeof hello) && hello.kind == 'E') {
      *view_failed = true;
      *why = std::string(hello.text) + ": " + std::strerror(hello.a);
    } else {
      *why = "a slot's init did not start";
    }
    return nullptr;
  }
  if (!joined) {
    *why = "cannot move a slot's init into its cgroup";
    return nullptr;
  }
  return z;
}

// --- the tool's side -----------------------------------------------------------------------------

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

std::string LookUpUserLabel(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  char buf[1024];
  std::string name = "uid";
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) name = found->pw_name;
  return name + "(" + std::to_string(uid) + ")";
}

/// "name(uid)", looked up once per uid.
std::string UserLabel(uid_t uid) {
  static std::mutex mu;
  static std::vector<std::pair<uid_t, std::string>> cache;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [u, label] : cache) {
    if (u == uid) return label;
  }
  cache.emplace_back(uid, LookUpUserLabel(uid));
  return cache.back().second;
}

/// The namespace levels this kernel allowed, learned once: a level that fails is not retried.
struct NsLevels {
  std::atomic<bool> root_ns{true};      ///< CLONE_NEWNS | CLONE_NEWPID without a user namespace
  std::atomic<bool> user_ns{true};      ///< the same inside a new user namespace
  std::atomic<bool> view{true};         ///< building the filesystem view works here
  std::atomic<bool> cgroup{true};       ///< joining the run's pids cgroup works here
  std::atomic<bool> slot_init{true};    ///< slots' inits (base view, open_tree) work here
  std::mutex mu;
  std::string why_no_view;
};
NsLevels& Levels() {
  static NsLevels levels;
  return levels;
}

/// Two stacks per thread (the init's and the program child's), mapped once.
struct Stacks {
  static constexpr size_t kSize = 256 * 1024;
  char* base = nullptr;
  Stacks() {
    void* m = ::mmap(nullptr, 2 * kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    base = m == MAP_FAILED ? nullptr : static_cast<char*>(m);
  }
  ~Stacks() {
    if (base) ::munmap(base, 2 * kSize);
  }
  char* init_top() const { return base + kSize; }
  char* program_top() const { return base + 2 * kSize; }
};

/// PATH entries the child can see: the system runtime and its own folder.
std::string VisiblePath(const std::string& path_list, const std::string& workdir) {
  std::vector<std::string> keep;
  for (const auto& d : util::Split(path_list, ':')) {
    if (d.empty()) continue;
    if (IsSystemPath(d) || d == workdir || util::StartsWith(d, workdir + "/")) keep.push_back(d);
  }
  return keep.empty() ? "/usr/local/bin:/usr/bin:/bin" : util::Join(keep, ":");
}

/// Inits that reported their run's end but were still exiting: reaped at the next run.
std::mutex& DeferredMutex() {
  static std::mutex mu;
  return mu;
}
std::vector<pid_t>& Deferred() {
  static auto* pids = new std::vector<pid_t>();
  return *pids;
}
void DeferReap(pid_t pid) {
  std::lock_guard<std::mutex> lock(DeferredMutex());
  Deferred().push_back(pid);
}
void ReapDeferred() {
  std::lock_guard<std::mutex> lock(DeferredMutex());
  auto& pids = Deferred();
  for (size_t i = 0; i < pids.size();) {
    pid_t r = ::waitpid(pids[i], nullptr, WNOHANG | __WALL);
    if (r == pids[i] || (r < 0 && errno == ECHILD)) {
      pids[i] = pids.back();
      pids.pop_back();
    } else {
      ++i;
    }
  }
}

/// Set while a run is redone with its fresh workdir on the host (no slot's init could serve it).
bool& HostWorkdirOnlyFlag() {
  thread_local bool only = false;
  return only;
}
bool HostWorkdirOnly() { return HostWorkdirOnlyFlag(); }
struct HostWorkdirGuard {
  bool was = HostWorkdirOnlyFlag();
  HostWorkdirGuard() { HostWorkdirOnlyFlag() = true; }
  ~HostWorkdirGuard() { HostWorkdirOnlyFlag() = was; }
  HostWorkdirGuard(const HostWorkdirGuard&) = delete;
  HostWorkdirGuard& operator=(const HostWorkdirGuard&) = delete;
};

/// Six letters or digits for the name of a workdir in a run's private /tmp.
std::string RandomName() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::string name(6, 'x');
  for (auto& c : name) c = kChars[gen() % (sizeof kChars - 1)];
  return name;
}

}  // namespace

std::string SandboxViewUnavailableReason() {
  std::lock_guard<std::mutex> lock(Levels().mu);
  return Levels().why_no_view;
}

Result<ProcessResult> SandboxRunner::Run(const ProcessRequest& request) {
  ReapDeferred();
  const SandboxPolicy& policy = request.policy;
  if (request.argv.empty() || request.argv[0].empty()) {
    return Error{errc::kUsage, "no command given to run"};
  }
  if (policy.timeout_s <= 0) return Error{errc::kUsage, "timeout must be positive"};

  ProcessResult result;
  const int64_t start_ms = util::MonotonicMs();

  // Working directory: given, or a fresh private one that is removed afterwards. When a slot's
  // init will serve the run, a fresh workdir nobody keeps is made inside the run's private /tmp
  // (a tmpfs, gone with the run) instead of on the host: no host mkdir, chown and rmdir, which on
  // a busy ext4 /tmp cost more than the whole spawn.
  NsLevels& levels = Levels();
  const bool private_workdir = request.workdir.empty() && !request.keep_workdir && !HostWorkdirOnly() &&
                               policy.isolate_filesystem && policy.drop_privileges && ::geteuid() == 0 &&
                               levels.view.load() && levels.slot_init.load() && levels.root_ns.load() &&
                               levels.cgroup.load() && SlotCaps().cgroup;
  std::string workdir = request.workdir;
  bool own_workdir = false;
  if (private_workdir) {
    workdir = "/tmp/autopilot-sandbox-" + RandomName();
    own_workdir = true;
  } else if (workdir.empty()) {
    auto tmp = util::MakeTempDir("autopilot-sandbox-");
    if (!tmp) return tmp.error();
    workdir = *tmp;
    own_workdir = !request.keep_workdir;
  } else {
    struct stat st {};
    if (::stat(workdir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Error{errc::kUsage, "working directory '" + workdir + "' does not exist"};
    }
    char real[PATH_MAX];
    if (::realpath(workdir.c_str(), real)) workdir = real;
  }
  result.workdir = workdir;
  struct WorkdirCleanup {
    std::string path;
    bool active;
    ~WorkdirCleanup() {
      // Most runs leave it empty: one rmdir instead of a directory walk.
      if (active && ::rmdir(path.c_str()) != 0) util::RemoveTree(path);
    }
  } cleanup{workdir, own_workdir && !private_workdir};

  // Who the child runs as.
  const uid_t my_uid = ::geteuid();
  const gid_t my_gid = ::getegid();
  bool drop = policy.drop_privileges && my_uid == 0;
  uid_t run_uid = my_uid;
  gid_t run_gid = my_gid;
  if (drop) {
    static const std::pair<uid_t, gid_t> kNobody = [] {
      struct passwd pw {};
      struct passwd* found = nullptr;
      char buf[1024];
      if (::getpwnam_r("nobody", &pw, buf, sizeof buf, &found) == 0 && found) {
        return std::pair<uid_t, gid_t>{found->pw_uid, found->pw_gid};
      }
      return std::pair<uid_t, gid_t>{65534, 65534};
    }();
    run_uid = kNobody.first;
    run_gid = kNobody.second;
    // The child must be able to write its own working directory; a shared sticky folder such as
    // /tmp is writable already and is never handed over.
    struct stat wst {};
    bool shared_sticky = ::stat(workdir.c_str(), &wst) == 0 && (wst.st_mode & S_ISVTX) && (wst.st_mode & S_IWOTH);
    if (!private_workdir && !shared_sticky && wst.st_uid != run_uid && ::chown(workdir.c_str(), run_uid, run_gid) != 0) {
      return Error{errc::kIo, "cannot hand working directory '" + workdir +
                             "' to the sandbox user: " + std::strerror(errno)};
    }
  }

  // What isolation to attempt: the most this kernel allowed so far.
  const bool want_view = policy.isolate_filesystem && levels.view.load();
  bool new_user = false;
  bool ns = policy.isolate_pids || want_view;
  if (ns && !levels.root_ns.load()) {
    new_user = levels.user_ns.load();
    ns = new_user;
  }

  // Environment and program path, as the child will see them (nothing may allocate after clone).
  std::vector<std::string> env =
      BuildChildEnv(CurrentEnvironment(), workdir, policy.inherit_env, policy.extra_env);
  std::string child_path_list = "/usr/local/bin:/usr/bin:/bin";
  for (auto& e : env) {
    if (e.rfind("PATH=", 0) != 0) continue;
    if (want_view && ns) e = "PATH=" + VisiblePath(e.substr(5), workdir);
    child_path_list = e.substr(5);
  }
  std::string program = FindProgram(request.argv[0], child_path_list, workdir);
  if (program.empty()) {
    result.exit_code = 127;
    result.stderr_data = "autopilot sandbox: " + request.argv[0] + ": command not found\n";
    result.stderr_bytes = result.stderr_data.size();
    result.run_as = UserLabel(run_uid);
    result.wall_ms = util::MonotonicMs() - start_ms;
    return result;
  }
  std::vector<ViewStep> run_steps;
  const std::vector<ViewStep>& sys_steps = PlanSystemView(policy.tmpfs_mb);
  if (want_view && ns) {
    auto planned = PlanRunView(request, workdir, !private_workdir);
    if (!planned) return planned.error();
    run_steps = std::move(*planned);
  }
  std::vector<std::string> argv = request.argv;
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);
  std::string uid_map = std::to_string(my_uid) + " " + std::to_string(my_uid) + " 1\n";
  std::string gid_map = std::to_string(my_gid) + " " + std::to_string(my_gid) + " 1\n";

  Fd out_r, out_w, err_r, err_w, in_r, in_w, st_r, st_w;
  if (!MakePipe(&out_r, &out_w) || !MakePipe(&err_r, &err_w) || !MakePipe(&st_r, &st_w)) {
    return Error{errc::kIo, std::string("cannot create pipes: ") + std::strerror(errno)};
  }
  // No stdin: one /dev/null descriptor, opened once and shared by every run (never closed).
  static const int kDevNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (!request.stdin_data.empty() && !MakePipe(&in_r, &in_w)) {
    return Error{errc::kIo, std::string("cannot create pipes: ") + std::strerror(errno)};
  }
  const int stdin_fd = request.stdin_data.empty() ? kDevNull : in_r.get();

  thread_local Stacks stacks;
  if (!stacks.base) return Error{errc::kResource, "cannot map the sandbox stacks"};

  // Per-run resources: a pooled network namespace (privileged) and a pids cgroup.
  SlotLease lease(policy.isolate_network && !new_user, policy.max_processes);
  SandboxSlot* slot = lease.get();
  const bool cgroup_limit = lease.pids_limited() && levels.cgroup.load();

  InitPlan plan{};
  plan.stdin_fd = stdin_fd;
  plan.stdout_fd = out_w.get();
  plan.stderr_fd = err_w.get();
  plan.status_fd = st_w.get();
  plan.netns_fd = policy.isolate_network && !new_user ? slot->netns_fd : -1;
  const int cgroup_fd = levels.cgroup.load() ? slot->cgroup_procs_fd : -1;
  plan.go_fd = -1;
  plan.new_user = new_user;
  plan.unshare_net = policy.isolate_network && plan.netns_fd < 0;
  plan.mount_ns = want_view && ns;
  plan.pid_ns = ns;
  plan.uid_map = uid_map.c_str();
  plan.gid_map = gid_map.c_str();
  plan.sys_steps = sys_steps.data();
  plan.n_sys = sys_steps.size();
  // What the run itself needs.
  auto fill_run = [&](InitPlan* target) {
    target->run_steps = run_steps.data();
    target->n_run = run_steps.size();
    target->workdir = workdir.c_str();
    target->path = program.c_str();
    target->argv = argv_c.data();
    target->envp = env_c.data();
    target->drop_privileges = drop && !new_user;
    target->run_uid = run_uid;
    target->run_gid = run_gid;
    target->cpu_s = static_cast<rlim_t>(policy.cpu_s > 0 ? policy.cpu_s
                                                         : static_cast<int64_t>(std::ceil(policy.timeout_s)) + 1);
    target->as_bytes = static_cast<rlim_t>(policy.memory_mb > 0 ? policy.memory_mb << 20 : 0);
    target->fsize_bytes = static_cast<rlim_t>(policy.max_file_mb > 0 ? policy.max_file_mb << 20 : 0);
    // A per-run pids cgroup replaces the per-user RLIMIT_NPROC, which concurrent runs share.
    target->nproc = static_cast<rlim_t>(policy.max_processes > 0 && !cgroup_limit ? policy.max_processes : 0);
    target->nofile = static_cast<rlim_t>(policy.max_open_files > 0 ? policy.max_open_files : 1024);
  };
  fill_run(&plan);
  plan.program_stack = stacks.program_top();
  if (!plan.drop_privileges) run_uid = my_uid;
  result.run_as = UserLabel(run_uid);
  result.process_limit = cgroup_limit ? "cgroup" : plan.nproc ? "rlimit" : "";

  static std::once_flag subreaper;
  // Orphans of a run without a PID namespace are re-parented to us rather than to init.
  std::call_once(subreaper, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1); });
  int flags = CLONE_VM | SIGCHLD;
  if (plan.pid_ns) flags |= CLONE_NEWPID | CLONE_NEWNS;
  if (plan.new_user) flags |= CLONE_NEWUSER;
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  // With a per-run cgroup, the slot's init (PID 1 of the slot's PID namespace, in its base mount
  // namespace, inside the cgroup) serves the run; else a per-run init, cloned directly, which the
  // tool moves into the cgroup while it builds its view.
  SlotInit* slot_init = nullptr;
  if (cgroup_fd >= 0 && !new_user && plan.pid_ns && plan.drop_privileges && levels.slot_init.load()) {
    const unsigned long me = ThreadTag();
    if (!slot->init || slot->owner != me) {
      std::string why;
      bool view_failed = false;
      slot->init = MakeSlotInit(slot, sys_steps, &why, &view_failed);
      slot->owner = me;
      if (!slot->init && view_failed) {
        // As a per-run view would be refused: no view, and no slot inits (they need one).
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        levels.slot_init = false;
        std::lock_guard<std::mutex> lock(levels.mu);
        levels.why_no_view = "cannot build the private filesystem view (" + why + ")";
        levels.view = false;
        return Run(request);
      }
    }
    slot_init = static_cast<SlotInit*>(slot->init.get());
  }
  // The run's workdir and inputs, cloned from the host here and attached by the program's child.
  std::vector<int> step_fds;
  std::vector<int> trees;
  struct TreeCleanup {
    std::vector<int>* fds;
    ~TreeCleanup() {
      for (int fd : *fds) ::close(fd);
    }
  } tree_cleanup{&trees};
  if (slot_init && plan.mount_ns) {
    step_fds.assign(run_steps.size(), -1);
    const size_t prefix = std::strlen(kOldRoot);
    for (size_t i = 0; i < run_steps.size() && slot_init; ++i) {
      const ViewStep& step = run_steps[i];
      if (step.kind != ViewStep::kBind && step.kind != ViewStep::kBindRo) continue;
      const std::string host = step.source.substr(prefix);
      int fd = static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, host.c_str(), OPEN_TREE_CLONE | O_CLOEXEC));
      if (fd < 0 || trees.size() == kMaxTrees) {
        if (fd >= 0) ::close(fd);
        if (fd < 0 && (errno == ENOSYS || errno == EPERM)) levels.slot_init = false;
        slot_init = nullptr;  // this run gets an init of its own, which binds from the host root
        break;
      }
      step_fds[i] = static_cast<int>(trees.size());
      trees.push_back(fd);
    }
  }
  plan.step_fds = slot_init ? step_fds.data() : nullptr;
  plan.n_trees = slot_init ? trees.size() : 0;
  plan.private_workdir = private_workdir;
  if (private_workdir && !slot_init) {
    // Only a slot's init makes the workdir in the run's /tmp: run again with one on the host.
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    HostWorkdirGuard guard;
    return Run(request);
  }
  pid_t pid = -1;
  if (slot_init) {
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    std::vector<int> fds = {stdin_fd, out_w.get(), err_w.get(), st_w.get()};
    if (plan.netns_fd >= 0) fds.push_back(plan.netns_fd);
    fds.insert(fds.end(), trees.begin(), trees.end());
    if (slot_init->Start(&plan, fds.data(), fds.size())) {
      pid = slot_init->pid;
    } else {
      slot->init.reset();  // gone (its thread ended?): the next run makes a new one
      slot_init = nullptr;
      plan.step_fds = nullptr;
      plan.n_trees = 0;
      if (private_workdir) {
        HostWorkdirGuard guard;
        return Run(request);
      }
      ::pthread_sigmask(SIG_SETMASK, &all, nullptr);
    }
  }
  Fd go_r, go_w;  // a per-run init waits for the tool to move it into the cgroup
  if (!slot_init) {
    if (cgroup_fd >= 0 && !MakePipe(&go_r, &go_w)) {
      ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
      return Error{errc::kIo, std::string("cannot create pipes: ") + std::strerror(errno)};
    }
    plan.go_fd = go_r.get();
    pid = ::clone(InitMain, stacks.init_top(), flags, &plan);
  }
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0 && plan.pid_ns) {
    // This kernel refuses these namespaces: remember, and run with what it allows.
    if (!plan.new_user) {
      levels.root_ns = false;
    } else {
      levels.user_ns = false;
    }
    return Run(request);
  }
  if (pid < 0) return Error{errc::kResource, std::string("cannot start the sandbox: ") + std::strerror(clone_errno)};

  // Parent. Also set the group from here so there is no window where a TERM misses it.
  if (!slot_init) ::setpgid(pid, pid);
  if (cgroup_fd >= 0 && !slot_init) {
    std::string id = std::to_string(pid);
    bool joined = ::write(cgroup_fd, id.data(), id.size()) == static_cast<ssize_t>(id.size());
    char go = joined ? 'g' : 'n';
    (void)!::write(go_w.get(), &go, 1);  // the init reports a refusal as a setup failure
    go_w.Close();
  }
  go_r.Close();
  for (int fd : trees) ::close(fd);
  trees.clear();
  out_w.Close();
  err_w.Close();
  st_w.Close();
  in_r.Close();
  // A slot's init outlives the run: its 'X' (or the status pipe's end) says the run is over.
  Fd pidfd(slot_init ? -1 : PidfdOpen(pid));

  // Status: the setup report, then the program's start (or a failure record, then EOF). A slot's
  // init sends no start: its 'X' says what held, so the tool wakes once per run for it, not twice.
  StatusMsg fail, started;
  while (!slot_init) {
    StatusMsg m;
    ssize_t n = ::read(st_r.get(), &m, sizeof m);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof m)) break;
    if (m.kind == 'E') fail = m;
    if (m.kind == 'R') {
      started = m;
      break;
    }
  }
  // The init could not set up (view, cgroup, user namespace): degrade, and retry.
  auto after_setup_failure = [&]() -> Result<ProcessResult> {
    std::string what = std::string(fail.text) + ": " + std::strerror(fail.a);
    if (fail.b == kStageView) {
      std::lock_guard<std::mutex> lock(levels.mu);
      levels.why_no_view = "cannot build the private filesystem view (" + what + ")";
      levels.view = false;
      return Run(request);
    }
    if (fail.b == kStageCgroup) {
      levels.cgroup = false;
      return Run(request);
    }
    if (fail.b == kStageUser && plan.new_user) {
      levels.user_ns = false;
      return Run(request);
    }
    return Error{errc::kEnv, "sandbox setup failed: " + what};
  };
  if (!slot_init && started.kind != 'R' && fail.kind == 'E' && fail.b != kStageExec) {
    int ws = 0;  // the per-run init has exited
    while (::waitpid(pid, &ws, __WALL) < 0 && errno == EINTR) {
    }
    return after_setup_failure();
  }
  const pid_t group = plan.pid_ns ? pid : (started.kind == 'R' ? started.a : pid);

  Capture out, errc;
  out.cap = policy.max_output_bytes;
  errc.cap = policy.max_output_bytes;
  SetNonBlocking(out_r.get());
  SetNonBlocking(err_r.get());
  size_t stdin_off = 0;
  if (in_w.get() >= 0) SetNonBlocking(in_w.get());

  // Stopping: TERM to the group (the init forwards it to its whole namespace), then after the
  // grace everything is killed (USR1 asks the init, which then still reports the status), then
  // the init itself if it has not gone within another second.
  auto send_term = [&] {
    ::kill(-group, SIGTERM);
    if (plan.pid_ns) ::kill(pid, SIGTERM);
  };
  auto send_kill = [&] {
    if (plan.pid_ns) {
      ::kill(pid, SIGUSR1);
    } else {
      ::kill(-group, SIGKILL);
    }
  };
  StatusMsg done;
  const int64_t deadline = start_ms + static_cast<int64_t>(policy.timeout_s * 1000.0);
  int64_t kill_at = 0, hard_kill_at = 0;
  bool term_sent = false, kill_sent = false, hard_sent = false, exited = false;

  while (!exited) {
    int64_t now = util::MonotonicMs();
    if (!term_sent && now >= deadline) {
      result.timed_out = true;
      send_term();
      term_sent = true;
      kill_at = now + static_cast<int64_t>(policy.kill_grace_s * 1000.0);
    }
    if (term_sent && !kill_sent && now >= kill_at) {
      send_kill();
      kill_sent = true;
      hard_kill_at = now + 1000;
    }
    if (kill_sent && !hard_sent && now >= hard_kill_at) {
      ::kill(pid, SIGKILL);
      hard_sent = true;
    }
    struct pollfd fds[4];
    int nfds = 0;
    int i_out = -1, i_err = -1, i_in = -1;
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
    int i_st = -1;
    if (pidfd.get() >= 0) fds[nfds++] = {pidfd.get(), POLLIN, 0};
    if (plan.pid_ns && st_r.get() >= 0) {
      i_st = nfds;
      fds[nfds++] = {st_r.get(), POLLIN, 0};
    }
    int64_t next = !term_sent ? deadline : !kill_sent ? kill_at : !hard_sent ? hard_kill_at : now + 50;
    int wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(next - now, 1000)));
    if (pidfd.get() < 0 && !slot_init) wait_ms = std::min(wait_ms, 10);  // no pidfd: poll for exit
    int rc = ::poll(fds, static_cast<nfds_t>(nfds), wait_ms);
    if (rc < 0 && errno != EINTR) break;
    if (rc > 0) {
      if (i_out >= 0 && fds[i_out].revents) Drain(&out_r, &out);
      if (i_err >= 0 && fds[i_err].revents) Drain(&err_r, &errc);
      if (i_st >= 0 && fds[i_st].revents) {
        // 'X': the program and everything it started are dead and reaped.
        StatusMsg m;
        ssize_t n = ::read(st_r.get(), &m, sizeof m);
        if (n == static_cast<ssize_t>(sizeof m) && m.kind == 'X') {
          done = m;
          exited = true;
        } else if (n == static_cast<ssize_t>(sizeof m) && m.kind == 'E') {
          fail = m;  // from a slot's init: setup (then the pipe ends) or exec (then 'X')
        } else if (n <= 0) {
          st_r.Close();
          if (slot_init) exited = true;  // the slot's init is gone (killed), and the run with it
        }
      }
      if (i_in >= 0 && fds[i_in].revents) {
        if (fds[i_in].revents & (POLLERR | POLLHUP)) {
          in_w.Close();
        } else {
          ssize_t w = ::write(in_w.get(), request.stdin_data.data() + stdin_off,
                              request.stdin_data.size() - stdin_off);
          if (w > 0) stdin_off += static_cast<size_t>(w);
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || stdin_off == request.stdin_data.size()) {
            in_w.Close();
          }
        }
      }
    }
    siginfo_t info{};
    if (!exited && !slot_init && ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0 &&
        info.si_pid == pid) {
      exited = true;
    }
  }

  // The init is gone (with its PID namespace, everything the program started). Without a PID
  // namespace, kill what the program left in its group and in the run's cgroup.
  if (!plan.pid_ns && GroupAlive(group)) ::kill(-group, SIGKILL);
  if (!plan.pid_ns) lease.KillStragglers();
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
    if (!plan.pid_ns && GroupAlive(group)) ::kill(-group, SIGKILL);
  }

  int init_status = 0;
  struct rusage init_ru {};
  if (slot_init && done.kind != 'X') {
    // The slot's init ended the run without 'X': the run's setup failed (the init goes on), or
    // the init went before it took the run (its thread ended: nothing ran, so run again with a
    // new one), or it was killed during the run.
    if (fail.kind == 'E' && fail.b != kStageExec) return after_setup_failure();
    slot->init.reset();
    if (!plan.program_started && !term_sent) return Run(request);
  }
  if (slot_init) {
    // It stays for the slot's next run unless it could not clean up.
    if (plan.retire_slot) slot->init.reset();
  } else if (done.kind == 'X') {
    // The init is only tearing its namespaces down now: reap it later, off this run's path.
    if (::waitpid(pid, &init_status, WNOHANG | __WALL) != pid) DeferReap(pid);
  } else {
    while (::wait4(pid, &init_status, __WALL, &init_ru) < 0 && errno == EINTR) {
    }
  }
  while (st_r.get() >= 0 && done.kind != 'X') {
    StatusMsg m;
    ssize_t n = ::read(st_r.get(), &m, sizeof m);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof m)) break;
    if (m.kind == 'X') done = m;
  }
  if (!plan.pid_ns) {
    // Orphaned members of the group were re-parented to this process (a child subreaper): kill
    // and reap them, so nothing, not even a zombie, outlives the run.
    for (int i = 0; i < 1000; ++i) {
      if (GroupAlive(group)) ::kill(-group, SIGKILL);
      siginfo_t info{};
      if (::waitid(P_PGID, static_cast<id_t>(group), &info, WEXITED | WNOHANG) != 0) break;  // ECHILD
      if (info.si_pid == 0) ::usleep(2000);  // members still dying
    }
  }

  if (plan.pid_ns) lease.MarkEmpty();
  const int isolation = slot_init ? (done.kind == 'X' ? done.text[0] : 0) : (started.kind == 'R' ? started.text[0] : 0);
  result.network_isolated = (isolation & 1) != 0;
  result.filesystem_isolated = (isolation & 2) != 0;
  result.pids_isolated = (isolation & 4) != 0;
  std::string exec_error;
  if (fail.kind == 'E') {
    exec_error = "autopilot sandbox: cannot " + std::string(fail.text) + " '" + request.argv[0] +
                 "': " + std::strerror(fail.a) + "\n";
  }
  int wstatus = 0;
  struct rusage ru {};
  if (done.kind == 'X') {
    wstatus = done.a;
    ru = done.ru;
  } else {
    // The init was killed before it could report (hard kill): the program died with it.
    wstatus = SIGKILL;
    ru = init_ru;
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
  // Output of untrusted code flows back into repair prompts, the store and reports: secrets it
  // read from somewhere (a file it was shown, a key it guessed) are replaced by markers here.
  if (!policy.inherit_env) {
    const Redactor& redactor = ProcessRedactor();
    result.redacted = redactor.Apply(&result.stdout_data);
    result.redacted = redactor.Apply(&result.stderr_data) || result.redacted;
  }
  result.stdout_truncated = out.truncated;
  result.stderr_truncated = errc.truncated;
  result.stdout_bytes = out.total;
  result.stderr_bytes = errc.total;
  if (own_workdir) result.workdir.clear();
  return result;
}

}  // namespace autopilot::exec
