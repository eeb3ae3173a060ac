#include "autopilot/store/migrations.h"

namespace autopilot::store {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "initial: runs, attempts, llm_calls, validations, artifacts",
       R"sql(
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  run_key      TEXT NOT NULL UNIQUE,       -- sweep/stage/model/format/preset/repetition
  sweep        TEXT NOT NULL DEFAULT '',
  stage        TEXT NOT NULL DEFAULT '',
  model        TEXT NOT NULL DEFAULT '',
  format       TEXT NOT NULL DEFAULT '',
  preset       TEXT NOT NULL DEFAULT '',
  repetition   INTEGER NOT NULL DEFAULT 0,
  status       TEXT NOT NULL DEFAULT 'running'
               CHECK (status IN ('running','passed','failed','error','interrupted')),
  code         TEXT,                        -- taxonomy id of the final failure, if any
  config_json  TEXT NOT NULL DEFAULT '{}',
  started_at   TEXT NOT NULL,
  finished_at  TEXT
);
CREATE TABLE attempts (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  stage        TEXT NOT NULL,
  number       INTEGER NOT NULL,            -- 1-based repair attempt (never transport retries)
  status       TEXT NOT NULL DEFAULT 'running'
               CHECK (status IN ('running','passed','failed','error','interrupted')),
  code         TEXT,
  code_numeric INTEGER,
  rule         TEXT,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  wall_ms      INTEGER,
  UNIQUE (run_id, stage, number)
);
CREATE TABLE llm_calls (
  id                  INTEGER PRIMARY KEY,
  attempt_id          INTEGER REFERENCES attempts(id) ON DELETE CASCADE,
  provider            TEXT NOT NULL,        -- gen_ai.provider.name
  model               TEXT NOT NULL,        -- gen_ai.request.model
  response_model      TEXT,                 -- gen_ai.response.model
  request_json        TEXT NOT NULL,
  response_raw        TEXT,
  text                TEXT,
  finish_reason       TEXT,                 -- gen_ai.response.finish_reasons
  input_tokens        INTEGER,              -- gen_ai.usage.input_tokens
  output_tokens       INTEGER,              -- gen_ai.usage.output_tokens
  cached_input_tokens INTEGER,
  reasoning_tokens    INTEGER,
  ttft_ms             INTEGER,
  total_ms            INTEGER,
  load_ms             INTEGER,
  cost_usd            REAL,
  retries             INTEGER NOT NULL DEFAULT 0,
  error_code          TEXT,                 -- error.type (taxonomy id)
  error_message       TEXT,
  created_at          TEXT NOT NULL
);
CREATE TABLE validations (
  id          INTEGER PRIMARY KEY,
  attempt_id  INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  layer       TEXT NOT NULL CHECK (layer IN ('format','static','build','run','semantic')),
  passed      INTEGER NOT NULL CHECK (passed IN (0,1)),
  code        TEXT,
  message     TEXT,
  file        TEXT,
  line        INTEGER,
  hint        TEXT,
  duration_ms INTEGER,
  created_at  TEXT NOT NULL
);
CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt_id  INTEGER REFERENCES attempts(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,                -- prompt, completion, code, csv, tflite, header, sketch, log
  name        TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  size_bytes  INTEGER NOT NULL,
  content     BLOB,
  created_at  TEXT NOT NULL
);
CREATE INDEX attempts_run ON attempts(run_id);
CREATE INDEX llm_calls_attempt ON llm_calls(attempt_id);
CREATE INDEX validations_attempt ON validations(attempt_id);
CREATE INDEX artifacts_run ON artifacts(run_id);
)sql"},
      // The viewer (autopilot serve) pages by cell and filters by taxonomy id; without these a
      // cell page scans every run and every attempt of a 100 000-attempt store.
      {2, "viewer indexes: runs by cell, sweep and status, codes of runs, attempts and validations, artifacts by attempt",
       R"sql(
CREATE INDEX runs_cell ON runs(model, format, stage, preset, status, code);
CREATE INDEX runs_sweep ON runs(sweep, status);
CREATE INDEX runs_status ON runs(status);
CREATE INDEX runs_code ON runs(code);
CREATE INDEX attempts_code ON attempts(code);
CREATE INDEX validations_code ON validations(code);
CREATE INDEX artifacts_attempt ON artifacts(attempt_id);
)sql"},
      // Self-contained (one new table, nothing else touched) so that a merge with another
      // branch's migration can renumber it.
      {3, "rejudge: rejudged (this tool's verdict on recorded attempts, beside the recorded one)",
       R"sql(
CREATE TABLE rejudged (
  id              INTEGER PRIMARY KEY,
  attempt_id      INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  project         TEXT NOT NULL,            -- project key: file name + SHA-256 prefix of its text
  tool_version    TEXT NOT NULL,            -- autopilot version that judged
  stage           TEXT NOT NULL,
  recorded_status TEXT NOT NULL,            -- the attempt's status as recorded
  verdict         TEXT NOT NULL CHECK (verdict IN ('passed','failed','unavailable')),
  layer           TEXT,                     -- first failing layer
  code            TEXT,                     -- taxonomy id of the first failure
  message         TEXT,
  ran             INTEGER CHECK (ran IN (0,1)),  -- the study's verdict layer (Python ran / sketch
                                            -- compiled) as this tool saw it; NULL = not reached
  code_source     TEXT,                     -- where the code came from: artifact, completion
  duration_ms     INTEGER,
  created_at      TEXT NOT NULL,
  UNIQUE (attempt_id, project, tool_version)
);
CREATE INDEX rejudged_attempt ON rejudged(attempt_id);
)sql"},
      // SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same
      // columns and rows, and its indexes (migrations 1 and 2) are made again.
      {4, "contracts: the unit layer in validations.layer",
       R"sql(
CREATE TABLE validations_v4 (
  id          INTEGER PRIMARY KEY,
  attempt_id  INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
  layer       TEXT NOT NULL CHECK (layer IN ('format','static','unit','build','run','semantic')),
  passed      INTEGER NOT NULL CHECK (passed IN (0,1)),
  code        TEXT,
  message     TEXT,
  file        TEXT,
  line        INTEGER,
  hint        TEXT,
  duration_ms INTEGER,
  created_at  TEXT NOT NULL
);
INSERT INTO validations_v4 (id, attempt_id, layer, passed, code, message, file, line, hint, duration_ms, created_at)
  SELECT id, attempt_id, layer, passed, code, message, file, line, hint, duration_ms, created_at FROM validations;
DROP TABLE validations;
ALTER TABLE validations_v4 RENAME TO validations;
CREATE INDEX validations_attempt ON validations(attempt_id);
CREATE INDEX validations_code ON validations(code);
)sql"},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

Result<void> Migrate(Database* db) {
  auto meta = db->Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
  if (!meta) return meta;
  auto current = db->QueryInt("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!current) return current.error();
  if (*current > LatestSchemaVersion()) {
    return Error{errc::kStore, db->path() + ": store schema version " + std::to_string(*current) +
                              " is newer than this autopilot understands (" +
                              std::to_string(LatestSchemaVersion()) +
                              "); use a newer autopilot to open it"};
  }
  for (const auto& m : Migrations()) {
    if (m.version <= *current) continue;
    Transaction tx(db);
    if (!tx.begun()) return tx.begun().error();
    if (auto r = db->Exec(m.sql); !r) {
      return Error{errc::kStore, "migration " + std::to_string(m.version) + " (" + m.name +
                                ") failed: " + r.error().message};
    }
    auto ins = db->Prepare(
        "INSERT INTO schema_migrations(version, name, applied_at) "
        "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    if (!ins) return ins.error();
    ins->Bind(1, m.version).Bind(2, m.name);
    if (auto r = ins->Run(); !r) return r;
    if (auto r = db->Exec("PRAGMA user_version = " + std::to_string(m.version)); !r) return r;
    if (auto r = tx.Commit(); !r) return r;
  }
  return Ok();
}

}  // namespace autopilot::store
