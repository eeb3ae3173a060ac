// Board profiles: `extends` merging, its errors, and the shipped profiles' effective values.

#include "autopilot/board/profile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "autopilot/board/host_build.h"
#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {
namespace fs = std::filesystem;

class boardProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = util::MakeTempDir("profile-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
    fs::create_directories(dir_ + "/profiles");
    fs::create_directories(dir_ + "/sdk");
  }
  void TearDown() override { util::RemoveTree(dir_); }

  void Put(const std::string& name, const std::string& json) {
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/profiles/" + name + ".json", json).ok());
  }
  Result<Profile> Load(const std::string& name) {
    return LoadProfileFrom(dir_, name, dir_ + "/cache");
  }
  std::string ErrorOf(const std::string& name) {
    auto r = Load(name);
    EXPECT_FALSE(r.ok()) << name;
    return r.ok() ? std::string() : r.error().message;
  }

  std::string dir_;
};

constexpr const char* kParent = R"({
  "name": "parent", "description": "the parent", "fqbn": "a:b:c",
  "cxx_flags": ["-std=gnu++14", "-Wall"], "defines": ["ARDUINO=1", "X=1"], "core": "core",
  "libraries": ["libraries/One", "libraries/Two"], "runtime_sources": ["runtime/a.cpp"],
  "model_header": {"symbol": "g_model", "length_symbol": "g_model_len"}
})";

TEST_F(boardProfile, ExtendsOverridesScalarsReplacesListsAndMergesMaps) {
  Put("parent", kParent);
  Put("child", R"({"name": "child", "extends": "parent", "description": "the child",
                   "defines": ["ARDUINO=2"], "model_header": {"symbol": "model"}})");
  auto c = Load("child");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->name, "child");
  EXPECT_EQ(c->description, "the child");
  EXPECT_EQ(c->fqbn, "a:b:c");                                                   // inherited scalar
  EXPECT_EQ(c->cxx_flags, (std::vector<std::string>{"-std=gnu++14", "-Wall"}));  // inherited list
  EXPECT_EQ(c->defines, (std::vector<std::string>{"ARDUINO=2"}));                // a list replaces
  EXPECT_EQ(c->model_symbol, "model");                                           // map: key by key
  EXPECT_EQ(c->model_length_symbol, "g_model_len");
  EXPECT_EQ(c->core_dir, dir_ + "/sdk/core");
  EXPECT_EQ(c->library_dirs,
            (std::vector<std::string>{dir_ + "/sdk/libraries/One", dir_ + "/sdk/libraries/Two"}));

  // Chains of more than one level.
  Put("grandchild", R"({"name": "grandchild", "extends": "child", "fqbn": "x:y:z"})");
  auto g = Load("grandchild");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->fqbn, "x:y:z");
  EXPECT_EQ(g->defines, (std::vector<std::string>{"ARDUINO=2"}));
  EXPECT_EQ(g->description, "the child");
}

TEST_F(boardProfile, UnknownKeysMissingParentsAndCyclesAreErrorsNamingTheFile) {
  Put("parent", kParent);
  Put("typo", R"({"name": "typo", "extends": "parent", "librarys": []})");
  std::string e = ErrorOf("typo");
  EXPECT_NE(e.find(dir_ + "/profiles/typo.json"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key \"librarys\""), std::string::npos) << e;

  Put("sub", R"({"name": "sub", "extends": "parent", "model_header": {"sym": "m"}})");
  e = ErrorOf("sub");
  EXPECT_NE(e.find("sub.json"), std::string::npos) << e;
  EXPECT_NE(e.find("model_header.sym"), std::string::npos) << e;

  Put("orphan", R"({"name": "orphan", "extends": "nobody"})");
  e = ErrorOf("orphan");
  EXPECT_NE(e.find(dir_ + "/profiles/orphan.json"), std::string::npos) << e;
  EXPECT_NE(e.find("extends 'nobody'"), std::string::npos) << e;

  Put("a", R"({"name": "a", "extends": "b"})");
  Put("b", R"({"name": "b", "extends": "a"})");
  e = ErrorOf("a");
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  EXPECT_NE(e.find("a → b → a"), std::string::npos) << e;
  Put("self", R"({"name": "self", "extends": "self"})");
  EXPECT_NE(ErrorOf("self").find("cycle"), std::string::npos);

  Put("wrong_type", R"({"name": "wrong_type", "extends": "parent", "defines": "X=1"})");
  e = ErrorOf("wrong_type");
  EXPECT_NE(e.find("wrong_type.json"), std::string::npos) << e;
  EXPECT_NE(e.find("\"defines\""), std::string::npos) << e;

  Put("nameless", R"({"extends": "parent"})");
  EXPECT_NE(ErrorOf("nameless").find("\"name\" is required"), std::string::npos);

  Put("incomplete", R"({"name": "incomplete", "cxx_flags": []})");
  e = ErrorOf("incomplete");
  EXPECT_NE(e.find("incomplete.json"), std::string::npos) << e;
  EXPECT_NE(e.find("\"core\""), std::string::npos) << e;

  e = ErrorOf("missing");
  EXPECT_NE(e.find("unknown board profile 'missing'"), std::string::npos) << e;
}

// The shipped profiles, after harvard_tinymlx became `extends: tflm_arduino` and the sensor
// libraries moved to the board (board/boards/nano33ble_sense), combined with the default board
// are exactly what the self-contained files before those changes gave (copies in
// tests/data/board/profiles_before) — except that the one sensors.cpp became a runtime source
// per library, listed by the board after the profile's own.
TEST_F(boardProfile, ShippedProfilesAreUnchangedByExtends) {
  fs::remove_all(dir_ + "/profiles");
  fs::remove_all(dir_ + "/sdk");
  fs::copy(std::string(AUTOPILOT_TEST_DATA) + "/board/profiles_before", dir_ + "/profiles");
  fs::create_directory_symlink(BoardDataDir() + "/sdk", dir_ + "/sdk");
  auto rebase = [&](std::string path) {  // the old files' paths, moved onto the real board dir
    if (path.rfind(dir_ + "/", 0) == 0) path = BoardDataDir() + path.substr(dir_.size());
    return path;
  };
  for (const std::string name : {"harvard_tinymlx", "tflm_arduino"}) {
    auto now = LoadProfile(name);
    ASSERT_TRUE(now.ok()) << now.error().message;
    auto before = LoadProfileFrom(dir_, name, BoardCacheDir());
    ASSERT_TRUE(before.ok()) << before.error().message;
    Profile b = *before;
    b.core_dir = rebase(b.core_dir);
    b.sdk_dir = rebase(b.sdk_dir);
    for (auto& l : b.library_dirs) l = rebase(l);
    for (auto& s : b.runtime_sources) s = rebase(s);
    const std::string runtime = BoardDataDir() + "/sdk/runtime/";
    auto split = std::find(b.runtime_sources.begin(), b.runtime_sources.end(), runtime + "sensors.cpp");
    ASSERT_NE(split, b.runtime_sources.end()) << name;
    b.runtime_sources.erase(split);
    for (const char* s : {"apds9960.cpp", "lsm9ds1.cpp", "hts221.cpp", "lps22hb.cpp", "ble.cpp"}) {
      b.runtime_sources.push_back(runtime + s);
    }
    b.board = kDefaultBoard;
    EXPECT_EQ(b.name, now->name);
    EXPECT_EQ(b.description, now->description) << name;
    EXPECT_EQ(b.fqbn, now->fqbn);
    EXPECT_EQ(b.cxx_flags, now->cxx_flags) << name;
    EXPECT_EQ(b.defines, now->defines) << name;
    EXPECT_EQ(b.library_dirs, now->library_dirs) << name;
    EXPECT_EQ(b.runtime_sources, now->runtime_sources) << name;
    EXPECT_EQ(b.model_symbol, now->model_symbol) << name;
    EXPECT_EQ(b.model_length_symbol, now->model_length_symbol) << name;
    EXPECT_TRUE(b == *now) << name;
  }
}

}  // namespace
}  // namespace autopilot::board
