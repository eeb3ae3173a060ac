#pragma once
// An arduino-cli installation for the tests: the stand-in executable (tests/data/arduino-cli)
// and data/user folders laid out like the real ones, holding the board SDK's core and the
// libraries asked for. Everything sits in one world-readable temporary folder, because the
// sandbox runs arduino-cli as nobody when the tests run as root.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "autopilot/board/profile.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::test {

struct ArduinoFixture {
  std::string root;
  std::string program;   ///< root/bin/arduino-cli (a copy of the stand-in)
  std::string data_dir;  ///< root/data
  std::string user_dir;  ///< root/user

  /// `libraries`: folder names under the profile's library dirs to install (e.g. Arduino_LSM9DS1);
  /// "*" installs all of the profile's.
  bool Make(const std::string& profile_name, const std::string& board, const std::vector<std::string>& libraries) {
    auto tmp = util::MakeTempDir("arduino-fixture-");
    if (!tmp) return false;
    root = *tmp;
    ::chmod(root.c_str(), 0755);
    program = root + "/bin/arduino-cli";
    data_dir = root + "/data";
    user_dir = root + "/user";
    std::error_code ec;
    std::filesystem::create_directories(root + "/bin", ec);
    ::chmod((root + "/bin").c_str(), 0755);
    std::filesystem::copy_file(std::string(AUTOPILOT_TEST_DATA) + "/arduino-cli/arduino-cli", program, ec);
    if (ec) return false;
    ::chmod(program.c_str(), 0755);
    auto profile = board::LoadProfile(profile_name, board);
    if (!profile) return false;
    std::vector<std::string> argv = {"/usr/bin/python3", std::string(AUTOPILOT_TEST_DATA) + "/arduino-cli/make-fixture",
                                     data_dir, user_dir, profile->core_dir};
    for (const auto& dir : profile->library_dirs) {
      std::string name = std::filesystem::path(dir).filename().string();
      if (auto props = util::ReadFile(dir + "/library.properties")) {
        for (const auto& line : util::Split(*props, '\n')) {
          if (util::StartsWith(line, "name=")) name = util::Trim(line.substr(5));
        }
      }
      bool wanted = false;
      for (const auto& l : libraries) wanted = wanted || l == "*" || l == name;
      if (wanted) argv.push_back(name + "=" + dir);
    }
    exec::ProcessRequest req;
    req.argv = argv;
    req.policy.isolate_filesystem = false;
    req.policy.drop_privileges = false;
    req.policy.isolate_network = false;
    exec::SandboxRunner runner;
    auto r = runner.Run(req);
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->stderr_data : r.error().message);
    return r.ok() && r->exit_code == 0;
  }

  /// The environment the tool reads the folders from.
  std::vector<std::string> Env() const {
    return {"ARDUINO_DIRECTORIES_DATA=" + data_dir, "ARDUINO_DIRECTORIES_USER=" + user_dir};
  }

  ~ArduinoFixture() {
    if (!root.empty()) util::RemoveTree(root);
  }
};

}  // namespace autopilot::test
