#pragma once
// A thin RAII layer over the SQLite C API: errors as values, no exceptions.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "autopilot/util/result.h"

namespace autopilot::store {

/// A prepared statement. Bind with 1-based indexes; Step until it returns false. A bind that
/// fails (an index out of range, a value too large) is remembered and returned by the next Step
/// or Run, which then do not execute the statement.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }

  /// Makes the statement ready to be bound and run again (bindings cleared).
  Statement& Reset();

  /// true: a row is ready; false: done. Errors (a failed bind first) come back as Error.
  Result<bool> Step();
  /// Runs to completion (for INSERT/UPDATE/DELETE).
  Result<void> Run();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  /// Keeps the first failing bind's message.
  Statement& Bound(int rc, int index);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string bind_error_;
};

/// An open database connection.
class Database {
 public:
  Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  ~Database();

  /// Opens (creating if asked) with a busy timeout so concurrent writers wait instead of failing.
  static Result<Database> Open(const std::string& path, bool create);
  /// Opens an existing store read-only (SQLITE_OPEN_READONLY and query_only): readers such as
  /// `autopilot serve` can never change it, even through a bug.
  static Result<Database> OpenReadOnly(const std::string& path);

  Result<void> Exec(const std::string& sql);
  Result<Statement> Prepare(const std::string& sql);
  int64_t LastInsertId() const;
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  /// Unique name for the next nested savepoint.
  std::string NextSavepoint() { return "sp" + std::to_string(++savepoints_); }
  int Changes() const;
  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

  /// Runs one query returning a single text value (e.g. PRAGMA journal_mode).
  Result<std::string> QueryText(const std::string& sql);
  Result<int64_t> QueryInt(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  int64_t savepoints_ = 0;
};

/// BEGIN IMMEDIATE on construction (a SAVEPOINT when already inside a transaction, so
/// transactions nest); ROLLBACK unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Database* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Result<void>& begun() const { return begun_; }
  Result<void> Commit();

 private:
  Database* db_;
  bool nested_;
  std::string savepoint_;
  Result<void> begun_;
  bool done_ = false;
};

}  // namespace autopilot::store
