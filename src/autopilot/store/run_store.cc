#include "autopilot/store/run_store.h"

#include <filesystem>

#include "autopilot/exec/redact.h"
#include "autopilot/store/migrations.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/sha256.h"

namespace autopilot::store {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

/// What the store keeps of a text: secrets (as exec::ProcessRedactor sees them) replaced. Every
/// free text an attempt writes passes here — sandbox output reaches the store inside diagnostics,
/// code, replies and prompts.
std::string Scrub(std::string_view text) { return exec::ProcessRedactor().Apply(text); }

/// Binary content (models) is kept as it is: a NUL byte never occurs in text.
bool IsBinary(std::string_view content) { return content.find('\0') != std::string_view::npos; }

}  // namespace

std::string RunKey::ToString() const {
  return Escape(sweep) + "|" + Escape(stage) + "|" + Escape(model) + "|" + Escape(format) + "|" +
         Escape(preset) + "|" + std::to_string(repetition);
}

Result<RunStore> RunStore::Open(const std::string& path) {
  if (path.empty()) return Error{errc::kUsage, "no store path given"};
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Error{errc::kStore, parent.string() + ": cannot create directory: " + ec.message()};
  auto db = Database::Open(path, /*create=*/true);
  if (!db) return db.error();
  // WAL: readers never block the writer, and a killed writer leaves the last commit intact.
  auto mode = db->QueryText("PRAGMA journal_mode=WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") {
    return Error{errc::kStore, path + ": cannot enable WAL journal (got '" + *mode +
                              "'); is the file on a network filesystem?"};
  }
  if (auto r = db->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !r) return r.error();
  auto quick = db->QueryText("PRAGMA quick_check");
  if (!quick) {
    return Error{errc::kStore, path + ": not a readable autopilot store: " + quick.error().message};
  }
  if (*quick != "ok") return Error{errc::kStore, path + ": store is damaged: " + *quick};
  if (auto r = Migrate(&*db); !r) return r.error();
  return RunStore(std::move(*db));
}

Result<RunHandle> RunStore::BeginRun(const RunKey& key, const std::string& config_json) {
  RunHandle handle;
  auto body = [&]() -> Result<void> {
    auto find = db_.Prepare("SELECT id, status FROM runs WHERE run_key = ?");
    if (!find) return find.error();
    find->Bind(1, key.ToString());
    auto row = find->Step();
    if (!row) return row.error();
    if (*row) {
      handle.id = find->ColumnInt(0);
      handle.status = find->ColumnText(1);
      handle.existed = true;
      return Ok();
    }
    auto ins = db_.Prepare(
        "INSERT INTO runs(run_key, sweep, stage, model, format, preset, repetition, config_json,"
        " started_at) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!ins) return ins.error();
    ins->Bind(1, key.ToString()).Bind(2, key.sweep).Bind(3, key.stage).Bind(4, key.model);
    ins->Bind(5, key.format).Bind(6, key.preset).Bind(7, key.repetition).Bind(8, Scrub(config_json));
    ins->Bind(9, util::NowRfc3339());
    if (auto r = ins->Run(); !r) return r;
    handle.id = db_.LastInsertId();
    handle.status = "running";
    return Ok();
  };
  if (auto r = InTransaction(body); !r) return r.error();
  return handle;
}

Result<void> RunStore::FinishRun(int64_t run_id, const std::string& status,
                                 const std::string& code) {
  auto st = db_.Prepare("UPDATE runs SET status = ?, code = ?, finished_at = ? WHERE id = ?");
  if (!st) return st.error();
  st->Bind(1, status).Bind(2, NullIfEmpty(code)).Bind(3, util::NowRfc3339()).Bind(4, run_id);
  if (auto r = st->Run(); !r) return r;
  if (db_.Changes() != 1) return Error{errc::kStore, "no run with id " + std::to_string(run_id)};
  return Ok();
}

Result<void> RunStore::ResetRun(int64_t run_id) {
  return InTransaction([&]() -> Result<void> {
    for (const char* sql : {"DELETE FROM artifacts WHERE run_id = ?", "DELETE FROM attempts WHERE run_id = ?",
                            "UPDATE runs SET status = 'running', code = NULL, finished_at = NULL,"
                            " started_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?"}) {
      auto st = db_.Prepare(sql);
      if (!st) return st.error();
      st->Bind(1, run_id);
      if (auto r = st->Run(); !r) return r;
    }
    if (db_.Changes() != 1) return Error{errc::kStore, "no run with id " + std::to_string(run_id)};
    return Ok();
  });
}

Result<int64_t> RunStore::BeginAttempt(int64_t run_id, const std::string& stage, int number) {
  auto st = db_.Prepare(
      "INSERT INTO attempts(run_id, stage, number, started_at) VALUES (?,?,?,?)");
  if (!st) return st.error();
  st->Bind(1, run_id).Bind(2, stage).Bind(3, number).Bind(4, util::NowRfc3339());
  if (auto r = st->Run(); !r) return r.error();
  return db_.LastInsertId();
}

Result<void> RunStore::FinishAttempt(int64_t attempt_id, const std::string& status,
                                     const std::string& code, std::optional<int> code_numeric,
                                     const std::string& rule, std::optional<int64_t> wall_ms) {
  auto st = db_.Prepare(
      "UPDATE attempts SET status = ?, code = ?, code_numeric = ?, rule = ?, wall_ms = ?,"
      " finished_at = ? WHERE id = ?");
  if (!st) return st.error();
  st->Bind(1, status).Bind(2, NullIfEmpty(code));
  if (code_numeric) {
    st->Bind(3, *code_numeric);
  } else {
    st->BindNull(3);
  }
  st->Bind(4, NullIfEmpty(rule)).Bind(5, wall_ms).Bind(6, util::NowRfc3339()).Bind(7, attempt_id);
  if (auto r = st->Run(); !r) return r;
  if (db_.Changes() != 1) return Error{errc::kStore, "no attempt with id " + std::to_string(attempt_id)};
  return Ok();
}

Result<int64_t> RunStore::RecordLlmCall(const LlmCallRecord& c) {
  auto st = db_.Prepare(
      "INSERT INTO llm_calls(attempt_id, provider, model, response_model, request_json,"
      " response_raw, text, finish_reason, input_tokens, output_tokens, cached_input_tokens,"
      " reasoning_tokens, ttft_ms, total_ms, load_ms, cost_usd, retries, error_code,"
      " error_message, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->Bind(1, c.attempt_id).Bind(2, c.provider).Bind(3, c.model);
  st->Bind(4, NullIfEmpty(c.response_model)).Bind(5, Scrub(c.request_json));
  st->Bind(6, NullIfEmpty(Scrub(c.response_raw))).Bind(7, Scrub(c.text));
  st->Bind(8, NullIfEmpty(c.finish_reason));
  st->Bind(9, c.input_tokens).Bind(10, c.output_tokens).Bind(11, c.cached_input_tokens);
  st->Bind(12, c.reasoning_tokens).Bind(13, c.ttft_ms).Bind(14, c.total_ms).Bind(15, c.load_ms);
  st->Bind(16, c.cost_usd).Bind(17, c.retries).Bind(18, NullIfEmpty(c.error_code));
  st->Bind(19, NullIfEmpty(Scrub(c.error_message))).Bind(20, util::NowRfc3339());
  if (auto r = st->Run(); !r) return r.error();
  return db_.LastInsertId();
}

Result<int64_t> RunStore::RecordValidation(const ValidationRecord& v) {
  auto st = db_.Prepare(
      "INSERT INTO validations(attempt_id, layer, passed, code, message, file, line, hint,"
      " duration_ms, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->Bind(1, v.attempt_id).Bind(2, v.layer).Bind(3, v.passed ? 1 : 0);
  st->Bind(4, NullIfEmpty(v.code)).Bind(5, NullIfEmpty(Scrub(v.message)));
  st->Bind(6, NullIfEmpty(Scrub(v.file))).Bind(7, v.line).Bind(8, NullIfEmpty(Scrub(v.hint)));
  st->Bind(9, v.duration_ms);
  st->Bind(10, util::NowRfc3339());
  if (auto r = st->Run(); !r) return r.error();
  return db_.LastInsertId();
}

Result<int64_t> RunStore::RecordArtifact(int64_t run_id, std::optional<int64_t> attempt_id,
                                         const std::string& kind, const std::string& name,
                                         const std::string& content) {
  auto st = db_.Prepare(
      "INSERT INTO artifacts(run_id, attempt_id, kind, name, sha256, size_bytes, content,"
      " created_at) VALUES (?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  // The digest and size describe what is stored, so a redacted text differs from its file and a
  // resumed run redoes that stage rather than trusting it.
  const std::string kept = IsBinary(content) ? content : Scrub(content);
  st->Bind(1, run_id).Bind(2, attempt_id).Bind(3, kind).Bind(4, Scrub(name));
  st->Bind(5, util::Sha256Hex(kept)).Bind(6, static_cast<int64_t>(kept.size()));
  st->BindBlob(7, kept).Bind(8, util::NowRfc3339());
  if (auto r = st->Run(); !r) return r.error();
  return db_.LastInsertId();
}

Result<std::vector<RunRecord>> RunStore::ListRuns(int limit) {
  auto st = db_.Prepare(
      "SELECT r.id, r.run_key, r.sweep, r.stage, r.model, r.format, r.preset, r.repetition,"
      " r.status, COALESCE(r.code,''), r.started_at, COALESCE(r.finished_at,''),"
      " (SELECT COUNT(*) FROM attempts a WHERE a.run_id = r.id)"
      " FROM runs r ORDER BY r.id DESC LIMIT ?");
  if (!st) return st.error();
  st->Bind(1, limit);
  std::vector<RunRecord> out;
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    RunRecord r;
    r.id = st->ColumnInt(0);
    r.run_key = st->ColumnText(1);
    r.key = RunKey{st->ColumnText(2), st->ColumnText(3), st->ColumnText(4),
                   st->ColumnText(5), st->ColumnText(6), static_cast<int>(st->ColumnInt(7))};
    r.status = st->ColumnText(8);
    r.code = st->ColumnText(9);
    r.started_at = st->ColumnText(10);
    r.finished_at = st->ColumnText(11);
    r.attempts = static_cast<int>(st->ColumnInt(12));
    out.push_back(std::move(r));
  }
  return out;
}

Result<StoreInfo> RunStore::Info() {
  StoreInfo info;
  info.path = db_.path();
  auto v = db_.QueryInt("SELECT COALESCE(MAX(version),0) FROM schema_migrations");
  if (!v) return v.error();
  info.schema_version = static_cast<int>(*v);
  auto mode = db_.QueryText("PRAGMA journal_mode");
  if (!mode) return mode.error();
  info.journal_mode = *mode;
  for (const char* table : {"runs", "attempts", "llm_calls", "validations", "artifacts"}) {
    auto n = db_.QueryInt(std::string("SELECT COUNT(*) FROM ") + table);
    if (!n) return n.error();
    info.rows[table] = *n;
  }
  return info;
}

Result<void> RunStore::CheckIntegrity() {
  auto ic = db_.QueryText("PRAGMA integrity_check");
  if (!ic) return ic.error();
  if (*ic != "ok") return Error{errc::kStore, db_.path() + ": integrity check failed: " + *ic};
  auto fk = db_.Prepare("PRAGMA foreign_key_check");
  if (!fk) return fk.error();
  auto row = fk->Step();
  if (!row) return row.error();
  if (*row) {
    return Error{errc::kStore, db_.path() + ": dangling reference in table " + fk->ColumnText(0) +
                              " (row " + std::to_string(fk->ColumnInt(1)) + ")"};
  }
  return Ok();
}

Result<void> RunStore::InTransaction(const std::function<Result<void>()>& body) {
  Transaction tx(&db_);
  if (!tx.begun()) return tx.begun().error();
  if (auto r = body(); !r) return r;  // rollback in ~Transaction
  return tx.Commit();
}

}  // namespace autopilot::store
