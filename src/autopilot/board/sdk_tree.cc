#include "autopilot/board/sdk_tree.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"

namespace autopilot::board {
namespace fs = std::filesystem;
namespace {

constexpr fs::perms kDirMode = fs::perms::owner_all | fs::perms::group_read |
                               fs::perms::group_exec | fs::perms::others_read |
                               fs::perms::others_exec;
constexpr fs::perms kFileMode =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;

/// True when some path in `files` lies inside folder `rel`.
bool HoldsFolder(const FileSet& files, const std::string& rel) {
  std::string prefix = rel + "/";
  auto it = files.lower_bound(prefix);
  return it != files.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

Result<void> MakeDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{errc::kIo, "cannot create " + dir.string() + ": " + ec.message()};
  fs::permissions(dir, kDirMode, fs::perm_options::replace, ec);
  return Ok();
}

/// Removes from `dest` every entry `files` does not account for.
void DeleteStale(const FileSet& files, const fs::path& dest) {
  std::vector<std::pair<std::string, bool>> entries;  // relative path, is a real folder
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dest, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    bool dir = it->is_directory(ec) && !it->is_symlink(ec);
    entries.emplace_back(fs::relative(it->path(), dest, ec).generic_string(), dir);
  }
  // Parents sort before their children: a removed folder takes its contents with it, and
  // the later entries inside it are simply gone.
  for (const auto& [rel, dir] : entries) {
    bool keep = dir ? HoldsFolder(files, rel)
                    : files.count(rel) != 0 && fs::is_regular_file(fs::symlink_status(dest / rel));
    if (!keep) fs::remove_all(dest / rel, ec);
  }
}

}  // namespace

Result<FileSet> ListTree(const std::string& dir) {
  FileSet files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error{errc::kIo, dir + ": not a folder"};
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      files[fs::relative(it->path(), dir, ec).generic_string()] = it->path().string();
    }
  }
  if (ec) return Error{errc::kIo, dir + ": cannot list: " + ec.message()};
  return files;
}

Result<void> SyncTree(const FileSet& files, const std::string& dest_dir) {
  fs::path root = fs::path(dest_dir).lexically_normal();
  if (root.filename().empty()) root = root.parent_path();  // "a/b/" names the folder a/b
  const std::string dest = root.string();
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dest)) && !fs::is_directory(fs::symlink_status(dest))) {
    fs::remove(dest, ec);
  }
  if (auto made = MakeDir(dest); !made) return made;
  DeleteStale(files, root);
  // Staging beside `dest` (same file system, so rename works) and outside it, so a concurrent
  // sync of the same folder never mistakes another's half-written copy for a stale file.
  std::string stage = dest + ".sync-" + std::to_string(::getpid());
  if (auto made = MakeDir(stage); !made) return made;
  struct RemoveStage {
    std::string dir;
    ~RemoveStage() { util::RemoveTree(dir); }
  } cleanup{stage};
  size_t n = 0;
  for (const auto& [rel, source] : files) {
    auto text = util::ReadFile(source);
    if (!text) return text.error();
    fs::path target = root / rel;
    auto old = fs::is_regular_file(fs::symlink_status(target)) ? util::ReadFile(target.string())
                                                               : Result<std::string>(Error{});
    if (old && *old == *text) {
      fs::permissions(target, kFileMode, fs::perm_options::replace, ec);
      continue;
    }
    for (fs::path p = target.parent_path(); p != root && !p.empty(); p = p.parent_path()) {
      // A file standing where a folder must go (DeleteStale removed it unless it raced).
      if (fs::exists(fs::symlink_status(p)) && !fs::is_directory(fs::symlink_status(p))) {
        fs::remove(p, ec);
      }
    }
    if (auto made = MakeDir(target.parent_path()); !made) return made;
    for (fs::path p = target.parent_path(); p != root && !p.empty(); p = p.parent_path()) {
      fs::permissions(p, kDirMode, fs::perm_options::replace, ec);
    }
    if (fs::is_directory(fs::symlink_status(target))) fs::remove_all(target, ec);
    std::string staged = stage + "/" + std::to_string(n++);
    auto w = util::WriteFileAtomic(staged, *text);
    if (!w) return w;
    fs::permissions(staged, kFileMode, fs::perm_options::replace, ec);
    fs::rename(staged, target, ec);
    if (ec) return Error{errc::kIo, "cannot replace " + target.string() + ": " + ec.message()};
  }
  return Ok();
}

Result<void> MirrorTree(const std::string& source, const std::string& dest) {
  auto files = ListTree(source);
  if (!files) return files.error();
  return SyncTree(*files, dest);
}

Result<Overlay> ParseOverlay(const std::string& path, const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error{errc::kEnv, path + ": not a JSON object"};
  Overlay o;
  for (const auto& [key, value] : j.items()) {
    if (key == "base" && value.is_string()) {
      o.base = value.get<std::string>();
    } else if (key == "absent" && value.is_array()) {
      for (const auto& a : value) {
        if (!a.is_string() || a.get<std::string>().empty()) {
          return Error{errc::kEnv, path + ": \"absent\" must list base paths (strings)"};
        }
        o.absent.push_back(fs::path(a.get<std::string>()).lexically_normal().generic_string());
      }
    } else if (key == "note" && value.is_string()) {
      // free text for the reader
    } else if (key == "base" || key == "absent" || key == "note") {
      return Error{errc::kEnv, path + ": \"" + key + "\" has the wrong type"};
    } else {
      return Error{errc::kEnv,
                   path + ": unknown key \"" + key + "\" (known: base, absent, note)"};
    }
  }
  if (o.base.empty())
    return Error{errc::kEnv, path + ": \"base\" (a folder under the SDK) is required"};
  return o;
}

Result<FileSet> LibraryFiles(const std::string& sdk_dir, const std::string& library_dir) {
  auto own = ListTree(library_dir);
  if (!own) return own.error();
  std::string manifest = library_dir + "/" + kOverlayFile;
  if (own->erase(kOverlayFile) == 0) return own;
  auto text = util::ReadFile(manifest);
  if (!text) return text.error();
  auto overlay = ParseOverlay(manifest, *text);
  if (!overlay) return overlay.error();
  std::string base_dir = sdk_dir + "/" + overlay->base;
  if (!fs::is_directory(base_dir)) {
    return Error{errc::kEnv,
                 manifest + ": base \"" + overlay->base + "\" is not a folder of " + sdk_dir};
  }
  auto files = ListTree(base_dir);
  if (!files) return files.error();
  for (const auto& a : overlay->absent) {
    size_t removed = files->erase(a);
    for (auto it = files->lower_bound(a + "/");
         it != files->end() && it->first.rfind(a + "/", 0) == 0;) {
      it = files->erase(it);
      ++removed;
    }
    if (removed == 0) {
      return Error{errc::kEnv,
                   manifest + ": absent \"" + a + "\" is not in the base " + overlay->base};
    }
    if (own->count(a) != 0 || HoldsFolder(*own, a)) {
      return Error{errc::kEnv,
                   manifest + ": \"" + a + "\" is marked absent but the library also provides it"};
    }
  }
  for (const auto& [rel, source] : *own) (*files)[rel] = source;
  return files;
}

Result<std::string> ResolveLibrary(const std::string& sdk_dir, const std::string& library_dir,
                                   const std::string& cache_root) {
  if (!util::PathExists(library_dir + "/" + kOverlayFile)) return library_dir;
  auto files = LibraryFiles(sdk_dir, library_dir);
  if (!files) return files.error();
  util::Sha256 h;
  for (const auto& [rel, source] : *files) {
    auto text = util::ReadFile(source);
    if (!text) return text.error();
    h.Update(rel);
    h.Update(std::string(1, '\0'));
    h.Update(util::Sha256Hex(*text));
  }
  std::string hex = util::DigestHex(h.Finish(), 8);
  std::string name = fs::path(library_dir).lexically_normal().filename().string();
  std::string root = cache_root + "/libraries";
  std::string dir = root + "/" + name + "-" + hex;
  if (util::PathExists(dir + "/" + name)) return dir + "/" + name;
  if (auto made = MakeDir(root); !made) return made.error();
  auto tmp = util::MakeTempDir(name + "-" + hex + ".tmp", root);
  if (!tmp) return tmp.error();
  auto synced = SyncTree(*files, *tmp + "/" + name);
  std::error_code ec;
  if (!synced) {
    util::RemoveTree(*tmp);
    return synced.error();
  }
  fs::permissions(*tmp, kDirMode, fs::perm_options::replace, ec);
  fs::rename(*tmp, dir, ec);
  if (ec) util::RemoveTree(*tmp);  // another process composed it first; same content
  if (!util::PathExists(dir + "/" + name)) {
    return Error{errc::kIo, "cannot compose library " + name + " in " + dir};
  }
  return dir + "/" + name;
}

}  // namespace autopilot::board
