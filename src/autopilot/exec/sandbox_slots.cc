#include "autopilot/exec/sandbox_slots.h"

#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::exec {
namespace {

void BringUpLoopback() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, "lo", 3);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  ::close(s);
}

/// A new network namespace with its loopback up, made on a short-lived thread (a thread may
/// unshare its own network namespace; the process keeps its own).
int MakeNetns(std::string* why) {
  int fd = -1;
  int err = 0;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    BringUpLoopback();
    fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) err = errno;
  });
  t.join();
  if (fd < 0 && why) *why = std::string("cannot create a network namespace: ") + std::strerror(err);
  return fd;
}

bool WriteText(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  return n == static_cast<ssize_t>(text.size());
}

/// The tool's own cgroup path in a hierarchy, from /proc/self/cgroup ("N:controllers:/path").
std::string OwnCgroupPath(bool v2) {
  auto text = util::ReadFile("/proc/self/cgroup");
  if (!text) return "";
  for (const auto& line : util::Split(*text, '\n')) {
    auto parts = util::Split(line, ':');
    if (parts.size() < 3) continue;
    bool match = v2 ? (parts[0] == "0" && parts[1].empty()) : false;
    if (!v2) {
      for (const auto& c : util::Split(parts[1], ',')) match = match || c == "pids";
    }
    if (match) return line.substr(parts[0].size() + parts[1].size() + 2);
  }
  return "";
}

/// Removes `dir`'s slot folders and itself (cgroup folders are removed with rmdir only).
void RemoveCgroupTree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (auto* e = ::readdir(d)) {
      if (e->d_type == DT_DIR && e->d_name[0] != '.') ::rmdir((dir + "/" + e->d_name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

/// Folders left by tools that died without cleaning up.
void RemoveStale(const std::string& base) {
  DIR* d = ::opendir(base.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (auto* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (!util::StartsWith(name, "autopilot-sandbox-")) continue;
    if (OwnerTagIsStale(name.substr(std::strlen("autopilot-sandbox-")))) stale.push_back(base + "/" + name);
  }
  ::closedir(d);
  for (const auto& s : stale) RemoveCgroupTree(s);
}

SlotCapabilities DetectCaps() {
  SlotCapabilities caps;
  std::string why;
  int probe = MakeNetns(&why);
  caps.netns = probe >= 0;
  if (probe >= 0) ::close(probe);
  caps.why_no_netns = why;

  auto mountinfo = util::ReadFile("/proc/self/mountinfo");
  std::string v1_mount, v2_mount;
  if (mountinfo) {
    for (const auto& line : util::Split(*mountinfo, '\n')) {
      size_t dash = line.find(" - ");
      if (dash == std::string::npos) continue;
      auto left = util::Split(line.substr(0, dash), ' ');
      auto right = util::Split(line.substr(dash + 3), ' ');
      if (left.size() < 5 || right.size() < 3) continue;
      if (right[0] == "cgroup") {
        for (const auto& o : util::Split(right[2], ',')) {
          if (o == "pids") v1_mount = left[4];
        }
      } else if (right[0] == "cgroup2" && v2_mount.empty()) {
        v2_mount = left[4];
      }
    }
  }
  std::string base;
  bool v2 = false;
  if (std::getenv("AUTOPILOT_SANDBOX_NO_CGROUP")) {
    caps.why_no_cgroup = "disabled by AUTOPILOT_SANDBOX_NO_CGROUP";
    return caps;
  }
  if (!v1_mount.empty()) {
    base = v1_mount + OwnCgroupPath(false);
  } else if (!v2_mount.empty()) {
    std::string own = v2_mount + OwnCgroupPath(true);
    auto ctl = util::ReadFile(own + "/cgroup.controllers");
    if (ctl && ctl->find("pids") != std::string::npos) {
      base = own;
      v2 = true;
    }
  }
  if (base.empty()) {
    caps.why_no_cgroup = "no pids cgroup controller is mounted";
    return caps;
  }
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  RemoveStale(base);
  std::string root = base + "/autopilot-sandbox-" + OwnerTag();
  if (::mkdir(root.c_str(), 0755) != 0 && errno != EEXIST) {
    caps.why_no_cgroup = "cannot create " + root + ": " + std::strerror(errno);
    return caps;
  }
  if (v2 && !WriteText(root + "/cgroup.subtree_control", "+pids")) {
    ::rmdir(root.c_str());
    caps.why_no_cgroup = "cannot enable the pids controller under " + root;
    return caps;
  }
  caps.cgroup = true;
  caps.cgroup_root = root;
  return caps;
}

/// Removes the tool's cgroup folders when the process ends normally.
struct CgroupCleanup {
  std::string root;
  ~CgroupCleanup() {
    if (!root.empty()) RemoveCgroupTree(root);
  }
};

std::mutex& PoolMutex() {
  static std::mutex mu;
  return mu;
}
std::vector<std::unique_ptr<SandboxSlot>>& FreeSlots() {
  static auto* slots = new std::vector<std::unique_ptr<SandboxSlot>>();  // leaked: used at exit
  return *slots;
}
int& SlotCounter() {
  static int n = 0;
  return n;
}

}  // namespace

unsigned long ThreadTag() {
  static std::atomic<unsigned long> next{1};
  thread_local const unsigned long tag = next++;
  return tag;
}

const std::string& OwnerTag() {
  static const std::string tag = [] {
    struct stat st {};
    unsigned long ino = ::stat("/proc/self/ns/pid", &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
    return std::to_string(ino) + "." + std::to_string(::getpid());
  }();
  return tag;
}

bool OwnerTagIsStale(const std::string& tag) {
  size_t dot = tag.find('.');
  if (dot == std::string::npos) return false;
  const std::string& mine = OwnerTag();
  if (tag.substr(0, dot) != mine.substr(0, mine.find('.'))) return false;
  pid_t pid = std::atoi(tag.c_str() + dot + 1);
  return pid > 0 && pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

const SlotCapabilities& SlotCaps() {
  static const SlotCapabilities caps = DetectCaps();
  static CgroupCleanup cleanup{caps.cgroup_root};
  return caps;
}

SlotLease::SlotLease(bool want_netns, int64_t max_processes) {
  const SlotCapabilities& caps = SlotCaps();
  {
    std::lock_guard<std::mutex> lock(PoolMutex());
    auto& free = FreeSlots();
    // Prefer a slot whose init this thread made, then one that has what this run needs.
    const unsigned long me = ThreadTag();
    for (size_t i = free.size(); i-- > 0;) {
      if (free[i]->init && free[i]->owner == me && (!want_netns || free[i]->netns_fd >= 0 || !caps.netns)) {
        slot_ = std::move(free[i]);
        free.erase(free.begin() + static_cast<long>(i));
        break;
      }
    }
    for (size_t i = free.size(); !slot_ && i-- > 0;) {
      if (!want_netns || free[i]->netns_fd >= 0 || !caps.netns) {
        slot_ = std::move(free[i]);
        free.erase(free.begin() + static_cast<long>(i));
        break;
      }
    }
    if (!slot_ && !free.empty()) {
      slot_ = std::move(free.back());
      free.pop_back();
    }
  }
  if (!slot_) slot_ = std::make_unique<SandboxSlot>();
  if (want_netns && caps.netns && slot_->netns_fd < 0) slot_->netns_fd = MakeNetns(nullptr);
  if (caps.cgroup && slot_->cgroup_procs_fd < 0) {
    int n = 0;
    {
      std::lock_guard<std::mutex> lock(PoolMutex());
      n = ++SlotCounter();
    }
    std::string dir = caps.cgroup_root + "/slot-" + std::to_string(n);
    if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) {
      slot_->cgroup_dir = dir;
      slot_->cgroup_procs_fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    }
  }
  if (slot_->cgroup_procs_fd >= 0) {
    // The slot's init counts too, and so may a previous run's own init while it is still exiting
    // (the tool does not wait for its namespaces' teardown); 0 (no limit) is "max".
    int64_t want = max_processes > 0 ? max_processes + 3 : 0;
    if (slot_->pids_max != want) {
      if (WriteText(slot_->cgroup_dir + "/pids.max", want > 0 ? std::to_string(want) : "max")) {
        slot_->pids_max = want;
      }
    }
    pids_limited_ = want > 0 && slot_->pids_max == want;
  }
}

void SlotLease::KillStragglers() {
  if (slot_->cgroup_dir.empty()) return;
  for (int round = 0; round < 50; ++round) {
    auto procs = util::ReadFile(slot_->cgroup_dir + "/cgroup.procs");
    if (!procs || util::Trim(*procs).empty()) return;
    for (const auto& line : util::Split(*procs, '\n')) {
      pid_t p = std::atoi(line.c_str());
      if (p > 0) ::kill(p, SIGKILL);
    }
    ::usleep(2000);
  }
}

SlotLease::~SlotLease() {
  if (!slot_) return;
  // A slot whose cgroup still holds processes is not reused (it would carry them into a run).
  if (!slot_->cgroup_dir.empty() && !known_empty_) {
    auto procs = util::ReadFile(slot_->cgroup_dir + "/cgroup.procs");
    if (procs && !util::Trim(*procs).empty()) {
      if (slot_->netns_fd >= 0) ::close(slot_->netns_fd);
      ::close(slot_->cgroup_procs_fd);
      return;
    }
  }
  std::lock_guard<std::mutex> lock(PoolMutex());
  FreeSlots().push_back(std::move(slot_));
}

}  // namespace autopilot::exec
