#include "autopilot/sweep/scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "autopilot/util/clock.h"

namespace autopilot::sweep {
namespace {

bool Finished(const std::string& status) {
  return status == "passed" || status == "failed" || status == "error";
}

int64_t LimitFor(const SchedulerOptions& o, const std::string& provider) {
  auto it = o.concurrency.find(provider);
  if (it == o.concurrency.end()) it = o.concurrency.find("default");
  int64_t n = it == o.concurrency.end() ? 2 : it->second;
  return std::max<int64_t>(1, n);
}

const std::string& ProviderOf(const Cell& c) {
  static const std::string kNone;
  return c.model ? c.model->provider : kNone;
}

/// Removes an unfinished run (and, by cascade, what it recorded) so that a rerun redoes the cell.
Result<void> DropUnfinished(store::RunStore& s, const store::RunKey& key) {
  auto st = s.db().Prepare("DELETE FROM runs WHERE run_key = ? AND status NOT IN ('passed','failed','error')");
  if (!st) return st.error();
  st->Bind(1, key.ToString());
  return st->Run();
}

/// The scheduler's shared state; every field is guarded by `mu`.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<const Cell*> pending;  ///< cells to run, in plan order
  /// Per provider, indexes into `pending` not yet started, in plan order: picking the next cell
  /// costs O(providers), not O(cells).
  std::map<std::string, std::deque<size_t>> queues;
  size_t started = 0;
  std::unordered_map<std::string, int64_t> active;  ///< provider → runs in flight
  size_t in_flight = 0;
  size_t done = 0;
  int consecutive_errors = 0;
  bool stopping = false;
  SweepSummary summary;
  int64_t start_ms = 0;
};

}  // namespace

Result<std::pair<int64_t, double>> SweepSpending(store::RunStore& s, const std::string& sweep_name) {
  auto st = s.db().Prepare(
      "SELECT COALESCE(SUM(COALESCE(l.input_tokens,0) + COALESCE(l.output_tokens,0)),0),"
      " COALESCE(SUM(l.cost_usd),0) FROM llm_calls l JOIN attempts a ON l.attempt_id = a.id"
      " JOIN runs r ON a.run_id = r.id WHERE r.sweep = ? AND r.status IN ('passed','failed','error')");
  if (!st) return st.error();
  st->Bind(1, sweep_name);
  auto row = st->Step();
  if (!row) return row.error();
  return std::pair<int64_t, double>{st->ColumnInt(0), st->ColumnDouble(1)};
}

Result<SweepSummary> RunSweep(const std::string& sweep_name, const std::vector<Cell>& cells,
                              const SchedulerOptions& options, const RunFunction& run) {
  Shared sh;
  sh.start_ms = util::MonotonicMs();
  SweepSummary& sum = sh.summary;
  sum.planned = cells.size();

  // What the store already holds for this sweep: finished cells are skipped, unfinished redone.
  std::unordered_map<std::string, std::string> stored;
  {
    auto s = store::RunStore::Open(options.store_path);
    if (!s) return s.error();
    auto st = s->db().Prepare("SELECT run_key, status FROM runs WHERE sweep = ?");
    if (!st) return st.error();
    st->Bind(1, sweep_name);
    while (true) {
      auto row = st->Step();
      if (!row) return row.error();
      if (!*row) break;
      stored[st->ColumnText(0)] = st->ColumnText(1);
    }
    auto spent = SweepSpending(*s, sweep_name);
    if (!spent) return spent.error();
    sum.tokens = spent->first;
    sum.cost_usd = spent->second;
  }
  for (const auto& c : cells) {
    auto it = stored.find(c.key.ToString());
    if (it != stored.end() && Finished(it->second)) {
      ++sum.already_finished;
      if (it->second == "passed") ++sum.passed_total;
      continue;
    }
    if (it != stored.end()) ++sum.redone;
    sh.pending.push_back(&c);
  }
  for (size_t i = 0; i < sh.pending.size(); ++i) sh.queues[ProviderOf(*sh.pending[i])].push_back(i);
  sh.done = sum.already_finished;

  // Workers: enough to fill every provider's limit, capped by max_parallel and the work.
  std::set<std::string> providers;
  for (const Cell* c : sh.pending) providers.insert(ProviderOf(*c));
  int64_t workers = 0;
  for (const auto& p : providers) workers += LimitFor(options, p);
  if (options.max_parallel > 0) workers = std::min<int64_t>(workers, options.max_parallel);
  workers = std::min<int64_t>(workers, static_cast<int64_t>(sh.pending.size()));

  // Checked under the lock before each start: may set the stop reason.
  auto should_stop = [&]() -> bool {
    if (sh.stopping) return true;
    auto stop = [&](const std::string& reason, const std::string& message) {
      sh.stopping = true;
      sum.stop_reason = reason;
      sum.stop_message = message;
      return true;
    };
    if (options.stop && options.stop->load()) {
      return stop("interrupted", "interrupted: no new runs started; running ones were finished");
    }
    const auto& b = options.budgets;
    if (b.max_tokens > 0 && sum.tokens >= b.max_tokens) {
      return stop("tokens", "token budget reached: " + std::to_string(sum.tokens) + " of " +
                                std::to_string(b.max_tokens) + " tokens spent");
    }
    if (b.max_cost_usd > 0 && sum.cost_usd >= b.max_cost_usd) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "cost budget reached: %.4f of %.4f USD spent", sum.cost_usd,
                    b.max_cost_usd);
      return stop("cost", buf);
    }
    int64_t elapsed = util::MonotonicMs() - sh.start_ms;
    if (b.max_time_s > 0 && static_cast<double>(elapsed) >= b.max_time_s * 1000.0) {
      return stop("time", "time budget reached: " + std::to_string(elapsed / 1000) + " s of " +
                              std::to_string(static_cast<int64_t>(b.max_time_s)) + " s");
    }
    if (options.max_consecutive_errors > 0 && sh.consecutive_errors >= options.max_consecutive_errors) {
      return stop("errors", std::to_string(sh.consecutive_errors) +
                                " runs in a row could not be run; fix the problem and rerun");
    }
    return false;
  };

  std::string open_error;
  auto worker = [&]() {
    auto s = store::RunStore::Open(options.store_path);
    if (!s) {
      std::lock_guard<std::mutex> lk(sh.mu);
      open_error = s.error().message;
      sh.stopping = true;
      sh.cv.notify_all();
      return;
    }
    while (true) {
      std::unique_lock<std::mutex> lk(sh.mu);
      size_t pick = sh.pending.size();
      while (true) {
        if (should_stop()) {
          sh.cv.notify_all();
          return;
        }
        bool any_left = false;
        for (auto& [p, queue] : sh.queues) {
          if (queue.empty()) continue;
          any_left = true;
          // The earliest waiting cell among providers with a free slot.
          if (sh.active[p] < LimitFor(options, p) && (pick == sh.pending.size() || queue.front() < pick)) {
            pick = queue.front();
          }
        }
        if (pick < sh.pending.size()) break;
        if (!any_left) return;
        // Poll so that a stop flag set by a signal handler is seen without a notify.
        sh.cv.wait_for(lk, std::chrono::milliseconds(50));
      }
      const Cell& cell = *sh.pending[pick];
      const std::string provider = ProviderOf(cell);
      sh.queues[provider].pop_front();
      ++sh.started;
      ++sh.active[provider];
      ++sh.in_flight;
      lk.unlock();

      CellOutcome out;
      int64_t t0 = util::MonotonicMs();
      try {
        out = run(cell, *s);
      } catch (const std::exception& e) {
        out = CellOutcome{"error", false, "harness.bug", 0, 0, 0, 0, std::string("run failed: ") + e.what()};
      } catch (...) {
        out = CellOutcome{"error", false, "harness.bug", 0, 0, 0, 0, "run failed: unknown exception"};
      }
      if (out.wall_ms == 0) out.wall_ms = util::MonotonicMs() - t0;
      Result<void> dropped = out.recorded ? Result<void>(Ok()) : DropUnfinished(*s, cell.key);

      lk.lock();
      if (!dropped) {
        // The unfinished row stays; a rerun still redoes it (it is not finished), but say so.
        sum.store_errors.push_back(cell.key.ToString() + ": cannot remove the unfinished run: " +
                                   dropped.error().message);
      }
      --sh.active[provider];
      --sh.in_flight;
      ++sum.ran;
      sum.tokens += out.tokens;
      sum.cost_usd += out.cost_usd;
      if (!out.recorded) {
        ++sum.unrecorded;
        ++sum.errored;
        ++sh.consecutive_errors;
      } else {
        ++sh.done;
        sh.consecutive_errors = 0;
        if (out.status == "passed") {
          ++sum.passed;
          ++sum.passed_total;
        } else if (out.status == "error") {
          ++sum.errored;
        } else {
          ++sum.failed;
        }
      }
      if (options.progress) {
        ProgressEvent ev;
        ev.cell = &cell;
        ev.outcome = out;
        ev.done = sh.done;
        ev.total = sum.planned;
        ev.passed = sum.passed_total;
        ev.elapsed_ms = util::MonotonicMs() - sh.start_ms;
        size_t remaining = sh.pending.size() - sum.ran;
        if (sum.ran > 0) {
          ev.eta_s = static_cast<double>(ev.elapsed_ms) / 1000.0 / static_cast<double>(sum.ran) *
                     static_cast<double>(remaining);
        }
        options.progress(ev);
      }
      sh.cv.notify_all();
    }
  };

  std::vector<std::thread> threads;
  for (int64_t i = 0; i < workers; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (!open_error.empty()) return Error{errc::kStore, open_error};

  // Without workers (nothing to run) a stop reason may still apply, e.g. an interrupt.
  sum.not_started = sh.pending.size() - sh.started;
  if (sum.not_started > 0 && sum.stop_reason.empty()) {
    std::lock_guard<std::mutex> lk(sh.mu);
    should_stop();
  }
  sum.wall_ms = util::MonotonicMs() - sh.start_ms;
  return sum;
}

}  // namespace autopilot::sweep
