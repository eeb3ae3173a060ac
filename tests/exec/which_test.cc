#include "autopilot/exec/which.h"

#include <gtest/gtest.h>

namespace autopilot::exec {
namespace {

TEST(Which, FindsProgramsOnThePath) {
  EXPECT_EQ(FindProgram("sh", "/nonexistent:/bin:/usr/bin"), "/bin/sh");
  EXPECT_EQ(FindProgram("definitely-not-a-program", "/bin:/usr/bin"), "");
  EXPECT_EQ(FindProgram("", "/bin"), "");
}

TEST(Which, PathsWithSlashesAreTakenAsGivenAndAnchoredAtTheWorkdir) {
  EXPECT_EQ(FindProgram("/x/y", "/bin"), "/x/y");
  EXPECT_EQ(FindProgram("./run.sh", "/bin", "/work"), "/work/./run.sh");
}

}  // namespace
}  // namespace autopilot::exec
