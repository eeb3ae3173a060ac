// The SQLite layer: a failed bind is an error of the statement, never silently dropped.

#include <gtest/gtest.h>

#include "autopilot/store/sqlite.h"
#include "autopilot/util/files.h"

namespace autopilot::store {
namespace {

TEST(Sqlite, AFailedBindIsReturnedByRunAndNothingIsWritten) {
  auto dir = util::MakeTempDir("ap-sqlite-");
  ASSERT_TRUE(dir.ok());
  auto db = Database::Open(*dir + "/t.db", true);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a INTEGER, b TEXT)").ok());
  auto st = db->Prepare("INSERT INTO t (a, b) VALUES (?, ?)");
  ASSERT_TRUE(st.ok());
  st->Bind(1, int64_t{1}).Bind(3, std::string("no such parameter"));  // index 3 is out of range
  auto r = st->Run();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "store");
  EXPECT_NE(r.error().message.find("cannot bind parameter 3"), std::string::npos) << r.error().message;
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM t"), 0);
  // A correct bind on a fresh statement works.
  auto ok = db->Prepare("INSERT INTO t (a, b) VALUES (?, ?)");
  ASSERT_TRUE(ok.ok());
  ok->Bind(1, int64_t{2}).Bind(2, std::string("x"));
  EXPECT_TRUE(ok->Run().ok());
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM t"), 1);
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::store
