// Exact mirrors and base + overlay composition of the board data (no compiler involved).

#include "autopilot/board/sdk_tree.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "autopilot/util/files.h"

namespace autopilot::board {
namespace {
namespace fs = std::filesystem;

class boardSdkTree : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = util::MakeTempDir("sdk-tree-test-");
    ASSERT_TRUE(tmp.ok());
    dir_ = *tmp;
  }
  void TearDown() override { util::RemoveTree(dir_); }

  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(dir_ + "/" + rel).parent_path());
    ASSERT_TRUE(util::WriteFileAtomic(dir_ + "/" + rel, text).ok());
  }
  std::string Read(const std::string& rel) {
    auto t = util::ReadFile(dir_ + "/" + rel);
    return t ? *t : "<missing>";
  }
  bool Exists(const std::string& rel) { return util::PathExists(dir_ + "/" + rel); }
  std::vector<std::string> Keys(const FileSet& files) {
    std::vector<std::string> out;
    for (const auto& [rel, source] : files) out.push_back(rel);
    return out;
  }

  std::string dir_;
};

TEST_F(boardSdkTree, MirrorDeletesFilesAndFoldersTheSourceNoLongerHas) {
  Write("src/profiles/p.json", "{}");
  Write("src/sdk/lib/a.h", "a");
  Write("src/sdk/lib/gone.h", "old");
  Write("src/sdk/lib/old/deep/x.h", "x");
  ASSERT_TRUE(MirrorTree(dir_ + "/src", dir_ + "/mirror").ok());
  EXPECT_EQ(Read("mirror/sdk/lib/gone.h"), "old");
  EXPECT_EQ(Read("mirror/sdk/lib/old/deep/x.h"), "x");

  fs::remove(dir_ + "/src/sdk/lib/gone.h");
  fs::remove_all(dir_ + "/src/sdk/lib/old");
  Write("src/sdk/lib/a.h", "a2");  // same size class, new content
  Write("src/sdk/lib/new.h", "n");
  ASSERT_TRUE(MirrorTree(dir_ + "/src", dir_ + "/mirror").ok());
  EXPECT_FALSE(Exists("mirror/sdk/lib/gone.h"));
  EXPECT_FALSE(Exists("mirror/sdk/lib/old"));
  EXPECT_EQ(Read("mirror/sdk/lib/a.h"), "a2");
  EXPECT_EQ(Read("mirror/sdk/lib/new.h"), "n");
  EXPECT_EQ(Read("mirror/profiles/p.json"), "{}");
  auto mirrored = ListTree(dir_ + "/mirror");
  ASSERT_TRUE(mirrored.ok());
  EXPECT_EQ(Keys(*mirrored),
            (std::vector<std::string>{"profiles/p.json", "sdk/lib/a.h", "sdk/lib/new.h"}));
  // Nothing of the staging is left beside the mirror.
  EXPECT_FALSE(Exists("mirror.sync-" + std::to_string(::getpid())));
}

TEST_F(boardSdkTree, MirrorHandlesAFileReplacedByAFolderAndBack) {
  Write("src/x", "file");
  ASSERT_TRUE(MirrorTree(dir_ + "/src", dir_ + "/mirror").ok());
  EXPECT_EQ(Read("mirror/x"), "file");

  fs::remove(dir_ + "/src/x");
  Write("src/x/y.h", "inside");
  ASSERT_TRUE(
      MirrorTree(dir_ + "/src", dir_ + "/mirror/").ok());  // a trailing slash is the same folder
  EXPECT_TRUE(fs::is_directory(dir_ + "/mirror/x"));
  EXPECT_EQ(Read("mirror/x/y.h"), "inside");

  fs::remove_all(dir_ + "/src/x");
  Write("src/x", "file again");
  ASSERT_TRUE(MirrorTree(dir_ + "/src", dir_ + "/mirror").ok());
  EXPECT_TRUE(fs::is_regular_file(dir_ + "/mirror/x"));
  EXPECT_EQ(Read("mirror/x"), "file again");
}

TEST_F(boardSdkTree, MirroredFilesAreReadableByOthers) {
  Write("src/a/b.h", "b");
  fs::permissions(dir_ + "/src/a/b.h", fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace);
  ASSERT_TRUE(MirrorTree(dir_ + "/src", dir_ + "/mirror").ok());
  EXPECT_EQ(fs::status(dir_ + "/mirror/a/b.h").permissions() & fs::perms::others_read,
            fs::perms::others_read);
  EXPECT_EQ(fs::status(dir_ + "/mirror/a").permissions() & fs::perms::others_exec,
            fs::perms::others_exec);
}

TEST_F(boardSdkTree, OverlayAddsReplacesAndRemovesBaseFiles) {
  Write("sdk/bases/b/src/shared.h", "shared");
  Write("sdk/bases/b/src/replaced.h", "base version");
  Write("sdk/bases/b/src/classic_only.h", "classic");
  Write("sdk/bases/b/src/old/one.h", "1");
  Write("sdk/libraries/L/library.properties", "name=L");
  Write("sdk/libraries/L/src/replaced.h", "overlay version");
  Write("sdk/libraries/L/src/added.h", "added");
  Write("sdk/libraries/L/overlay.json",
        R"({"base": "bases/b", "note": "test", "absent": ["src/classic_only.h", "src/old"]})");
  auto files = LibraryFiles(dir_ + "/sdk", dir_ + "/sdk/libraries/L");
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(Keys(*files), (std::vector<std::string>{"library.properties", "src/added.h",
                                                    "src/replaced.h", "src/shared.h"}));

  auto composed = ResolveLibrary(dir_ + "/sdk", dir_ + "/sdk/libraries/L", dir_ + "/cache");
  ASSERT_TRUE(composed.ok()) << composed.error().message;
  EXPECT_EQ(fs::path(*composed).filename(), "L");  // the library keeps its name
  EXPECT_EQ(util::ReadFile(*composed + "/src/replaced.h").value(), "overlay version");
  EXPECT_EQ(util::ReadFile(*composed + "/src/shared.h").value(), "shared");
  EXPECT_FALSE(util::PathExists(*composed + "/src/classic_only.h"));
  EXPECT_FALSE(util::PathExists(*composed + "/src/old"));
  EXPECT_FALSE(util::PathExists(*composed + "/overlay.json"));

  // The same inputs give the same folder; any change gives another one.
  EXPECT_EQ(ResolveLibrary(dir_ + "/sdk", dir_ + "/sdk/libraries/L", dir_ + "/cache").value(),
            *composed);
  Write("sdk/bases/b/src/shared.h", "shared, edited");
  auto again = ResolveLibrary(dir_ + "/sdk", dir_ + "/sdk/libraries/L", dir_ + "/cache");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*again, *composed);
  EXPECT_EQ(util::ReadFile(*again + "/src/shared.h").value(), "shared, edited");

  // A library without overlay.json is used where it is.
  Write("sdk/libraries/Plain/src/Plain.h", "p");
  EXPECT_EQ(ResolveLibrary(dir_ + "/sdk", dir_ + "/sdk/libraries/Plain", dir_ + "/cache").value(),
            dir_ + "/sdk/libraries/Plain");
}

TEST_F(boardSdkTree, OverlayMistakesAreErrorsNamingTheFile) {
  Write("sdk/bases/b/src/a.h", "a");
  Write("sdk/libraries/L/src/mine.h", "m");
  auto error_of = [&](const std::string& json) {
    Write("sdk/libraries/L/overlay.json", json);
    auto r = LibraryFiles(dir_ + "/sdk", dir_ + "/sdk/libraries/L");
    EXPECT_FALSE(r.ok()) << json;
    return r.ok() ? std::string() : r.error().message;
  };
  std::string manifest = dir_ + "/sdk/libraries/L/overlay.json";
  std::string e = error_of(R"({"base": "bases/b", "remove": ["src/a.h"]})");
  EXPECT_NE(e.find(manifest), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key \"remove\""), std::string::npos) << e;
  e = error_of(R"({"base": "bases/nowhere"})");
  EXPECT_NE(e.find("bases/nowhere"), std::string::npos) << e;
  e = error_of(R"({"absent": ["src/a.h"]})");
  EXPECT_NE(e.find("\"base\""), std::string::npos) << e;
  e = error_of(R"({"base": "bases/b", "absent": ["src/typo.h"]})");
  EXPECT_NE(e.find("src/typo.h"), std::string::npos) << e;
  Write("sdk/libraries/L/src/a.h", "mine too");
  e = error_of(R"({"base": "bases/b", "absent": ["src/a.h"]})");
  EXPECT_NE(e.find("also provides"), std::string::npos) << e;
  e = error_of("not json");
  EXPECT_NE(e.find(manifest), std::string::npos) << e;
}

}  // namespace
}  // namespace autopilot::board
