#include "autopilot/report/rejudged.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace autopilot::report {
namespace {

// One row per run × project × tool version: what the run recorded and how its attempts fared.
constexpr const char* kRunSql = R"sql(
SELECT r.model, r.format, r.stage, r.preset, j.project, j.tool_version, r.status,
       SUM(j.verdict = 'unavailable'),
       SUM(a.status = 'passed' AND j.verdict = 'passed'), SUM(a.status = 'passed' AND j.verdict = 'failed'),
       SUM(a.status <> 'passed' AND j.verdict = 'passed'), SUM(a.status <> 'passed' AND j.verdict = 'failed'),
       SUM(j.ran IS NOT NULL AND j.verdict <> 'unavailable'),
       SUM(j.ran IS NOT NULL AND j.verdict <> 'unavailable' AND j.ran = (a.status = 'passed')),
       SUM(CASE WHEN j.verdict <> 'unavailable' THEN COALESCE(j.duration_ms, 0) ELSE 0 END),
       SUM(a.status = 'passed' AND j.verdict = 'unavailable')
FROM rejudged j JOIN attempts a ON a.id = j.attempt_id JOIN runs r ON r.id = a.run_id
GROUP BY r.id, j.project, j.tool_version
)sql";

constexpr const char* kReasonSql = R"sql(
SELECT j.stage, j.project, j.tool_version, COALESCE(j.code, 'unclassified'), a.id, r.run_key,
       COALESCE(j.message, '')
FROM rejudged j JOIN attempts a ON a.id = j.attempt_id JOIN runs r ON r.id = a.run_id
WHERE a.status = 'passed' AND j.verdict = 'failed'
ORDER BY j.stage, j.project, j.tool_version, j.code, a.id
)sql";

}  // namespace

Result<void> CollectRejudged(store::Database& db, std::vector<RejudgeCell>* cells, std::vector<RejudgeReason>* reasons) {
  auto has = db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rejudged'");
  if (!has) return has.error();
  auto found = has->Step();
  if (!found) return found.error();
  if (!*found) return Ok();

  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, RejudgeCell> by_key;
  std::map<Key, std::pair<int64_t, int64_t>> counts;  // recorded passes, re-judged passes
  auto st = db.Prepare(kRunSql);
  if (!st) return st.error();
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    Key k{st->ColumnText(0), st->ColumnText(1), st->ColumnText(2), st->ColumnText(3), st->ColumnText(4), st->ColumnText(5)};
    RejudgeCell& c = by_key[k];
    std::tie(c.model, c.format, c.stage, c.preset, c.project, c.tool_version) = k;
    const bool run_passed = st->ColumnText(6) == "passed";
    const int64_t pp = st->ColumnInt(8), pf = st->ColumnInt(9);
    c.pass_pass += pp;
    c.pass_fail += pf;
    c.fail_pass += st->ColumnInt(10);
    c.fail_fail += st->ColumnInt(11);
    c.attempts += pp + pf + st->ColumnInt(10) + st->ColumnInt(11);
    c.ran_known += st->ColumnInt(12);
    c.ran_agree += st->ColumnInt(13);
    c.judge_ms += st->ColumnInt(14);
    // A recorded pass that could not be judged here leaves the run out of both rates.
    if (st->ColumnInt(15) > 0) {
      ++c.unavailable;
      continue;
    }
    ++c.runs;
    if (run_passed) {
      ++counts[k].first;
      if (pf == 0 && pp > 0) ++counts[k].second;
    }
  }
  for (auto& [k, c] : by_key) {
    c.recorded = Wilson(counts[k].first, c.runs);
    c.rejudged = Wilson(counts[k].second, c.runs);
    cells->push_back(c);
  }

  std::map<std::tuple<std::string, std::string, std::string, std::string>, RejudgeReason> by_code;
  auto rs = db.Prepare(kReasonSql);
  if (!rs) return rs.error();
  while (true) {
    auto row = rs->Step();
    if (!row) return row.error();
    if (!*row) break;
    auto key = std::make_tuple(rs->ColumnText(0), rs->ColumnText(1), rs->ColumnText(2), rs->ColumnText(3));
    RejudgeReason& r = by_code[key];
    std::tie(r.stage, r.project, r.tool_version, r.code) = key;
    ++r.count;
    if (r.examples.size() < 3) {
      std::string msg = rs->ColumnText(6);
      if (msg.size() > 160) msg = msg.substr(0, 157) + "...";
      r.examples.push_back("attempt " + std::to_string(rs->ColumnInt(4)) + " (" + rs->ColumnText(5) + "): " + msg);
    }
  }
  for (auto& [k, r] : by_code) reasons->push_back(std::move(r));
  std::stable_sort(reasons->begin(), reasons->end(), [](const RejudgeReason& a, const RejudgeReason& b) {
    return std::tie(a.stage, a.project, b.count) < std::tie(b.stage, b.project, a.count);
  });
  return Ok();
}

}  // namespace autopilot::report
