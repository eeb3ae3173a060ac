#include "autopilot/board/profile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "autopilot/board/host_build.h"
#include "autopilot/util/files.h"

#ifndef AUTOPILOT_BOARD_DIR
#define AUTOPILOT_BOARD_DIR AUTOPILOT_SOURCE_DIR "/board"
#endif

namespace autopilot::board {

std::string BoardDataDir() {
  const char* env = std::getenv("AUTOPILOT_BOARD_DIR");
  if (env && *env) return env;
  // Sketches compile as the sandbox user, so the SDK must be readable by it. When the checkout
  // sits under a private folder, the tool mirrors board/ once per process into its own cache
  // (copying only what changed) and uses the mirror; it never changes the checkout's permissions.
  static const std::string kDir = [] {
    std::string tree = AUTOPILOT_BOARD_DIR;
    if (CheckReachableBySandbox(tree + "/sdk")) return tree;
    namespace fs = std::filesystem;
    std::string mirror = BoardCacheDir() + "/board-data";
    std::error_code ec;
    fs::create_directories(mirror, ec);
    fs::copy(tree, mirror, fs::copy_options::recursive | fs::copy_options::update_existing, ec);
    for (fs::path p = mirror; !ec && p != fs::path(BoardCacheDir()).parent_path(); p = p.parent_path()) {
      fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec, ec);
    }
    return ec ? tree : mirror;
  }();
  return kDir;
}

std::vector<std::string> ProfileNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(BoardDataDir() + "/profiles", ec)) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<Profile> LoadProfile(const std::string& name) {
  std::string path = BoardDataDir() + "/profiles/" + name + ".json";
  if (!util::PathExists(path)) {
    std::string known;
    for (const auto& n : ProfileNames()) known += (known.empty() ? "" : ", ") + n;
    return Error{errc::kUsage, "unknown board profile '" + name + "' (known: " + known + ")"};
  }
  auto text = util::ReadFile(path);
  if (!text) return text.error();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{errc::kEnv, path + ": not valid JSON"};
  Profile p;
  std::string sdk = BoardDataDir() + "/sdk";
  try {
    p.name = j.at("name").get<std::string>();
    p.description = j.value("description", "");
    p.fqbn = j.value("fqbn", "");
    p.cxx_flags = j.at("cxx_flags").get<std::vector<std::string>>();
    p.defines = j.value("defines", std::vector<std::string>{});
    p.core_dir = sdk + "/" + j.at("core").get<std::string>();
    for (const auto& l : j.at("libraries").get<std::vector<std::string>>()) p.library_dirs.push_back(sdk + "/" + l);
    for (const auto& s : j.at("runtime_sources").get<std::vector<std::string>>()) p.runtime_sources.push_back(sdk + "/" + s);
    if (j.contains("model_header")) {
      p.model_symbol = j["model_header"].value("symbol", "model");
      p.model_length_symbol = j["model_header"].value("length_symbol", "");
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{errc::kEnv, path + ": " + e.what()};
  }
  p.sdk_dir = sdk;
  return p;
}

}  // namespace autopilot::board
