// Sweep scheduling overhead per run: RunSweep with a runner that does a run's store writes and
// nothing else, against the same writes in a plain loop, measured in the same process. Prints
// ms/run and the ratio (the figure to quote).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autopilot/store/run_store.h"
#include "autopilot/sweep/scheduler.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"

namespace {

using namespace autopilot;

/// What a finished one-attempt run writes: the run, an attempt, an LLM call, a validation.
bool Writes(store::RunStore& st, const store::RunKey& key) {
  auto h = st.BeginRun(key, "{}");
  if (!h) return false;
  auto a = st.BeginAttempt(h->id, key.stage, 1);
  if (!a) return false;
  store::LlmCallRecord call;
  call.attempt_id = *a;
  call.provider = "replay";
  call.model = "bench";
  call.request_json = "{}";
  call.text = "void setup() {}";
  call.input_tokens = 100;
  call.output_tokens = 50;
  if (!st.RecordLlmCall(call)) return false;
  store::ValidationRecord v;
  v.attempt_id = *a;
  v.layer = "build";
  v.passed = true;
  if (!st.RecordValidation(v)) return false;
  if (!st.FinishAttempt(*a, "passed", "", {}, "", 1)) return false;
  return st.FinishRun(h->id, "passed").ok();
}

sweep::SweepConfig Config(int runs) {
  sweep::SweepConfig c;
  c.name = "bench";
  sweep::ModelEntry m{"replay:bench.jsonl", "replay:bench.jsonl", "replay", "bench"};
  c.models = {m};
  c.formats = {"json"};
  c.stages = {"sg"};
  c.presets = {"default"};
  c.repetitions = runs;
  return c;
}

double Baseline(const std::string& dir, const std::vector<sweep::Cell>& cells) {
  std::string path = dir + "/baseline.db";
  util::RemoveTree(path);
  auto st = store::RunStore::Open(path);
  if (!st) std::exit(1);
  int64_t t0 = util::MonotonicUs();
  for (const auto& c : cells) {
    if (!Writes(*st, c.key)) std::exit(1);
  }
  return static_cast<double>(util::MonotonicUs() - t0) / 1000.0 / static_cast<double>(cells.size());
}

double Scheduled(const std::string& dir, const std::vector<sweep::Cell>& cells, int parallel) {
  std::string path = dir + "/sweep" + std::to_string(parallel) + ".db";
  util::RemoveTree(path);
  sweep::SchedulerOptions o;
  o.store_path = path;
  o.max_parallel = parallel;
  o.concurrency = {{"default", parallel}};
  o.progress = [](const sweep::ProgressEvent&) {};  // the CLI always has one
  int64_t t0 = util::MonotonicUs();
  auto s = sweep::RunSweep("bench", cells, o, [](const sweep::Cell& c, store::RunStore& st) {
    sweep::CellOutcome out;
    out.status = Writes(st, c.key) ? "passed" : "error";
    out.recorded = out.status == "passed";
    out.attempts = 1;
    return out;
  });
  if (!s || !s->complete()) {
    std::fprintf(stderr, "sweep failed\n");
    std::exit(1);
  }
  return static_cast<double>(util::MonotonicUs() - t0) / 1000.0 / static_cast<double>(cells.size());
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  auto dir = util::MakeTempDir("ap-sweep-bench-");
  if (!dir) return 1;
  auto cfg = Config(runs);
  auto cells = sweep::PlanCells(cfg);
  std::vector<double> base, one, four;
  for (int r = 0; r < reps; ++r) {
    base.push_back(Baseline(*dir, cells));
    one.push_back(Scheduled(*dir, cells, 1));
    four.push_back(Scheduled(*dir, cells, 4));
  }
  util::RemoveTree(*dir);
  double b = Median(base);
  std::printf("%d runs, median of %d\n", runs, reps);
  std::printf("%-34s %10s %7s\n", "", "ms/run", "ratio");
  std::printf("%-34s %10.3f %7.2fx\n", "store writes in a loop (baseline)", b, 1.0);
  std::printf("%-34s %10.3f %7.2fx\n", "sweep scheduler, 1 worker", Median(one), Median(one) / b);
  std::printf("%-34s %10.3f %7.2fx\n", "sweep scheduler, 4 workers", Median(four), Median(four) / b);
  std::printf("scheduling overhead per run (1 worker): %.3f ms\n", Median(one) - b);
  return 0;
}
