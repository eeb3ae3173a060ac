#include "autopilot/exec/sandbox_view.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <signal.h>

#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"

#include "autopilot/util/strings.h"

namespace autopilot::exec {
namespace {

/// Flags of the mount a path lives on that a read-only remount must keep (in a user namespace
/// the kernel locks them; as root keeping them is harmless and stricter).
unsigned long LockedFlags(const std::string& path) {
  struct statvfs sv {};
  if (::statvfs(path.c_str(), &sv) != 0) return MS_NOSUID | MS_NODEV;
  unsigned long f = MS_NOSUID | MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

bool Under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (util::StartsWith(path, dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

/// Lexically normal absolute path: no "//", ".", "..".
std::string Normalize(const std::string& path) {
  std::vector<std::string> parts;
  for (const auto& p : util::Split(path, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  return "/" + util::Join(parts, "/");
}

/// Adds a bind of an existing host path (file or directory) at `target`.
void AddBind(const std::string& source, const std::string& target, bool writable, bool is_dir,
             std::vector<ViewStep>* steps) {
  steps->push_back({ViewStep::kDir, is_dir ? target : Parent(target), "", "", 0});
  if (!is_dir) steps->push_back({ViewStep::kFile, target, "", "", 0});
  steps->push_back({writable ? ViewStep::kBind : ViewStep::kBindRo, target,
                    std::string(kOldRoot) + source, "", writable ? 0 : LockedFlags(source)});
}

/// Shows a host system path: a symlink stays a symlink, a directory or file is bound read-only.
void AddSystemPath(const std::string& path, std::vector<ViewStep>* steps) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISLNK(st.st_mode)) {
    char buf[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n <= 0) return;
    steps->push_back({ViewStep::kDir, Parent(path), "", "", 0});
    steps->push_back({ViewStep::kSymlink, path, std::string(buf, static_cast<size_t>(n)), "", 0});
    return;
  }
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return;
  AddBind(path, path, false, S_ISDIR(st.st_mode), steps);
}

/// What the allowed /etc entries are now: names, types, sizes, times, link targets, recursively.
std::string EtcFingerprint() {
  namespace fs = std::filesystem;
  std::string listing;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return;
    listing += p.string() + "\n" + std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
               std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "\n";
    if (S_ISLNK(st.st_mode)) listing += fs::read_symlink(p, ec).string() + "\n";
  };
  for (const auto& name : EtcEntries()) {
    fs::path from = fs::path("/etc") / name;
    add(from);
    if (fs::is_directory(fs::symlink_status(from, ec))) {
      for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        add(it->path());
      }
    }
  }
  return util::Sha256Hex(listing).substr(0, 16);
}

/// A snapshot folder we can trust: ours, not writable by anyone else.
bool Trusted(const std::string& dir) {
  struct stat st {};
  return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/// One snapshot per content of /etc and user, shared by every tool process (made once, renamed
/// into place, never changed): no per-process copies left behind by killed tools.
std::string MakeEtcSnapshot() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string base = fs::temp_directory_path(ec).string();
  const std::string final_dir =
      base + "/autopilot-etc-" + std::to_string(::geteuid()) + "-" + EtcFingerprint();
  if (Trusted(final_dir)) return final_dir;
  auto dir = util::MakeTempDir("autopilot-etc-new-");
  if (!dir) return "";
  for (const auto& name : EtcEntries()) {
    fs::path from = fs::path("/etc") / name;
    if (!fs::exists(fs::symlink_status(from, ec))) continue;
    fs::copy(from, fs::path(*dir) / name, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
  }
  ::chmod(dir->c_str(), 0755);
  if (::rename(dir->c_str(), final_dir.c_str()) != 0) util::RemoveTree(*dir);  // another tool won
  return Trusted(final_dir) ? final_dir : "";
}

}  // namespace

const std::string& EtcSnapshot() {
  static const std::string dir = MakeEtcSnapshot();
  return dir;
}

const std::vector<std::string>& SystemPaths() {
  // /usr holds /usr/local too. The /bin-style entries are symlinks on merged-/usr systems
  // (Debian 12) and directories elsewhere; both are handled.
  static const std::vector<std::string> kPaths = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
  return kPaths;
}

const std::vector<std::string>& EtcEntries() {
  // What dynamic linking, name lookup of the sandbox user, locales, time zones, TLS roots, fonts
  // and Debian's alternatives symlinks need. Not shadow, not ssh, not the machine's secrets.
  static const std::vector<std::string> kEntries = {
      "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "passwd", "group", "nsswitch.conf",
      "hosts", "host.conf", "gai.conf", "localtime", "timezone", "locale.alias", "locale.gen",
      "mime.types", "ssl", "ca-certificates", "ca-certificates.conf", "fonts", "python3",
      "python3.11", "matplotlibrc", "OpenCL", "os-release", "debian_version", "protocols",
      "services", "bash.bashrc", "profile", "inputrc", "magic", "environment"};
  return kEntries;
}

bool IsSystemPath(const std::string& path) {
  for (const auto& p : SystemPaths()) {
    if (Under(path, p)) return true;
  }
  return Under(path, "/etc") || Under(path, "/dev") || Under(path, "/proc");
}

std::vector<std::string> PathsNamedBy(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (const auto& a : argv) {
    if (a.empty()) continue;
    if (a[0] == '/') {
      out.push_back(a);
      continue;
    }
    if (a[0] != '-') continue;
    size_t slash = a.find('/');
    if (slash == std::string::npos) continue;
    bool flag_prefix = true;
    for (size_t i = 0; i < slash; ++i) {
      char c = a[i];
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=')) flag_prefix = false;
    }
    if (flag_prefix) out.push_back(a.substr(slash));
  }
  return out;
}

static std::vector<ViewStep> PlanSystemViewUncached(int64_t tmpfs_mb) {
  std::vector<ViewStep> steps;
  steps.reserve(64);
  for (const auto& p : SystemPaths()) AddSystemPath(p, &steps);
  // /etc: one read-only bind of a snapshot holding only the allowed entries (one mount instead
  // of one per entry); entry by entry when no snapshot can be made.
  const std::string& etc = EtcSnapshot();
  if (!etc.empty()) {
    AddBind(etc, "/etc", false, true, &steps);
  } else {
    steps.push_back({ViewStep::kDir, "/etc", "", "", 0});
    for (const auto& e : EtcEntries()) AddSystemPath("/etc/" + e, &steps);
  }

  // A minimal /dev: the character devices programs open, stdio links, private shm.
  steps.push_back({ViewStep::kDir, "/dev", "", "", 0});
  steps.push_back({ViewStep::kTmpfs, "/dev", "", "mode=0755,size=64k,nr_inodes=64", MS_NOSUID | MS_NOEXEC});
  for (const char* dev : {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string p = std::string("/dev/") + dev;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;
    steps.push_back({ViewStep::kFile, p, "", "", 0});
    steps.push_back({ViewStep::kBind, p, std::string(kOldRoot) + p, "", 0});
  }
  steps.push_back({ViewStep::kSymlink, "/dev/fd", "/proc/self/fd", "", 0});
  steps.push_back({ViewStep::kSymlink, "/dev/stdin", "/proc/self/fd/0", "", 0});
  steps.push_back({ViewStep::kSymlink, "/dev/stdout", "/proc/self/fd/1", "", 0});
  steps.push_back({ViewStep::kSymlink, "/dev/stderr", "/proc/self/fd/2", "", 0});
  const int64_t tmp_mb = tmpfs_mb > 0 ? tmpfs_mb : 256;
  const std::string tmp_opts = "mode=1777,size=" + std::to_string(tmp_mb) + "m";
  steps.push_back({ViewStep::kDir, "/dev/shm", "", "", 0});
  steps.push_back({ViewStep::kTmpfs, "/dev/shm", "", tmp_opts, MS_NOSUID | MS_NODEV, true});
  steps.push_back({ViewStep::kDir, "/proc", "", "", 0});
  steps.push_back({ViewStep::kProc, "/proc", "", "", 0});
  steps.push_back({ViewStep::kDir, "/tmp", "", "", 0});
  steps.push_back({ViewStep::kTmpfs, "/tmp", "", tmp_opts, MS_NOSUID | MS_NODEV, true});

  return steps;
}

const std::vector<ViewStep>& PlanSystemView(int64_t tmpfs_mb) {
  static std::mutex mu;
  static std::map<int64_t, std::vector<ViewStep>> cache;  // by tmpfs size; entries never change
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(tmpfs_mb);
  if (it == cache.end()) it = cache.emplace(tmpfs_mb, PlanSystemViewUncached(tmpfs_mb)).first;
  return it->second;
}

Result<std::vector<ViewStep>> PlanRunView(const ProcessRequest& request, const std::string& workdir,
                                          bool bind_workdir) {
  std::vector<ViewStep> steps;
  // The workdir, read-write, at the path the tool and the prompt use.
  if (bind_workdir) AddBind(workdir, workdir, true, true, &steps);

  // Declared inputs, then what the command line names.
  std::vector<std::string> shown = {workdir};
  auto covered = [&](const std::string& target) {
    for (const auto& s : shown) {
      if (Under(target, s)) return true;
    }
    return false;
  };
  for (const auto& m : request.mounts) {
    if (m.source.empty()) return Error{errc::kUsage, "a sandbox mount has no source path"};
    char real[PATH_MAX];
    if (!::realpath(m.source.c_str(), real)) {
      return Error{errc::kUsage, "sandbox input '" + m.source + "' does not exist"};
    }
    std::string target = m.target.empty() ? std::string(real)
                         : m.target[0] == '/' ? m.target
                                              : workdir + "/" + m.target;
    target = Normalize(target);
    if (target == "/" || IsSystemPath(target) || target == kOldRoot || Under(target, kOldRoot)) {
      return Error{errc::kUsage, "sandbox input '" + m.source + "' cannot be shown at '" + target +
                                "': that path belongs to the read-only system view"};
    }
    struct stat st {};
    ::stat(real, &st);
    AddBind(real, target, m.writable, S_ISDIR(st.st_mode), &steps);
    shown.push_back(target);
  }
  for (const auto& named : PathsNamedBy(request.argv)) {
    char real[PATH_MAX];
    if (!::realpath(named.c_str(), real)) continue;  // an output path, or nothing at all
    // Shown where the command looks (the named path), with the content of what it resolves to.
    std::string path = Normalize(named);
    std::string source = real;
    if (path == "/" || IsSystemPath(path) || IsSystemPath(source) || covered(path) || Under(workdir, path) ||
        Under(path, kOldRoot)) {
      continue;
    }
    struct stat st {};
    if (::stat(real, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) continue;
    AddBind(source, path, false, S_ISDIR(st.st_mode), &steps);
    shown.push_back(path);
  }
  return steps;
}

Result<std::vector<ViewStep>> PlanView(const ProcessRequest& request, const std::string& workdir) {
  auto run = PlanRunView(request, workdir);
  if (!run) return run.error();
  std::vector<ViewStep> steps = PlanSystemView(request.policy.tmpfs_mb);
  steps.insert(steps.end(), run->begin(), run->end());
  return steps;
}

}  // namespace autopilot::exec
