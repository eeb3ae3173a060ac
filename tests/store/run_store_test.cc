#include "autopilot/store/run_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "autopilot/store/migrations.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"

namespace autopilot::store {
namespace {

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto d = util::MakeTempDir("ap-store-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    path_ = dir_ + "/sub/runs.db";
  }
  void TearDown() override { util::RemoveTree(dir_); }
  std::string dir_, path_;
};

TEST_F(RunStoreTest, CreatesWithWalAndLatestSchema) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto info = s->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->journal_mode, "wal");
  EXPECT_EQ(info->schema_version, LatestSchemaVersion());
  for (const char* t : {"runs", "attempts", "llm_calls", "validations", "artifacts"}) {
    ASSERT_TRUE(info->rows.count(t)) << t;
    EXPECT_EQ(info->rows.at(t), 0);
  }
  EXPECT_EQ(*s->db().QueryInt("PRAGMA user_version"), LatestSchemaVersion());
}

TEST_F(RunStoreTest, ReopeningDoesNotReapplyMigrations) {
  { ASSERT_TRUE(RunStore::Open(path_).ok()); }
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(Migrations().size()));
}

TEST_F(RunStoreTest, RefusesAStoreFromANewerVersion) {
  {
    auto s = RunStore::Open(path_);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->db()
                    .Exec("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
                    .ok());
  }
  auto s = RunStore::Open(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_F(RunStoreTest, RejectsAFileThatIsNotADatabase) {
  std::ofstream(dir_ + "/junk.db") << "this is not sqlite, just some text that is long enough";
  auto s = RunStore::Open(dir_ + "/junk.db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("junk.db"), std::string::npos) << s.error().message;
}

TEST_F(RunStoreTest, RecordsARunWithAttemptsCallsValidationsAndArtifacts) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  RunKey key{"study", "sg", "ollama:phi4", "json", "default", 3};
  auto run = s->BeginRun(key, R"({"k":1})");
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->existed);
  auto a1 = s->BeginAttempt(run->id, "sg", 1);
  ASSERT_TRUE(a1.ok());
  LlmCallRecord call;
  call.attempt_id = *a1;
  call.provider = "ollama";
  call.model = "phi4";
  call.request_json = "{}";
  call.text = "```cpp\n```";
  call.input_tokens = 100;
  call.output_tokens = 50;
  call.retries = 1;
  ASSERT_TRUE(s->RecordLlmCall(call).ok());
  ValidationRecord v;
  v.attempt_id = *a1;
  v.layer = "build";
  v.passed = false;
  v.code = "build.undeclared";
  v.line = 12;
  ASSERT_TRUE(s->RecordValidation(v).ok());
  ASSERT_TRUE(s->FinishAttempt(*a1, "failed", "build.undeclared", 301, "gcc-not-declared", 1234).ok());
  auto art = s->RecordArtifact(run->id, *a1, "sketch", "sketch.ino", "void setup(){}");
  ASSERT_TRUE(art.ok());
  ASSERT_TRUE(s->FinishRun(run->id, "failed", "build.undeclared").ok());

  auto runs = s->ListRuns();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, "failed");
  EXPECT_EQ((*runs)[0].code, "build.undeclared");
  EXPECT_EQ((*runs)[0].attempts, 1);
  EXPECT_EQ((*runs)[0].key.model, "ollama:phi4");
  EXPECT_EQ((*runs)[0].key.repetition, 3);
  EXPECT_EQ(*s->db().QueryText("SELECT sha256 FROM artifacts"), util::Sha256Hex("void setup(){}"));
  EXPECT_EQ(*s->db().QueryInt("SELECT size_bytes FROM artifacts"), 14);
  EXPECT_TRUE(s->CheckIntegrity().ok());
}

TEST_F(RunStoreTest, EveryTextAnAttemptWritesIsRedactedButBinaryArtifactsAreKept) {
  // Key shapes are redacted whatever this process's environment holds; the values are fake.
  const std::string key = "sk-FAKEstore0123456789abcdefFAKE0123456789";
  const std::string url = "https://fakeuser:fakepass@example.com/x";
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  auto run = s->BeginRun({"sw", "dp", "m", "f", "p", 0}, R"({"base": ")" + url + R"("})");
  ASSERT_TRUE(run.ok());
  auto a = s->BeginAttempt(run->id, "dp", 1);
  ASSERT_TRUE(a.ok());
  LlmCallRecord call;
  call.attempt_id = *a;
  call.provider = "openai";
  call.model = "gpt";
  call.request_json = R"({"user": "RuntimeError: bad key )" + key + R"("})";
  call.response_raw = R"({"content": "api_key = ')" + key + R"('"})";
  call.text = "api_key = '" + key + "'";
  call.error_message = "Authorization: Bearer fake-bearer-0123456789";
  ASSERT_TRUE(s->RecordLlmCall(call).ok());
  ValidationRecord v;
  v.attempt_id = *a;
  v.layer = "run";
  v.code = "runtime.value_error";
  v.message = "ValueError: " + key;
  v.hint = "fetch " + url;
  ASSERT_TRUE(s->RecordValidation(v).ok());
  const std::string code = "print('" + key + "')\n";
  ASSERT_TRUE(s->RecordArtifact(run->id, *a, "code", "dp_attempt1", code).ok());
  const std::string binary = std::string("TFL3\0\0", 6) + key;
  ASSERT_TRUE(s->RecordArtifact(run->id, std::nullopt, "tflite", "model.tflite", binary).ok());

  for (const char* sql : {"SELECT config_json FROM runs", "SELECT request_json FROM llm_calls",
                          "SELECT response_raw FROM llm_calls", "SELECT text FROM llm_calls",
                          "SELECT error_message FROM llm_calls", "SELECT message FROM validations",
                          "SELECT hint FROM validations",
                          "SELECT CAST(content AS TEXT) FROM artifacts WHERE kind = 'code'"}) {
    auto text = s->db().QueryText(sql);
    ASSERT_TRUE(text.ok()) << sql;
    EXPECT_EQ(text->find("FAKEstore"), std::string::npos) << sql << ": " << *text;
    EXPECT_EQ(text->find("fakepass"), std::string::npos) << sql << ": " << *text;
    EXPECT_EQ(text->find("fake-bearer"), std::string::npos) << sql << ": " << *text;
    EXPECT_NE(text->find("[redacted"), std::string::npos) << sql << ": " << *text;
  }
  EXPECT_EQ(*s->db().QueryText("SELECT message FROM validations"), "ValueError: [redacted:openai-key]");
  EXPECT_EQ(*s->db().QueryText("SELECT hint FROM validations"), "fetch https://[redacted]@example.com/x");
  // The digest describes what is stored; a model is stored byte for byte.
  const std::string stored = "print('[redacted:openai-key]')\n";
  EXPECT_EQ(*s->db().QueryText("SELECT sha256 FROM artifacts WHERE kind = 'code'"), util::Sha256Hex(stored));
  EXPECT_EQ(*s->db().QueryInt("SELECT size_bytes FROM artifacts WHERE kind = 'code'"),
            static_cast<int64_t>(stored.size()));
  EXPECT_EQ(*s->db().QueryText("SELECT sha256 FROM artifacts WHERE kind = 'tflite'"), util::Sha256Hex(binary));
  EXPECT_EQ(*s->db().QueryInt("SELECT size_bytes FROM artifacts WHERE kind = 'tflite'"),
            static_cast<int64_t>(binary.size()));
}

TEST_F(RunStoreTest, SameRunKeyFindsTheExistingRun) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  RunKey key{"sw", "dp", "m", "f", "p", 0};
  auto first = s->BeginRun(key);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(s->FinishRun(first->id, "passed").ok());
  auto again = s->BeginRun(key);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->existed);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->status, "passed");
  key.repetition = 1;
  auto other = s->BeginRun(key);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->id, first->id);
}

TEST_F(RunStoreTest, RunKeyEscapesSeparators) {
  RunKey a{"a|b", "c", "", "", "", 0};
  RunKey b{"a", "b|c", "", "", "", 0};
  EXPECT_NE(a.ToString(), b.ToString());
}

TEST_F(RunStoreTest, DuplicateAttemptNumberIsRefused) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  auto run = s->BeginRun(RunKey{"", "dp", "", "", "", 0});
  ASSERT_TRUE(s->BeginAttempt(run->id, "dp", 1).ok());
  EXPECT_FALSE(s->BeginAttempt(run->id, "dp", 1).ok());
}

TEST_F(RunStoreTest, FailedTransactionLeavesNothingBehind) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  auto run = s->BeginRun(RunKey{"", "sg", "", "", "", 0});
  auto r = s->InTransaction([&]() -> Result<void> {
    auto a = s->BeginAttempt(run->id, "sg", 1);
    if (!a) return a.error();
    ValidationRecord v;
    v.attempt_id = *a;
    v.layer = "not-a-layer";  // violates the CHECK constraint
    auto bad = s->RecordValidation(v);
    if (!bad) return bad.error();
    return Ok();
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM attempts"), 0);
}

TEST_F(RunStoreTest, FinishingAnUnknownRunIsAnError) {
  auto s = RunStore::Open(path_);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->FinishRun(42, "passed").ok());
  EXPECT_FALSE(s->FinishRun(42, "not-a-status").ok());
}

// A writer killed with SIGKILL at an arbitrary point leaves a store where every committed run is
// complete (3 attempts, 3 validations) and nothing half-written is visible.
TEST_F(RunStoreTest, KilledWriterLeavesAConsistentStore) {
  { ASSERT_TRUE(RunStore::Open(path_).ok()); }
  for (int round = 0; round < 3; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = RunStore::Open(path_);
      if (!s) ::_exit(2);
      for (int i = 0;; ++i) {
        (void)s->InTransaction([&]() -> Result<void> {
          auto run = s->BeginRun(RunKey{"kill", "sg", "m", "f", "p", round * 100000 + i});
          if (!run) return run.error();
          for (int n = 1; n <= 3; ++n) {
            auto a = s->BeginAttempt(run->id, "sg", n);
            if (!a) return a.error();
            ValidationRecord v;
            v.attempt_id = *a;
            v.layer = "build";
            v.message = std::string(2000, 'x');
            if (auto r = s->RecordValidation(v); !r) return r.error();
            if (auto r = s->FinishAttempt(*a, "failed"); !r) return r;
          }
          return s->FinishRun(run->id, "failed");
        });
      }
    }
    ::usleep(static_cast<useconds_t>(150000 + round * 70000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));

    auto s = RunStore::Open(path_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(s->CheckIntegrity().ok());
    int64_t runs = *s->db().QueryInt("SELECT COUNT(*) FROM runs");
    EXPECT_GT(runs, 0);
    EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM attempts"), runs * 3);
    EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM validations"), runs * 3);
    EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM runs WHERE status != 'failed'"), 0);
  }
}

}  // namespace
}  // namespace autopilot::store

namespace autopilot::store {
namespace {

// Migration 4 rebuilds validations to admit the unit layer: a store made by the previous
// schema keeps every validation row, its indexes, and still refuses an unknown layer.
TEST(StoreMigration4, UpgradesAVersion3StoreKeepingItsValidations) {
  auto dir = util::MakeTempDir("ap-store-m4-");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/old.db";
  {
    auto db = Database::Open(path, true);
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)").ok());
    for (const auto& m : Migrations()) {
      if (m.version > 3) continue;
      ASSERT_TRUE(db->Exec(m.sql).ok()) << m.name;
      ASSERT_TRUE(db->Exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'm', 'then')").ok());
    }
    ASSERT_TRUE(db->Exec("INSERT INTO runs(id, run_key, started_at) VALUES (1, 'k', 'then');"
                         "INSERT INTO attempts(id, run_id, stage, number, started_at) VALUES (1, 1, 'sg', 1, 'then');"
                         "INSERT INTO validations(attempt_id, layer, passed, code, message, created_at) "
                         "VALUES (1, 'build', 0, 'build.undeclared', 'x was not declared', 'then')")
                    .ok());
    EXPECT_FALSE(db->Exec("INSERT INTO validations(attempt_id, layer, passed, created_at) VALUES (1, 'unit', 1, 'then')").ok())
        << "version 3 does not know the unit layer";
  }
  auto s = RunStore::Open(path);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*s->db().QueryInt("SELECT MAX(version) FROM schema_migrations"), LatestSchemaVersion());
  EXPECT_EQ(*s->db().QueryText("SELECT message FROM validations WHERE code = 'build.undeclared'"), "x was not declared");
  EXPECT_TRUE(s->db().Exec("INSERT INTO validations(attempt_id, layer, passed, created_at) VALUES (1, 'unit', 1, 'now')").ok());
  EXPECT_FALSE(s->db().Exec("INSERT INTO validations(attempt_id, layer, passed, created_at) VALUES (1, 'bogus', 1, 'now')").ok());
  EXPECT_EQ(*s->db().QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('validations_attempt', 'validations_code')"), 2);
  EXPECT_TRUE(s->CheckIntegrity());
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::store
