#include "autopilot/report/collect.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <tuple>

#include "autopilot/taxonomy/category.h"

namespace autopilot::report {
namespace {

// One row per (cell, run status, attempts used): the per-run sums are computed by SQLite in two
// grouped passes (attempts by run, LLM calls by run) and joined to runs once.
constexpr const char* kCellSql = R"sql(
WITH att AS (
  SELECT run_id, COUNT(*) AS n, TOTAL(wall_ms) AS wall
  FROM attempts GROUP BY run_id),
llm AS (
  SELECT a.run_id AS run_id, COUNT(*) AS calls, TOTAL(c.input_tokens) AS tin,
         TOTAL(c.output_tokens) AS tout, TOTAL(c.total_ms) AS ms, TOTAL(c.cost_usd) AS cost
  FROM llm_calls c JOIN attempts a ON a.id = c.attempt_id GROUP BY a.run_id)
SELECT r.model, r.format, r.stage, r.preset, r.status, COALESCE(att.n, 0) AS used, COUNT(*),
       TOTAL(att.wall), TOTAL(llm.calls), TOTAL(llm.tin), TOTAL(llm.tout), TOTAL(llm.ms),
       TOTAL(llm.cost)
FROM runs r LEFT JOIN att ON att.run_id = r.id LEFT JOIN llm ON llm.run_id = r.id
GROUP BY r.model, r.format, r.stage, r.preset, r.status, used
)sql";

// Every failed attempt's code (whatever became of its run: a failure is an observation), and the
// final code of every run that ended failed or in error.
constexpr const char* kFailureSql = R"sql(
SELECT r.model, r.format, r.stage, r.preset, COALESCE(a.code, ''), 0, COUNT(*)
FROM attempts a JOIN runs r ON r.id = a.run_id
WHERE a.status IN ('failed', 'error')
GROUP BY r.model, r.format, r.stage, r.preset, COALESCE(a.code, '')
UNION ALL
SELECT model, format, stage, preset, COALESCE(code, ''), 1, COUNT(*)
FROM runs WHERE status IN ('failed', 'error')
GROUP BY model, format, stage, preset, COALESCE(code, '')
)sql";

int64_t AsCount(double total) { return std::llround(total); }

Error UsageError(const std::string& path, const std::string& what) {
  return Error{errc::kUsage, path + ": " + what};
}

std::optional<std::string_view> KnownFamily(std::string_view family) {
  for (std::string_view f : taxonomy::Families()) {
    if (f == family) return f;
  }
  return std::nullopt;
}

void Finalize(Cell* c, int max_k) {
  c->success = Wilson(c->passed, c->finished());
  int64_t first = 0;
  for (const auto& [used, n] : c->passed_by_attempts) {
    if (used <= 1) first += n;
  }
  c->first_attempt = Wilson(first, c->finished());
  c->pass_at_k = PassAtK(c->passed_by_attempts, c->finished(), max_k);
  c->mean_attempts_to_success = MeanAttemptsToSuccess(c->passed_by_attempts);
}

std::vector<FormatComparison> CompareFormats(const std::vector<Cell>& cells) {
  // model, stage → format → (passed, finished, unfinished), presets pooled.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::array<int64_t, 3>>>
      groups;
  for (const auto& c : cells) {
    auto& v = groups[{c.key.model, c.key.stage}][c.key.format];
    v[0] += c.passed;
    v[1] += c.finished();
    v[2] += c.unfinished();
  }
  std::vector<FormatComparison> out;
  for (const auto& [group, formats] : groups) {
    size_t first = out.size();
    for (const auto& [format, v] : formats) {
      FormatComparison f;
      f.model = group.first;
      f.stage = group.second;
      f.format = format;
      f.success = Wilson(v[0], v[1]);
      f.unfinished = v[2];
      out.push_back(std::move(f));
    }
    // The best format: highest rate; ties go to more evidence (trials), then to the name order.
    std::optional<size_t> best;
    for (size_t i = first; i < out.size(); ++i) {
      if (!out[i].success.rate) continue;
      if (!best) {
        best = i;
        continue;
      }
      const auto& b = out[*best].success;
      const auto& s = out[i].success;
      if (std::tie(*s.rate, s.trials) > std::tie(*b.rate, b.trials)) best = i;
    }
    if (!best) continue;
    out[*best].best = true;
    for (size_t i = first; i < out.size(); ++i) {
      out[i].vs_best = NewcombeDifference(out[i].success, out[*best].success);
    }
  }
  return out;
}

}  // namespace

std::string FamilyOf(const std::string& code) {
  if (code.empty() || code == "unclassified") return "unknown";
  if (auto cat = taxonomy::FindById(code)) return std::string(taxonomy::Info(*cat).family);
  auto dot = code.find('.');
  if (auto f = KnownFamily(std::string_view(code).substr(0, dot))) return std::string(*f);
  return "unknown";
}

bool CountsAgainstModel(const std::string& code) {
  if (auto cat = taxonomy::FindById(code)) return taxonomy::Info(*cat).counts_against_model;
  std::string family = FamilyOf(code);
  return family != "env" && family != "harness" && family != "transport" && family != "unknown";
}

Result<store::Database> OpenStoreForReport(const std::string& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) {
    return UsageError(path, "no such run store (give the .db file a sweep or run wrote)");
  }
  if (std::filesystem::is_directory(st)) return UsageError(path, "is a directory, not a run store");
  if (::access(path.c_str(), R_OK) != 0) return UsageError(path, "run store is not readable");
  auto db = store::Database::Open(path, /*create=*/false);
  if (!db) return UsageError(path, "cannot open run store: " + db.error().message);
  auto tables = db->QueryInt(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
      " AND name IN ('runs', 'attempts', 'llm_calls')");
  if (!tables) return UsageError(path, "not a readable SQLite run store (" + tables.error().message + ")");
  if (*tables != 3) return UsageError(path, "not an autopilot run store (no runs/attempts/llm_calls tables)");
  return std::move(*db);
}

Result<Report> Collect(store::Database& db, const std::string& label) {
  Report report;
  report.store = label;
  std::map<CellKey, Cell> cells;

  auto st = db.Prepare(kCellSql);
  if (!st) return st.error();
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    CellKey key{st->ColumnText(0), st->ColumnText(1), st->ColumnText(2), st->ColumnText(3)};
    Cell& c = cells[key];
    c.key = key;
    const std::string status = st->ColumnText(4);
    const int used = static_cast<int>(st->ColumnInt(5));
    const int64_t n = st->ColumnInt(6);
    c.runs += n;
    if (status == "running") {
      c.running += n;
      continue;
    }
    if (status == "interrupted") {
      c.interrupted += n;
      continue;
    }
    if (status == "passed") {
      c.passed += n;
      c.passed_by_attempts[used] += n;
    } else if (status == "failed") {
      c.failed += n;
    } else {
      c.errored += n;
    }
    c.attempts += static_cast<int64_t>(used) * n;
    c.max_attempts = std::max(c.max_attempts, used);
    c.wall_ms += AsCount(st->ColumnDouble(7));
    c.llm_calls += AsCount(st->ColumnDouble(8));
    c.input_tokens += AsCount(st->ColumnDouble(9));
    c.output_tokens += AsCount(st->ColumnDouble(10));
    c.llm_ms += AsCount(st->ColumnDouble(11));
    c.cost_usd += st->ColumnDouble(12);
  }

  for (const auto& [key, c] : cells) report.max_attempts = std::max(report.max_attempts, c.max_attempts);
  for (auto& [key, c] : cells) {
    Finalize(&c, report.max_attempts);
    report.runs += c.runs;
    report.finished += c.finished();
    report.passed += c.passed;
    report.unfinished += c.unfinished();
    report.attempts += c.attempts;
    report.cost_usd += c.cost_usd;
    report.cells.push_back(std::move(c));
  }

  auto fs = db.Prepare(kFailureSql);
  if (!fs) return fs.error();
  while (true) {
    auto row = fs->Step();
    if (!row) return row.error();
    if (!*row) break;
    FailureCount f;
    f.key = CellKey{fs->ColumnText(0), fs->ColumnText(1), fs->ColumnText(2), fs->ColumnText(3)};
    f.code = fs->ColumnText(4);
    if (f.code.empty()) f.code = "unclassified";
    f.family = FamilyOf(f.code);
    f.counts_against_model = CountsAgainstModel(f.code);
    f.final_code = fs->ColumnInt(5) != 0;
    f.count = fs->ColumnInt(6);
    report.failures.push_back(std::move(f));
  }
  std::sort(report.failures.begin(), report.failures.end(), [](const FailureCount& a, const FailureCount& b) {
    return std::tie(a.final_code, a.key, a.code) < std::tie(b.final_code, b.key, b.code);
  });

  report.formats = CompareFormats(report.cells);
  if (auto r = CollectRejudged(db, &report.rejudge, &report.rejudge_reasons); !r) return r.error();
  auto contracts = CollectContracts(db);
  if (!contracts) return contracts.error();
  report.contracts = std::move(*contracts);
  return report;
}

}  // namespace autopilot::report
