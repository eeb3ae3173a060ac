#include "autopilot/store/merge.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "autopilot/store/migrations.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"

namespace autopilot::store {
namespace {

namespace fs = std::filesystem;

const char* const kTables[] = {"runs", "attempts", "llm_calls", "validations", "artifacts"};

bool Finished(const std::string& status) {
  return status == "passed" || status == "failed" || status == "error";
}

Result<std::vector<std::string>> Columns(Database& db, const std::string& schema, const std::string& table) {
  auto st = db.Prepare("PRAGMA " + schema + ".table_info(" + table + ")");
  if (!st) return st.error();
  std::vector<std::string> cols;
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    cols.push_back(st->ColumnText(1));
  }
  return cols;
}

/// Columns both schemas have, minus `drop` (ids that are remapped).
std::vector<std::string> Common(const std::vector<std::string>& a, const std::vector<std::string>& b,
                                const std::set<std::string>& drop) {
  std::vector<std::string> out;
  for (const auto& c : a) {
    if (drop.count(c) == 0 && std::find(b.begin(), b.end(), c) != b.end()) out.push_back(c);
  }
  return out;
}

std::string List(const std::vector<std::string>& cols, const std::string& prefix = "") {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : ", ") + prefix + "\"" + c + "\"";
  return out;
}

/// One text value per row: every column quoted, so equal text means equal rows.
std::string RowExpr(const std::vector<std::string>& cols, const std::string& alias) {
  std::string out;
  for (const auto& c : cols) out += (out.empty() ? "" : "||char(31)||") + std::string("quote(") + alias + ".\"" + c + "\")";
  return out.empty() ? "''" : out;
}

Result<std::string> QueryConcat(Database& db, const std::string& sql, int64_t id) {
  auto st = db.Prepare(sql);
  if (!st) return st.error();
  st->Bind(1, id);
  auto row = st->Step();
  if (!row) return row.error();
  return *row ? st->ColumnText(0) : std::string();
}

class Merger {
 public:
  Merger(RunStore* out, MergeStats* stats) : out_(out), db_(out->db()), stats_(stats) {}

  Result<void> Add(const std::string& path, const std::string& label) {
    if (auto r = CheckInput(path); !r) return r;
    auto att = db_.Prepare("ATTACH DATABASE ? AS src");
    if (!att) return att.error();
    att->Bind(1, path);
    if (auto r = att->Run(); !r) return Error{errc::kStore, path + ": cannot open: " + r.error().message};
    auto result = out_->InTransaction([&] { return Copy(label); });
    auto dropped = db_.Exec(
        "DROP TABLE IF EXISTS temp.take; DROP TABLE IF EXISTS temp.same; DROP TABLE IF EXISTS temp.rmap;"
        " DROP TABLE IF EXISTS temp.amap; DROP TABLE IF EXISTS temp.jmap");
    auto detached = db_.Exec("DETACH DATABASE src");
    if (!result) return result;  // the copy's error says more than a cleanup's
    if (!dropped) return dropped;
    return detached;  // still attached, the next input could not be attached as src
  }

 private:
  /// An input must be an existing autopilot store this version understands (never created here).
  Result<void> CheckInput(const std::string& path) {
    if (!util::PathExists(path)) return Error{errc::kUsage, path + ": no such store"};
    auto db = Database::Open(path, /*create=*/false);
    if (!db) return Error{errc::kStore, path + ": cannot open: " + db.error().message};
    auto has = db->QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name IN ('runs','schema_migrations')");
    if (!has) return Error{errc::kStore, path + ": not a readable autopilot store: " + has.error().message};
    if (*has != 2) return Error{errc::kStore, path + ": not an autopilot run store (no runs table)"};
    auto v = db->QueryInt("SELECT COALESCE(MAX(version),0) FROM schema_migrations");
    if (!v) return v.error();
    if (*v > LatestSchemaVersion()) {
      return Error{errc::kStore, path + ": store schema version " + std::to_string(*v) +
                                " is newer than this autopilot understands; use a newer autopilot"};
    }
    return Ok();
  }

  Result<std::string> Fingerprint(const std::string& schema, int64_t run_id) {
    std::string all;
    auto cols = [&](const std::string& t) -> Result<std::vector<std::string>> {
      auto a = Columns(db_, "main", t);
      if (!a) return a.error();
      auto b = Columns(db_, "src", t);
      if (!b) return b.error();
      return Common(*a, *b, {"id", "run_id", "attempt_id", "content"});
    };
    const std::string s = schema + ".";
    auto rc = cols("runs");
    auto ac = cols("attempts");
    auto lc = cols("llm_calls");
    auto vc = cols("validations");
    auto xc = cols("artifacts");
    for (auto* c : {&rc, &ac, &lc, &vc, &xc}) {
      if (!*c) return c->error();
    }
    std::vector<std::string> sqls = {
        "SELECT " + RowExpr(*rc, "r") + " FROM " + s + "runs r WHERE r.id = ?",
        "SELECT group_concat(e, char(30)) FROM (SELECT " + RowExpr(*ac, "a") + " AS e FROM " + s +
            "attempts a WHERE a.run_id = ? ORDER BY a.stage, a.number)",
        "SELECT group_concat(e, char(30)) FROM (SELECT " + RowExpr(*lc, "l") + " AS e FROM " + s +
            "llm_calls l JOIN " + s + "attempts a ON l.attempt_id = a.id WHERE a.run_id = ? ORDER BY a.stage, a.number, l.id)",
        "SELECT group_concat(e, char(30)) FROM (SELECT " + RowExpr(*vc, "v") + " AS e FROM " + s +
            "validations v JOIN " + s + "attempts a ON v.attempt_id = a.id WHERE a.run_id = ? ORDER BY a.stage, a.number, v.id)",
        "SELECT group_concat(e, char(30)) FROM (SELECT " + RowExpr(*xc, "x") + " AS e FROM " + s +
            "artifacts x WHERE x.run_id = ? ORDER BY x.sha256, x.name, x.kind)"};
    for (const auto& sql : sqls) {
      auto part = QueryConcat(db_, sql, run_id);
      if (!part) return part.error();
      all += *part;
      all += '\x1d';
    }
    return util::Sha256Hex(all);
  }

  Result<void> Copy(const std::string& label) {
    if (auto r = db_.Exec("CREATE TEMP TABLE take(old_id INTEGER PRIMARY KEY)"); !r) return r;
    // Runs found again with identical content: not copied, but their re-judged verdicts are.
    if (auto r = db_.Exec("CREATE TEMP TABLE same(old_id INTEGER PRIMARY KEY, new_id INTEGER NOT NULL)"); !r) return r;
    // Decide run by run which side of a shared key survives.
    auto src_runs = db_.Prepare("SELECT id, run_key, status FROM src.runs ORDER BY id");
    if (!src_runs) return src_runs.error();
    while (true) {
      auto row = src_runs->Step();
      if (!row) return row.error();
      if (!*row) break;
      int64_t sid = src_runs->ColumnInt(0);
      std::string key = src_runs->ColumnText(1), sstatus = src_runs->ColumnText(2);
      auto find = db_.Prepare("SELECT id, status FROM main.runs WHERE run_key = ?");
      if (!find) return find.error();
      find->Bind(1, key);
      auto found = find->Step();
      if (!found) return found.error();
      bool take = true;
      if (*found) {
        int64_t mid = find->ColumnInt(0);
        std::string mstatus = find->ColumnText(1);
        if (!Finished(sstatus)) {
          take = false;
          ++stats_->unfinished_dropped;
        } else if (!Finished(mstatus)) {
          auto del = db_.Prepare("DELETE FROM main.runs WHERE id = ?");
          if (!del) return del.error();
          del->Bind(1, mid);
          if (auto r = del->Run(); !r) return r;
          ++stats_->replaced;
        } else {
          auto a = Fingerprint("main", mid);
          if (!a) return a.error();
          auto b = Fingerprint("src", sid);
          if (!b) return b.error();
          if (*a != *b) {
            return Error{"merge.conflict", "run '" + key + "' is finished in " + origin_[key] + " (" + mstatus +
                                               ") and in " + label + " (" + sstatus +
                                               ") with different content; merge one of them, or remove the run"};
          }
          take = false;
          ++stats_->identical;
          auto same = db_.Prepare("INSERT INTO temp.same(old_id, new_id) VALUES (?, ?)");
          if (!same) return same.error();
          same->Bind(1, sid).Bind(2, mid);
          if (auto r = same->Run(); !r) return r;
        }
      }
      if (take) {
        auto ins = db_.Prepare("INSERT INTO temp.take(old_id) VALUES (?)");
        if (!ins) return ins.error();
        ins->Bind(1, sid);
        if (auto r = ins->Run(); !r) return r;
        origin_[key] = label;
      }
    }

    std::map<std::string, std::vector<std::string>> cols;
    for (const char* t : kTables) {
      auto a = Columns(db_, "main", t);
      if (!a) return a.error();
      auto b = Columns(db_, "src", t);
      if (!b) return b.error();
      cols[t] = Common(*a, *b, {"id", "run_id", "attempt_id"});
    }
    const auto& rc = cols["runs"];
    const auto& ac = cols["attempts"];
    const auto& lc = cols["llm_calls"];
    const auto& vc = cols["validations"];
    const auto& xc = cols["artifacts"];
    std::vector<std::pair<std::string, int64_t*>> steps = {
        {"INSERT INTO main.runs(" + List(rc) + ") SELECT " + List(rc, "s.") +
             " FROM src.runs s WHERE s.id IN (SELECT old_id FROM temp.take) ORDER BY s.id",
         nullptr},
        {"CREATE TEMP TABLE rmap AS SELECT s.id AS old_id, m.id AS new_id FROM src.runs s"
         " JOIN main.runs m ON m.run_key = s.run_key WHERE s.id IN (SELECT old_id FROM temp.take)",
         nullptr},
        {"INSERT INTO main.attempts(run_id, " + List(ac) + ") SELECT r.new_id, " + List(ac, "a.") +
             " FROM src.attempts a JOIN temp.rmap r ON a.run_id = r.old_id ORDER BY a.id",
         &stats_->attempts},
        {"CREATE TEMP TABLE amap AS SELECT a.id AS old_id, m.id AS new_id FROM src.attempts a"
         " JOIN temp.rmap r ON a.run_id = r.old_id"
         " JOIN main.attempts m ON m.run_id = r.new_id AND m.stage = a.stage AND m.number = a.number",
         nullptr},
        {"INSERT INTO main.llm_calls(attempt_id, " + List(lc) + ") SELECT am.new_id, " + List(lc, "l.") +
             " FROM src.llm_calls l JOIN temp.amap am ON l.attempt_id = am.old_id ORDER BY l.id",
         &stats_->llm_calls},
        {"INSERT INTO main.validations(attempt_id, " + List(vc) + ") SELECT am.new_id, " + List(vc, "v.") +
             " FROM src.validations v JOIN temp.amap am ON v.attempt_id = am.old_id ORDER BY v.id",
         &stats_->validations},
        {"INSERT INTO main.artifacts(run_id, attempt_id, " + List(xc) + ") SELECT r.new_id, am.new_id, " +
             List(xc, "x.") +
             " FROM src.artifacts x JOIN temp.rmap r ON x.run_id = r.old_id"
             " LEFT JOIN temp.amap am ON x.attempt_id = am.old_id ORDER BY x.id",
         &stats_->artifacts},
    };
    for (const auto& [sql, counter] : steps) {
      if (auto r = db_.Exec(sql); !r) return Error{r.error().code, label + ": " + r.error().message};
      if (counter) *counter += db_.Changes();
    }
    if (auto r = CopyRejudged(label); !r) return r;
    auto detached = db_.QueryInt("SELECT COUNT(*) FROM src.llm_calls WHERE attempt_id IS NULL");
    if (!detached) return detached.error();
    stats_->detached_calls += *detached;
    return Ok();
  }

  /// The re-judged verdicts (table `rejudged`, migration 3) of every attempt that is in the output
  /// now: those of the runs just copied and those of identical runs kept from an earlier input.
  /// A verdict is keyed by (attempt, project, tool version): one the output already has is kept
  /// (the first input's), so merging the same stores again adds nothing.
  Result<void> CopyRejudged(const std::string& label) {
    auto has = db_.QueryInt("SELECT COUNT(*) FROM src.sqlite_master WHERE type='table' AND name='rejudged'");
    if (!has) return has.error();
    if (*has == 0) return Ok();  // an input from before migration 3
    auto a = Columns(db_, "main", "rejudged");
    if (!a) return a.error();
    auto b = Columns(db_, "src", "rejudged");
    if (!b) return b.error();
    const auto jc = Common(*a, *b, {"id", "attempt_id"});
    std::vector<std::pair<std::string, int64_t*>> steps = {
        {"CREATE TEMP TABLE jmap AS SELECT old_id, new_id FROM temp.amap UNION ALL"
         " SELECT a.id, m.id FROM src.attempts a JOIN temp.same r ON a.run_id = r.old_id"
         " JOIN main.attempts m ON m.run_id = r.new_id AND m.stage = a.stage AND m.number = a.number",
         nullptr},
        {"INSERT INTO main.rejudged(attempt_id, " + List(jc) + ") SELECT jm.new_id, " + List(jc, "j.") +
             " FROM src.rejudged j JOIN temp.jmap jm ON j.attempt_id = jm.old_id"
             " WHERE NOT EXISTS (SELECT 1 FROM main.rejudged k WHERE k.attempt_id = jm.new_id"
             " AND k.project = j.project AND k.tool_version = j.tool_version) ORDER BY j.id",
         &stats_->rejudged},
    };
    for (const auto& [sql, counter] : steps) {
      if (auto r = db_.Exec(sql); !r) return Error{r.error().code, label + ": " + r.error().message};
      if (counter) *counter += db_.Changes();
    }
    return Ok();
  }

  RunStore* out_;
  Database& db_;
  MergeStats* stats_;
  std::map<std::string, std::string> origin_;  ///< run key → input it came from
};

void RemoveDbFiles(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

}  // namespace

Result<MergeStats> MergeStores(const std::vector<std::string>& inputs, const std::string& output,
                               const MergeOptions& options) {
  if (inputs.empty()) return Error{errc::kUsage, "no input stores given"};
  if (output.empty()) return Error{errc::kUsage, "no output store given (-o FILE)"};
  std::error_code ec;
  const fs::path out_abs = fs::weakly_canonical(fs::absolute(output), ec);
  std::set<fs::path> seen;
  for (const auto& in : inputs) {
    fs::path abs = fs::weakly_canonical(fs::absolute(in), ec);
    if (abs == out_abs) return Error{errc::kUsage, output + ": the output is also an input; write to a new file"};
    if (!seen.insert(abs).second) return Error{errc::kUsage, in + ": given twice"};
    if (!util::PathExists(in)) return Error{errc::kUsage, in + ": no such store"};
  }
  if (util::PathExists(output) && !options.force) {
    return Error{errc::kUsage, output + ": already exists; pass --force to replace it"};
  }

  const std::string tmp = output + ".merge-" + std::to_string(::getpid());
  RemoveDbFiles(tmp);
  MergeStats stats;
  stats.inputs = inputs.size();
  {
    auto out = RunStore::Open(tmp);
    if (!out) return out.error();
    Merger merger(&*out, &stats);
    for (const auto& in : inputs) {
      if (auto r = merger.Add(in, in); !r) {
        out = Error{errc::kStore, "closed"};  // close before removing
        RemoveDbFiles(tmp);
        return r.error();
      }
    }
    auto check = out->CheckIntegrity();
    auto n = out->db().QueryInt("SELECT COUNT(*) FROM runs");
    // One self-contained file to rename: fold the WAL in and leave WAL mode (Open re-enables it).
    auto mode = out->db().QueryText("PRAGMA journal_mode=DELETE");
    if (!check || !n || !mode) {
      out = Error{errc::kStore, "closed"};
      RemoveDbFiles(tmp);
      return !check ? check.error() : !n ? n.error() : mode.error();
    }
    stats.runs = static_cast<size_t>(*n);
  }
  RemoveDbFiles(output);
  fs::rename(tmp, output, ec);
  if (ec) {
    RemoveDbFiles(tmp);
    return Error{errc::kStore, output + ": cannot write: " + ec.message()};
  }
  return stats;
}

}  // namespace autopilot::store
