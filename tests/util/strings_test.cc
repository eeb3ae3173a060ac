#include "autopilot/util/strings.h"

#include <gtest/gtest.h>

namespace autopilot::util {
namespace {

TEST(Strings, TrimSplitJoin) {
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Join({"x", "y", "z"}, ", "), "x, y, z");
}

TEST(Strings, ClosestMatchSuggestsTyposOnly) {
  std::vector<std::string> keys = {"timeout_s", "memory_mb", "allow_network"};
  EXPECT_EQ(ClosestMatch("timout_s", keys), "timeout_s");
  EXPECT_EQ(ClosestMatch("MEMORY_MB", keys), "memory_mb");
  EXPECT_EQ(ClosestMatch("colour", keys), "");
}

TEST(Strings, GlobMatchIgnoresCase) {
  EXPECT_TRUE(GlobMatchIgnoreCase("*_KEY", "openai_api_key"));
  EXPECT_TRUE(GlobMatchIgnoreCase("*SECRET*", "SECRET"));
  EXPECT_TRUE(GlobMatchIgnoreCase("a?c", "abc"));
  EXPECT_FALSE(GlobMatchIgnoreCase("*_KEY", "KEYBOARD"));
  EXPECT_FALSE(GlobMatchIgnoreCase("*_TOKEN", "TOKENIZERS"));
}

TEST(Strings, RedactsUrlCredentials) {
  EXPECT_EQ(RedactUrlCredentials("https://user:pw@host:1/v1"), "https://***@host:1/v1");
  EXPECT_EQ(RedactUrlCredentials("http://localhost:11434"), "http://localhost:11434");
  EXPECT_EQ(RedactUrlCredentials("http://h/path@x"), "http://h/path@x");
}

}  // namespace
}  // namespace autopilot::util
