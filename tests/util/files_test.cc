#include "autopilot/util/files.h"

#include <gtest/gtest.h>

namespace autopilot::util {
namespace {

TEST(Files, AtomicWriteThenRead) {
  auto dir = MakeTempDir("ap-files-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/f.txt";
  ASSERT_TRUE(WriteFileAtomic(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomic(path, std::string("two\0three", 9)).ok());
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, std::string("two\0three", 9));
  RemoveTree(*dir);
  EXPECT_FALSE(PathExists(*dir));
}

TEST(Files, ReadingAMissingFileNamesIt) {
  auto r = ReadFile("/nonexistent/x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/x.yaml"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::util
