#include "autopilot/board/profile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "autopilot/board/host_build.h"
#include "autopilot/board/sdk_tree.h"
#include "autopilot/util/files.h"

namespace autopilot::board {

std::string BoardDataDir() {
  const char* env = std::getenv("AUTOPILOT_BOARD_DIR");
  if (env && *env) return env;
  // Sketches compile as the sandbox user, so the SDK must be readable by it. When the checkout
  // sits under a private folder, the tool mirrors board/ once per process into its own cache and
  // uses the mirror; it never changes the checkout's permissions. The mirror is exact: a file
  // deleted from board/ (a header removed to model an absent API) is deleted from it too.
  static const std::string kDir = [] {
    std::string tree = util::DataPath("board");
    if (CheckReachableBySandbox(tree + "/sdk")) return tree;
    namespace fs = std::filesystem;
    std::string mirror = BoardCacheDir() + "/board-data";
    std::error_code ec;
    fs::create_directories(mirror, ec);
    if (!MirrorTree(tree, mirror)) return tree;
    for (fs::path p = mirror; !ec && p != fs::path(BoardCacheDir()).parent_path(); p = p.parent_path()) {
      fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec, ec);
    }
    return ec ? tree : mirror;
  }();
  return kDir;
}

namespace {

std::vector<std::string> NamesIn(const std::string& profiles_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(profiles_dir, ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Known(const std::string& profiles_dir) {
  std::string known;
  for (const auto& n : NamesIn(profiles_dir)) known += (known.empty() ? "" : ", ") + n;
  return known;
}

// The keys a profile file may state, by kind: scalars (a child's value replaces the parent's),
// lists (a child's list replaces the parent's whole list) and maps (merged key by key, a child's
// value replacing the parent's for the same key).
const std::set<std::string> kScalars = {"name", "description", "fqbn", "core", "extends"};
const std::set<std::string> kLists = {"cxx_flags", "defines", "libraries", "runtime_sources"};
const std::map<std::string, std::set<std::string>> kMaps = {
    {"model_header", {"symbol", "length_symbol"}}};

/// Every key known and of the right type; errors name the file.
Result<void> CheckKeys(const std::string& path, const nlohmann::json& j) {
  auto wrong = [&](const std::string& key, const std::string& what) {
    return Error{errc::kEnv, path + ": \"" + key + "\" must be " + what};
  };
  for (const auto& [key, value] : j.items()) {
    if (kScalars.count(key)) {
      if (!value.is_string()) return wrong(key, "a string");
    } else if (kLists.count(key)) {
      if (!value.is_array()) return wrong(key, "a list of strings");
      for (const auto& v : value) {
        if (!v.is_string()) return wrong(key, "a list of strings");
      }
    } else if (auto m = kMaps.find(key); m != kMaps.end()) {
      if (!value.is_object()) return wrong(key, "an object");
      for (const auto& [sub, v] : value.items()) {
        if (!m->second.count(sub)) {
          return Error{errc::kEnv, path + ": unknown key \"" + key + "." + sub + "\""};
        }
        if (!v.is_string()) return wrong(key + "." + sub, "a string");
      }
    } else {
      return Error{errc::kEnv,
                   path + ": unknown key \"" + key +
                       "\" (known: name, description, extends, fqbn, cxx_flags, defines, core, "
                       "libraries, runtime_sources, model_header)"};
    }
  }
  if (!j.contains("name"))
    return Error{errc::kEnv, path + ": \"name\" is required (it is never inherited)"};
  return Ok();
}

/// The profile `name` with everything it extends merged in. `chain` holds the profiles that
/// extend it (to name a cycle); `child` is the file that named it ("" for the one asked for).
Result<nlohmann::json> MergedJson(const std::string& profiles_dir, const std::string& name,
                                  std::vector<std::string> chain, const std::string& child) {
  std::string path = profiles_dir + "/" + name + ".json";
  if (!util::PathExists(path)) {
    if (child.empty()) {
      return Error{errc::kUsage,
                   "unknown board profile '" + name + "' (known: " + Known(profiles_dir) + ")"};
    }
    return Error{errc::kEnv, child + ": extends '" + name +
                                          "', which is not a profile in " + profiles_dir +
                                          " (known: " + Known(profiles_dir) + ")"};
  }
  chain.push_back(name);
  auto text = util::ReadFile(path);
  if (!text) return text.error();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{errc::kEnv, path + ": not valid JSON"};
  if (auto checked = CheckKeys(path, j); !checked) return checked.error();
  if (!j.contains("extends")) return j;
  std::string parent = j["extends"].get<std::string>();
  if (std::find(chain.begin(), chain.end(), parent) != chain.end()) {
    std::string cycle;
    for (const auto& c : chain) cycle += c + " → ";
    return Error{errc::kEnv, path + ": extends cycle " + cycle + parent};
  }
  auto base = MergedJson(profiles_dir, parent, chain, path);
  if (!base) return base.error();
  nlohmann::json merged = *base;
  merged.erase("extends");
  for (const auto& [key, value] : j.items()) {
    if (key == "extends") continue;
    if (kMaps.count(key) && merged.contains(key)) {
      for (const auto& [sub, v] : value.items()) merged[key][sub] = v;
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/// The profile `name` alone (no board), with `extends` merged and its paths made absolute.
Result<Profile> LoadToolchain(const std::string& board_dir, const std::string& name,
                              const std::string& cache_root) {
  std::string path = board_dir + "/profiles/" + name + ".json";
  auto merged = MergedJson(board_dir + "/profiles", name, {}, "");
  if (!merged) return merged.error();
  const nlohmann::json& j = *merged;
  for (const char* key : {"cxx_flags", "core", "libraries", "runtime_sources"}) {
    if (!j.contains(key)) {
      return Error{errc::kEnv,
                   path + ": \"" + key + "\" is required (here or in a profile it extends)"};
    }
  }
  Profile p;
  std::string sdk = board_dir + "/sdk";
  p.name = j.at("name").get<std::string>();
  p.description = j.value("description", "");
  p.fqbn = j.value("fqbn", "");
  p.cxx_flags = j.at("cxx_flags").get<std::vector<std::string>>();
  p.defines = j.value("defines", std::vector<std::string>{});
  p.core_dir = sdk + "/" + j.at("core").get<std::string>();
  for (const auto& l : j.at("libraries").get<std::vector<std::string>>()) {
    auto dir = ResolveLibrary(sdk, sdk + "/" + l, cache_root);
    if (!dir)
      return Error{errc::kEnv, path + ": library " + l + ": " + dir.error().message};
    p.library_dirs.push_back(*dir);
  }
  for (const auto& s : j.at("runtime_sources").get<std::vector<std::string>>())
    p.runtime_sources.push_back(sdk + "/" + s);
  if (j.contains("model_header")) {
    p.model_symbol = j["model_header"].value("symbol", "model");
    p.model_length_symbol = j["model_header"].value("length_symbol", "");
  }
  p.sdk_dir = sdk;
  return p;
}

}  // namespace

std::vector<std::string> ProfileNames() {
  return NamesIn(BoardDataDir() + "/profiles");
}

Result<Profile> LoadProfile(const std::string& name, const std::string& board) {
  return LoadProfileFrom(BoardDataDir(), name, BoardCacheDir(), board);
}

Profile CombineProfile(const Profile& profile, const BoardSpec& board) {
  Profile p = profile;
  p.board = board.name;
  if (!board.fqbn.empty()) p.fqbn = board.fqbn;
  auto add = [](std::vector<std::string>* list, const std::string& item) {
    if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(item);
  };
  for (const LibrarySpec* l : board.AllLibraries()) {
    add(&p.library_dirs, l->library_dir);
    add(&p.runtime_sources, l->runtime);
  }
  return p;
}

Result<Profile> LoadProfileFrom(const std::string& board_dir, const std::string& name,
                                const std::string& cache_root, const std::string& board) {
  auto toolchain = LoadToolchain(board_dir, name, cache_root);
  if (!toolchain || board.empty()) return toolchain;
  auto spec = LoadBoardFrom(board_dir, board, cache_root);
  if (!spec) return spec.error();
  return CombineProfile(*toolchain, *spec);
}

}  // namespace autopilot::board
