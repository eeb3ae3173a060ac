#pragma once
// Per-run resources that are expensive to create and safe to reuse once a run has ended: a
// network namespace with only its own loopback, and a pids cgroup. A run takes a free slot, so
// concurrent runs never share either; a slot is reused only after everything of its run is gone.

#include <cstdint>
#include <memory>
#include <string>

namespace autopilot::exec {

/// One reusable set of per-run resources.
struct SandboxSlot {
  int netns_fd = -1;        ///< network namespace to setns into; -1 when none could be made
  int cgroup_procs_fd = -1; ///< the slot's cgroup.procs, opened for writing; -1 without cgroups
  std::string cgroup_dir;
  int64_t pids_max = -1;    ///< what pids.max was last set to
  /// The slot's init (sandbox_runner.cc): PID 1 of the slot's PID namespace, in its cgroup and in
  /// its base mount namespace, starting each run's program, so no run pays a cgroup migration or
  /// builds the system view; it serves only the thread that made it (`owner`).
  std::shared_ptr<void> init;
  unsigned long owner = 0;
};

/// A number for the calling thread that no later thread gets (pthread_t values are reused, and a
/// slot's init dies with the thread that made it).
unsigned long ThreadTag();

/// What the machine allows, decided once per process.
struct SlotCapabilities {
  bool netns = false;        ///< the tool can create network namespaces itself (privileged)
  bool cgroup = false;       ///< a pids cgroup hierarchy the tool may create children in
  std::string cgroup_root;   ///< the tool's own folder in it
  std::string why_no_netns;
  std::string why_no_cgroup;
};

const SlotCapabilities& SlotCaps();

/// "<pid-namespace inode>.<pid>" of this process, for names of things it leaves on the host (its
/// cgroup folder, its /etc snapshot) so that a later tool can tell whether their owner is gone.
const std::string& OwnerTag();

/// True when `tag` (an OwnerTag) names a process of this PID namespace that no longer exists.
/// Tags of other PID namespaces are never stale here: their pids mean nothing in this one (a
/// tool run inside another's sandbox must not remove the outer tool's folders).
bool OwnerTagIsStale(const std::string& tag);

/// Takes a free slot (creating what it lacks: a netns when `want_netns`, a cgroup) and gives it back.
class SlotLease {
 public:
  SlotLease(bool want_netns, int64_t max_processes);
  ~SlotLease();
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  SandboxSlot* get() { return slot_.get(); }
  /// True when the pids limit of this slot was set (a per-run limit is in force).
  bool pids_limited() const { return pids_limited_; }
  /// Kills whatever is still in the slot's cgroup (runs without a PID namespace).
  void KillStragglers();
  /// The run's PID namespace is gone, so its cgroup is empty: skip the check on release.
  void MarkEmpty() { known_empty_ = true; }

 private:
  std::unique_ptr<SandboxSlot> slot_;
  bool pids_limited_ = false;
  bool known_empty_ = false;
};

}  // namespace autopilot::exec
