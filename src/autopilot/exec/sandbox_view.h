#pragma once
// The private filesystem view of one sandboxed run, planned by the tool before the child starts:
// a list of mount steps the child replays with raw system calls (no allocation after clone).

#include <string>
#include <vector>

#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::exec {

/// One step of building the child's root, run in order inside its new mount namespace after
/// pivot_root (host paths are then under /oldroot).
struct ViewStep {
  enum Kind : char {
    kDir = 'd',      ///< mkdir -p `path`
    kFile = 'f',     ///< create an empty file at `path` (a mount point for a file)
    kSymlink = 'l',  ///< symlink `source` → `path`
    kTmpfs = 't',    ///< tmpfs at `path` with options `data`
    kBind = 'b',     ///< bind `source` (under /oldroot) onto `path`, read-write
    kBindRo = 'r',   ///< bind, then remount read-only keeping the source's locked flags
    kProc = 'p',     ///< a procfs of the child's own PID namespace at `path`
  };
  Kind kind;
  std::string path;
  std::string source;
  std::string data;
  unsigned long flags = 0;  ///< extra remount flags (the source mount's nosuid/nodev/atime bits)
  /// Made anew for every run even where the rest of the system view is built once and shared
  /// (the private /tmp and /dev/shm): a slot's base view leaves these out.
  bool per_run = false;
};

/// Where the host's root is reachable while the view is built; unmounted before exec.
inline constexpr const char* kOldRoot = "/oldroot";

/// The system paths shown read-only, and the /etc entries among them.
const std::vector<std::string>& SystemPaths();
const std::vector<std::string>& EtcEntries();

/// A copy of the allowed /etc entries (symlinks kept), shown as /etc: one per content of /etc
/// and user, under the temp folder, shared by every tool process.
/// Empty when it cannot be made; the view then binds the entries one by one.
const std::string& EtcSnapshot();

/// Plans the view: system runtime read-only, /etc pieces, a minimal /dev, private /tmp and
/// /dev/shm, /proc, the workdir read-write at its own path, then the declared inputs and the
/// absolute paths named on the command line. Errors are usage errors naming the bad mount.
Result<std::vector<ViewStep>> PlanView(const ProcessRequest& request, const std::string& workdir);

/// The request-independent part of every view (system runtime, /etc, /dev, /proc, /tmp), planned
/// once per process and tmpfs size.
const std::vector<ViewStep>& PlanSystemView(int64_t tmpfs_mb);

/// The per-run part: the workdir, the declared inputs, the paths the command line names. Without
/// `bind_workdir` the workdir is not a host folder (the run's child makes it in its private /tmp).
Result<std::vector<ViewStep>> PlanRunView(const ProcessRequest& request, const std::string& workdir,
                                          bool bind_workdir = true);

/// The paths an argv names: absolute arguments, and the path part of `-I/dir`, `--opt=/path`.
std::vector<std::string> PathsNamedBy(const std::vector<std::string>& argv);

/// True when `path` is visible inside every view (the read-only system runtime).
bool IsSystemPath(const std::string& path);

}  // namespace autopilot::exec
