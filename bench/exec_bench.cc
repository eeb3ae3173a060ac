// Process runner overhead: SandboxRunner vs plain posix_spawn + waitpid, same run, same program.

#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "autopilot/exec/process_runner.h"

extern char** environ;  // NOLINT

namespace {

/// Untimed work between runs (paced variants): when the tool really runs programs it does other
/// things between them.
void Pace(benchmark::State& state, bool paced) {
  if (!paced) return;
  state.PauseTiming();
  ::usleep(3000);
  state.ResumeTiming();
}

void PosixSpawnTrue(benchmark::State& state, bool paced) {
  char arg0[] = "/bin/true";
  char* argv[] = {arg0, nullptr};
  for (auto _ : state) {
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    benchmark::DoNotOptimize(status);
    Pace(state, paced);
  }
}
void BM_PosixSpawnTrue(benchmark::State& state) { PosixSpawnTrue(state, false); }
BENCHMARK(BM_PosixSpawnTrue)->Unit(benchmark::kMicrosecond)->UseRealTime();

void RunSandbox(benchmark::State& state, bool isolate_network, bool fresh_workdir, bool view = true,
                bool pids = true, bool paced = false) {
  autopilot::exec::SandboxRunner runner;
  autopilot::exec::ProcessRequest req;
  req.argv = {"/bin/true"};
  req.policy.isolate_network = isolate_network;
  req.policy.isolate_filesystem = view;
  req.policy.isolate_pids = pids;
  // A given workdir: the benchmark's own (never a shared folder such as /tmp).
  static const std::string kDir = [] {
    char tmpl[] = "/tmp/bench-exec-XXXXXX";
    return std::string(::mkdtemp(tmpl));
  }();
  if (!fresh_workdir) req.workdir = kDir;
  for (auto _ : state) {
    auto r = runner.Run(req);
    if (!r || r->exit_code != 0) {
      state.SkipWithError("sandbox run failed");
      break;
    }
    benchmark::DoNotOptimize(r->wall_ms);
    Pace(state, paced);
  }
}

// The full default policy: fresh temp workdir, network namespace, rlimits, privilege drop.
void BM_SandboxTrueDefault(benchmark::State& state) { RunSandbox(state, true, true); }
BENCHMARK(BM_SandboxTrueDefault)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Without the network namespace (--allow-network) and with a given workdir: the runner's own cost.
void BM_SandboxTrueNoNetns(benchmark::State& state) { RunSandbox(state, false, false); }
BENCHMARK(BM_SandboxTrueNoNetns)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The default with a given workdir: what a fresh temporary workdir (make, hand over, remove) adds.
void BM_SandboxTrueDefaultGivenWorkdir(benchmark::State& state) { RunSandbox(state, true, false); }
BENCHMARK(BM_SandboxTrueDefaultGivenWorkdir)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Paced: 3 ms of untimed work between runs; only the runs are timed.
void BM_SandboxTrueDefaultPaced(benchmark::State& state) { RunSandbox(state, true, true, true, true, true); }
BENCHMARK(BM_SandboxTrueDefaultPaced)->Unit(benchmark::kMicrosecond)->UseRealTime();
void BM_PosixSpawnTruePaced(benchmark::State& state) { PosixSpawnTrue(state, true); }
BENCHMARK(BM_PosixSpawnTruePaced)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Where the cost is: the same run without the filesystem view, and without any namespace.
void BM_SandboxTruePidnsOnly(benchmark::State& state) { RunSandbox(state, false, false, false, true); }
BENCHMARK(BM_SandboxTruePidnsOnly)->Unit(benchmark::kMicrosecond)->UseRealTime();
void BM_SandboxTrueNoNamespaces(benchmark::State& state) { RunSandbox(state, false, false, false, false); }
BENCHMARK(BM_SandboxTrueNoNamespaces)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
