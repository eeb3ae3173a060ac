#include "autopilot/store/sqlite.h"

#include <cstdint>
#include <string>
#include <utility>

namespace autopilot::store {
namespace {

Error SqlError(sqlite3* db, const std::string& what) {
  return Error{errc::kStore, what + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
}

}  // namespace

Statement::Statement(Statement&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      stmt_(std::exchange(o.stmt_, nullptr)),
      bind_error_(std::move(o.bind_error_)) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = std::exchange(o.db_, nullptr);
    stmt_ = std::exchange(o.stmt_, nullptr);
    bind_error_ = std::move(o.bind_error_);
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  return Bound(sqlite3_bind_int64(stmt_, index, value), index);
}

Statement& Statement::Bind(int index, double value) {
  return Bound(sqlite3_bind_double(stmt_, index, value), index);
}

Statement& Statement::Bind(int index, std::string_view text) {
  if (text.size() > static_cast<size_t>(INT32_MAX)) return Bound(SQLITE_TOOBIG, index);
  return Bound(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT), index);
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return Bound(SQLITE_TOOBIG, index);
  return Bound(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT), index);
}

Statement& Statement::BindNull(int index) {
  return Bound(sqlite3_bind_null(stmt_, index), index);
}

Statement& Statement::Bound(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_.empty()) {
    bind_error_ = "cannot bind parameter " + std::to_string(index) + ": " + sqlite3_errstr(rc);
  }
  return *this;
}

Statement& Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_.clear();
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_error_.empty()) return Error{errc::kStore, bind_error_};
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(db_, "query failed");
}

Result<void> Statement::Run() {
  while (true) {
    auto r = Step();
    if (!r) return r.error();
    if (!*r) return Ok();
  }
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Database::Database(Database&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), path_(std::move(o.path_)) {}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(o.db_, nullptr);
    path_ = std::move(o.path_);
  }
  return *this;
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

Result<Database> Database::Open(const std::string& path, bool create) {
  Database db;
  db.path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqlError(db.db_, path + ": cannot open store");
    return e;
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, 10000);
  return db;
}

Result<Database> Database::OpenReadOnly(const std::string& path) {
  Database db;
  db.path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db.db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return SqlError(db.db_, path + ": cannot open store read-only");
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, 10000);
  if (auto r = db.Exec("PRAGMA query_only = 1"); !r) return r.error();
  return db;
}

Result<void> Database::Exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string text = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return Error{errc::kStore, path_ + ": " + text};
  }
  return Ok();
}

Result<Statement> Database::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return SqlError(db_, path_ + ": cannot prepare '" + sql.substr(0, 60) + "'");
  }
  return Statement(db_, stmt);
}

int64_t Database::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }

Result<std::string> Database::QueryText(const std::string& sql) {
  auto st = Prepare(sql);
  if (!st) return st.error();
  auto row = st->Step();
  if (!row) return row.error();
  if (!*row) return std::string();
  return st->ColumnText(0);
}

Result<int64_t> Database::QueryInt(const std::string& sql) {
  auto st = Prepare(sql);
  if (!st) return st.error();
  auto row = st->Step();
  if (!row) return row.error();
  if (!*row) return int64_t{0};
  return st->ColumnInt(0);
}

Transaction::Transaction(Database* db)
    : db_(db),
      nested_(db->InTransaction()),
      savepoint_(nested_ ? db->NextSavepoint() : std::string()),
      begun_(nested_ ? db->Exec("SAVEPOINT " + savepoint_) : db->Exec("BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  // A destructor cannot report: when the rollback itself fails, SQLite rolls the transaction back
  // when the connection closes, and the caller has the error that ended the body already.
  if (!begun_ || done_) return;
  if (nested_) {
    (void)db_->Exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
  } else {
    (void)db_->Exec("ROLLBACK");
  }
}

Result<void> Transaction::Commit() {
  if (!begun_) return begun_.error();
  auto r = db_->Exec(nested_ ? "RELEASE " + savepoint_ : std::string("COMMIT"));
  if (r) done_ = true;
  return r;
}

}  // namespace autopilot::store
