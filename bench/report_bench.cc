// `autopilot report` on a store of 100 000 attempts (issue 7: < 2 s), against baselines measured in
// the same run on the same store: a COUNT(*) over attempts and reading every attempts row.
//
//   bench_report [--runs-per-cell N] [--reps N] [--keep DIR]

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "autopilot/report/collect.h"
#include "autopilot/report/render.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"

extern char** environ;

namespace {

using namespace autopilot;
using Clock = std::chrono::steady_clock;

const char* const kModels[] = {"gpt-4o", "gpt-4o-mini", "qwen2.5-coder:32b", "llama3.1:8b"};
const char* const kFormats[] = {"plain", "md", "json", "yaml", "xml"};
const char* const kStages[] = {"dp", "mc", "sg"};
const char* const kPresets[] = {"default", "deterministic"};
const char* const kCodes[] = {"build.undeclared",   "build.api_mismatch", "build.missing_header",
                              "format.no_code",     "format.truncated",   "runtime.import",
                              "runtime.value_error", "semantic.wrong_input", "ml.dtype_mismatch",
                              "transport.timeout",  "static.structure",   "data.schema"};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double TimeMedian(int reps, const std::function<bool()>& body) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    if (!body()) return -1;
    times.push_back(Seconds(Clock::now() - t0));
  }
  return Median(times);
}

struct Plan {
  int runs = 0, attempts = 0;
};

// Writes the synthetic sweep: every cell gets `runs_per_cell` runs; attempt counts (1..5) are drawn
// and then nudged to 10/3 attempts per run on average (100 000 in all by default), one LLM call each.
Result<Plan> BuildStore(const std::string& path, int runs_per_cell) {
  auto s = store::RunStore::Open(path);
  if (!s) return s.error();
  std::mt19937 rng(7);
  const int cells = 4 * 5 * 3 * 2;
  const int total_runs = cells * runs_per_cell;
  std::vector<int> used(static_cast<size_t>(total_runs));
  std::uniform_int_distribution<int> attempts_dist(1, 5);
  // 10/3 attempts per run: the default 250 runs per cell give exactly 100 000 attempts.
  const long target = static_cast<long>(total_runs) * 10 / 3;
  long sum = 0;
  for (auto& u : used) sum += (u = attempts_dist(rng));
  std::uniform_int_distribution<size_t> pick(0, used.size() - 1);
  while (sum != target) {
    int& u = used[pick(rng)];
    if (sum < target && u < 5) ++u, ++sum;
    if (sum > target && u > 1) --u, --sum;
  }
  auto& db = s->db();
  Plan plan;
  // Raw prepared statements, reset and re-bound per row: building the store should take seconds.
  struct Stmt {
    sqlite3_stmt* st = nullptr;
    ~Stmt() { sqlite3_finalize(st); }
  } run, att, call;
  auto prepare = [&](Stmt& s_, const char* sql) {
    return sqlite3_prepare_v2(db.handle(), sql, -1, &s_.st, nullptr) == SQLITE_OK;
  };
  auto text = [](Stmt& s_, int i, const std::string& v) {
    sqlite3_bind_text(s_.st, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  };
  auto step = [&](Stmt& s_) -> Result<void> {
    const int rc = sqlite3_step(s_.st);
    sqlite3_reset(s_.st);
    sqlite3_clear_bindings(s_.st);
    if (rc != SQLITE_DONE) return Error{"store", sqlite3_errmsg(db.handle())};
    return Ok();
  };
  auto body = [&]() -> Result<void> {
    if (!prepare(run,
                 "INSERT INTO runs(run_key, sweep, stage, model, format, preset, repetition, status, code,"
                 " started_at, finished_at) VALUES (?,'bench',?,?,?,?,?,?,?,'2025-01-01T00:00:00Z',"
                 "'2025-01-01T00:01:00Z')") ||
        !prepare(att,
                 "INSERT INTO attempts(run_id, stage, number, status, code, started_at, finished_at, wall_ms)"
                 " VALUES (?,?,?,?,?,'2025-01-01T00:00:00Z','2025-01-01T00:00:10Z',?)") ||
        !prepare(call,
                 "INSERT INTO llm_calls(attempt_id, provider, model, request_json, text, input_tokens,"
                 " output_tokens, total_ms, cost_usd, created_at)"
                 " VALUES (?,'openai',?,'{}','',1200,600,1500,0.004,'2025-01-01T00:00:00Z')")) {
      return Error{"store", sqlite3_errmsg(db.handle())};
    }
    std::uniform_real_distribution<double> u01(0.0, 1.0);
    std::uniform_int_distribution<size_t> code_pick(0, std::size(kCodes) - 1);
    size_t index = 0;
    int rep = 0;
    for (int m = 0; m < 4; ++m) {
      for (int f = 0; f < 5; ++f) {
        for (int st = 0; st < 3; ++st) {
          for (int p = 0; p < 2; ++p) {
            const double p_pass = 0.25 + 0.12 * m + 0.05 * f;  // some spread between cells
            for (int r = 0; r < runs_per_cell; ++r, ++index) {
              const int n = used[index];
              const double x = u01(rng);
              const bool unfinished = x < 0.02;
              const bool passed = !unfinished && u01(rng) < p_pass;
              const std::string status = unfinished ? (x < 0.01 ? "running" : "interrupted")
                                         : passed   ? "passed"
                                         : x < 0.05 ? "error"
                                                    : "failed";
              const bool failed = status == "failed" || status == "error";
              text(run, 1, "bench|" + std::to_string(rep) + "|" + kModels[m] + "|" + kFormats[f] + "|" +
                               kStages[st] + "|" + kPresets[p]);
              text(run, 2, kStages[st]);
              text(run, 3, kModels[m]);
              text(run, 4, kFormats[f]);
              text(run, 5, kPresets[p]);
              sqlite3_bind_int(run.st, 6, rep++);
              text(run, 7, status);
              if (failed) text(run, 8, kCodes[code_pick(rng)]);
              if (auto e = step(run); !e) return e;
              const int64_t run_id = db.LastInsertId();
              for (int a = 1; a <= n; ++a) {
                const bool ok = a == n && passed;
                sqlite3_bind_int64(att.st, 1, run_id);
                text(att, 2, kStages[st]);
                sqlite3_bind_int(att.st, 3, a);
                text(att, 4, ok ? "passed" : "failed");
                if (!ok) text(att, 5, kCodes[code_pick(rng)]);
                sqlite3_bind_int(att.st, 6, 2000 + 50 * a);
                if (auto e = step(att); !e) return e;
                sqlite3_bind_int64(call.st, 1, db.LastInsertId());
                text(call, 2, kModels[m]);
                if (auto e = step(call); !e) return e;
                ++plan.attempts;
              }
              ++plan.runs;
            }
          }
        }
      }
    }
    return Ok();
  };
  if (auto r = s->InTransaction(body); !r) return r.error();
  return plan;
}

int Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&quiet);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int runs_per_cell = 250, reps = 5;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs-per-cell")) runs_per_cell = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--keep")) keep = argv[i + 1];
  }
  auto dir = keep.empty() ? util::MakeTempDir("ap-report-bench-") : Result<std::string>(keep);
  if (!dir) {
    std::fprintf(stderr, "report_bench: %s\n", dir.error().message.c_str());
    return 1;
  }
  const std::string path = *dir + "/bench.db";
  std::remove(path.c_str());
  auto t0 = Clock::now();
  auto plan = BuildStore(path, runs_per_cell);
  if (!plan) {
    std::fprintf(stderr, "report_bench: %s\n", plan.error().message.c_str());
    return 1;
  }
  std::printf("store: %d runs, %d attempts (one LLM call each), 120 cells; built in %.2f s\n", plan->runs,
              plan->attempts, Seconds(Clock::now() - t0));

  // Baselines on a fresh connection each time, like the report.
  const double count_s = TimeMedian(reps, [&] {
    auto db = report::OpenStoreForReport(path);
    return db && db->QueryInt("SELECT count(*) FROM attempts").ok();
  });
  int64_t checksum = 0;
  const double scan_s = TimeMedian(reps, [&] {
    auto db = report::OpenStoreForReport(path);
    if (!db) return false;
    auto st = db->Prepare("SELECT id, run_id, stage, number, status, code, wall_ms FROM attempts");
    if (!st) return false;
    while (true) {
      auto row = st->Step();
      if (!row) return false;
      if (!*row) break;
      checksum += st->ColumnInt(6) + static_cast<int64_t>(st->ColumnText(4).size() + st->ColumnText(5).size());
    }
    return true;
  });
  std::printf("\n%-34s %10s\n", "baseline (same store, same run)", "median s");
  std::printf("%-34s %10.4f\n", "SELECT count(*) FROM attempts", count_s);
  std::printf("%-34s %10.4f   (checksum %lld)\n", "read every attempts row", scan_s, static_cast<long long>(checksum));

  std::printf("\n%-8s %12s %14s %14s %10s %12s\n", "format", "in-process s", "x read-all", "x count(*)", "CLI s",
              "bytes");
  bool all_ok = true;
  for (const char* name : {"html", "md", "csv", "json"}) {
    const auto format = *report::ParseFormat(name);
    const std::string out = *dir + "/report." + name;
    size_t bytes = 0;
    const double s = TimeMedian(reps, [&] {
      auto db = report::OpenStoreForReport(path);
      if (!db) return false;
      auto r = report::Collect(*db, path);
      if (!r) return false;
      std::string text = report::Render(*r, format);
      bytes = text.size();
      return util::WriteFileAtomic(out, text).ok();
    });
    const double cli_s = TimeMedian(reps, [&] {
      return Spawn({AUTOPILOT_BINARY, "report", path, "--format", name, "-o", out}) == 0;
    });
    if (s < 0 || cli_s < 0) {
      std::printf("%-8s FAILED\n", name);
      all_ok = false;
      continue;
    }
    all_ok = all_ok && cli_s < 2.0;
    std::printf("%-8s %12.4f %13.1fx %13.1fx %10.4f %12zu\n", name, s, s / scan_s, s / count_s, cli_s, bytes);
  }
  std::printf("\ntarget: the whole command under 2 s for 100 000 attempts: %s\n", all_ok ? "met" : "MISSED");
  if (keep.empty()) util::RemoveTree(*dir);
  return all_ok ? 0 : 1;
}
