#pragma once
// The run store: every run, attempt, LLM call, validation and artifact, in SQLite (WAL).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::store {

/// What makes a run unique within a store; sweeps resume by it.
struct RunKey {
  std::string sweep;
  std::string stage;
  std::string model;
  std::string format;
  std::string preset;
  int repetition = 0;
  /// "sweep|stage|model|format|preset|rep" with '|' and '\' escaped.
  std::string ToString() const;
};

/// A run row.
struct RunRecord {
  int64_t id = 0;
  std::string run_key;
  RunKey key;
  std::string status;
  std::string code;
  std::string started_at;
  std::string finished_at;
  int attempts = 0;
};

/// What BeginRun found or made.
struct RunHandle {
  int64_t id = 0;
  bool existed = false;  ///< the key was already in the store
  std::string status;    ///< its status (running for a new run)
};

/// One LLM call as stored (OpenTelemetry GenAI names in comments in migrations.cc).
struct LlmCallRecord {
  std::optional<int64_t> attempt_id;
  std::string provider;
  std::string model;
  std::string response_model;
  std::string request_json;
  std::string response_raw;
  std::string text;
  std::string finish_reason;
  std::optional<int64_t> input_tokens, output_tokens, cached_input_tokens, reasoning_tokens;
  std::optional<int64_t> ttft_ms, total_ms, load_ms;
  double cost_usd = 0.0;
  int retries = 0;
  std::string error_code;
  std::string error_message;
};

/// One validator layer's verdict on an attempt.
struct ValidationRecord {
  int64_t attempt_id = 0;
  std::string layer;  ///< format, static, build, run, semantic
  bool passed = false;
  std::string code;
  std::string message;
  std::string file;
  std::optional<int64_t> line;
  std::string hint;
  std::optional<int64_t> duration_ms;
};

/// Counts and settings of a store, for `autopilot store info`.
struct StoreInfo {
  std::string path;
  int schema_version = 0;
  std::string journal_mode;
  std::map<std::string, int64_t> rows;  ///< table → row count
};

/// The store. One instance per thread (SQLite connections are not shared).
class RunStore {
 public:
  /// Opens or creates the store at `path` (parent directories are created), enables WAL and
  /// foreign keys, and applies pending migrations.
  static Result<RunStore> Open(const std::string& path);

  /// Starts a run, or finds the run already stored under the same key.
  Result<RunHandle> BeginRun(const RunKey& key, const std::string& config_json = "{}");
  Result<void> FinishRun(int64_t run_id, const std::string& status, const std::string& code = "");
  /// Clears what an unfinished run recorded (attempts, calls, validations, artifacts) and marks it
  /// running again with a fresh start time, so that it can be redone under the same key.
  Result<void> ResetRun(int64_t run_id);
  Result<int64_t> BeginAttempt(int64_t run_id, const std::string& stage, int number);
  Result<void> FinishAttempt(int64_t attempt_id, const std::string& status,
                             const std::string& code = "", std::optional<int> code_numeric = {},
                             const std::string& rule = "", std::optional<int64_t> wall_ms = {});
  Result<int64_t> RecordLlmCall(const LlmCallRecord& call);
  Result<int64_t> RecordValidation(const ValidationRecord& v);
  /// Stores content with its SHA-256; returns the artifact id.
  Result<int64_t> RecordArtifact(int64_t run_id, std::optional<int64_t> attempt_id,
                                 const std::string& kind, const std::string& name,
                                 const std::string& content);

  Result<std::vector<RunRecord>> ListRuns(int limit = 1000);
  Result<StoreInfo> Info();
  /// PRAGMA integrity_check and foreign_key_check; Error describing the first problem.
  Result<void> CheckIntegrity();
  /// Runs `body` in one IMMEDIATE transaction: all of it lands, or none.
  Result<void> InTransaction(const std::function<Result<void>()>& body);

  Database& db() { return db_; }

 private:
  explicit RunStore(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace autopilot::store
