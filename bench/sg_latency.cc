// SG validation latency: stage::SgChain (static → build → run → semantic) on the fruit example's
// reference sketch against its reference artifacts, N times through the sandbox, with the median
// and p90 of the whole chain and of each layer. Baselines in the same run, interleaved with the
// chain: a sandboxed /bin/true (the floor of every sandboxed step; build and run each spawn
// through it) and the static layer alone. Then the latency of failing sketches: the demo's
// recorded first SG reply (fails at build) and its second (fails at the semantic layer).
// Prints a table and JSON lines.
//
// Usage: bench_sg_latency [--n N] [--fail-n M]

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/board/profile.h"
#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/stage/chains.h"
#include "autopilot/stage/reference.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/validate/sketch_static.h"

namespace {

using namespace autopilot;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sg_latency: %s\n", what.c_str());
  std::exit(1);
}

/// Linear interpolation between closest ranks (numpy's default), p in [0, 1].
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double pos = p * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

double MsSince(int64_t t0_us) { return static_cast<double>(util::MonotonicUs() - t0_us) / 1000.0; }

/// One chain run: wall time measured around it, and each layer's own duration.
struct ChainRun {
  double wall_ms = 0;
  std::map<std::string, double> layer_ms;
  std::string verdict;  // "pass" or the first failing layer and code
};

ChainRun RunChain(const config::ProjectConfig& cfg, const stage::SgInputs& in, const std::string& code,
                  exec::ProcessRunner* runner) {
  ChainRun r;
  int64_t t0 = util::MonotonicUs();
  auto layers = stage::SgChain(cfg, in, code, runner);
  r.wall_ms = MsSince(t0);
  r.verdict = "pass";
  for (const auto& l : layers) {
    r.layer_ms[l.layer] = static_cast<double>(l.duration_ms);
    if (!l.passed && r.verdict == "pass") {
      r.verdict = l.layer + ":" + (l.diagnostics.empty() ? "?" : l.diagnostics.front().code);
    }
  }
  if (layers.size() < 4 && r.verdict == "pass") r.verdict = "incomplete";
  return r;
}

std::string SketchFromReply(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) Die(text.error().message);
  auto ex = extract::Extract(*text, extract::Lang::kCpp);
  if (!ex.ok) Die(path + ": " + ex.message);
  return ex.code;
}

struct Row {
  std::string name;
  std::string verdict;
  size_t n = 0;
  double median = 0;
  double p90 = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int n = 20;
  int fail_n = 5;
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) Die(std::string("missing value for ") + argv[i]);
      return argv[++i];
    };
    if (std::strcmp(argv[i], "--n") == 0) {
      n = std::atoi(next());
    } else if (std::strcmp(argv[i], "--fail-n") == 0) {
      fail_n = std::atoi(next());
    } else {
      Die(std::string("unknown argument ") + argv[i] + " (usage: bench_sg_latency [--n N] [--fail-n M])");
    }
  }
  if (n < 1 || fail_n < 0) Die("--n must be positive, --fail-n not negative");

  const std::string src = AUTOPILOT_SOURCE_DIR;
  auto cfg = config::LoadProjectConfig(src + "/examples/fruit/autopilot.yaml");
  if (!cfg) Die(cfg.error().message);
  auto dir = util::MakeTempDir("ap-sg-latency-");
  if (!dir) Die(dir.error().message);
  int64_t tr = util::MonotonicUs();
  auto ref = stage::BuildReference(*cfg, *dir + "/ref");
  if (!ref) Die(ref.error().message);
  double reference_ms = MsSince(tr);
  stage::SgInputs in{ref->int8_model, "", ref->scenario_csv, ref->raw_csv};
  auto sketch = util::ReadFile(src + "/examples/fruit/reference_sketch.ino");
  if (!sketch) Die(sketch.error().message);
  auto profile = board::LoadProfile(cfg->board.profile, cfg->board.model);
  if (!profile) Die(profile.error().message);
  auto model_facts = validate::ModelFactsFromTflite(ref->int8_model, *profile, cfg->model.header_symbol);
  if (!model_facts) Die(model_facts.error().message);

  exec::SandboxRunner runner;
  exec::ProcessRequest true_req;
  true_req.argv = {"/bin/true"};

  // The first chain may build the board SDK cache (once per machine): reported, not counted.
  ChainRun cold = RunChain(*cfg, in, *sketch, &runner);
  if (cold.verdict != "pass") Die("reference sketch did not pass: " + cold.verdict);

  std::vector<double> wall, sandbox_true, static_alone;
  std::map<std::string, std::vector<double>> layer;
  std::vector<double> unaccounted;
  for (int i = 0; i < n; ++i) {
    ChainRun r = RunChain(*cfg, in, *sketch, &runner);
    if (r.verdict != "pass") Die("reference sketch did not pass: " + r.verdict);
    wall.push_back(r.wall_ms);
    double sum = 0;
    for (const auto& [name, ms] : r.layer_ms) {
      layer[name].push_back(ms);
      sum += ms;
    }
    unaccounted.push_back(r.wall_ms - sum);

    int64_t t0 = util::MonotonicUs();
    auto t = runner.Run(true_req);
    if (!t || t->exit_code != 0) Die("sandboxed /bin/true failed");
    sandbox_true.push_back(MsSince(t0));

    t0 = util::MonotonicUs();
    auto st = validate::ValidateSketchStatic(*sketch, *model_facts, *profile, "sketch.ino");
    if (!st || !st->passed) Die("static layer alone did not pass");
    static_alone.push_back(MsSince(t0));
  }

  std::vector<Row> rows;
  rows.push_back({"sandboxed /bin/true (baseline)", "ok", sandbox_true.size(), Percentile(sandbox_true, 0.5),
                  Percentile(sandbox_true, 0.9)});
  rows.push_back({"static layer alone", "pass", static_alone.size(), Percentile(static_alone, 0.5),
                  Percentile(static_alone, 0.9)});
  rows.push_back({"SgChain, reference sketch", "pass", wall.size(), Percentile(wall, 0.5), Percentile(wall, 0.9)});
  for (const std::string name : {"static", "build", "run", "semantic"}) {
    rows.push_back({"  layer " + name, "pass", layer[name].size(), Percentile(layer[name], 0.5),
                    Percentile(layer[name], 0.9)});
  }
  rows.push_back({"  outside the layers", "", unaccounted.size(), Percentile(unaccounted, 0.5),
                  Percentile(unaccounted, 0.9)});

  struct Failing {
    std::string name;
    std::string path;
  };
  const std::vector<Failing> failing = {
      {"SgChain, session/sg-1.md", src + "/examples/fruit/session/sg-1.md"},
      {"SgChain, session/sg-2.md", src + "/examples/fruit/session/sg-2.md"},
  };
  for (const auto& f : failing) {
    if (fail_n == 0) break;
    std::string code = SketchFromReply(f.path);
    std::vector<double> times;
    std::string verdict;
    for (int i = 0; i < fail_n; ++i) {
      ChainRun r = RunChain(*cfg, in, code, &runner);
      if (r.verdict == "pass") Die(f.path + " passed; it is meant to fail");
      verdict = r.verdict;
      times.push_back(r.wall_ms);
    }
    rows.push_back({f.name, verdict, times.size(), Percentile(times, 0.5), Percentile(times, 0.9)});
  }
  util::RemoveTree(*dir);

  const double base = rows.front().median;
  std::printf("SG validation latency (examples/fruit; reference artifacts built in %.0f ms; first chain run %.0f ms, not counted)\n",
              reference_ms, cold.wall_ms);
  std::printf("%-32s %-30s %4s %10s %10s %9s\n", "what", "verdict", "n", "median ms", "p90 ms", "ratio");
  for (const auto& r : rows) {
    std::printf("%-32s %-30s %4zu %10.1f %10.1f %8.1fx\n", r.name.c_str(), r.verdict.c_str(), r.n, r.median, r.p90,
                r.median / base);
  }
  std::printf("(layer durations are whole ms as SgChain reports them; the semantic verdict comes out of the\n"
              " board run, so its own duration is 0 and its time is inside the run layer)\n");
  for (const auto& r : rows) {
    std::string name = r.name;
    name.erase(0, name.find_first_not_of(' '));
    nlohmann::json j{{"bench", "sg_latency"}, {"what", name}, {"verdict", r.verdict}, {"n", r.n},
                     {"median_ms", r.median}, {"p90_ms", r.p90}, {"ratio_to_baseline", r.median / base}};
    std::printf("%s\n", j.dump().c_str());
  }
  std::printf("%s\n", nlohmann::json{{"bench", "sg_latency"}, {"what", "first chain run"}, {"wall_ms", cold.wall_ms}}.dump().c_str());
  return 0;
}
