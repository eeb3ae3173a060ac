#pragma once
// Running a built sketch on the virtual board: setup() once, loop() until the scenario ends or
// the virtual-time cap, in the sandbox with a wall-clock limit; then the oracle's verdict.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/board/host_build.h"
#include "autopilot/board/oracle.h"
#include "autopilot/board/scenario.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

struct RunOptions {
  std::string scenario_path;
  std::string features = "ratio";
  /// Class names in output order; empty = the scenario's labels, sorted (the trainer's order).
  std::vector<std::string> classes;
  std::vector<std::string> emojis = {"\xF0\x9F\x8D\x8E", "\xF0\x9F\x8D\x8C", "\xF0\x9F\x8D\x8A"};
  int64_t max_virtual_ms = 0;  ///< 0: the scenario's length plus setup allowance
  double wall_timeout_s = 10;
  Timeline timeline;
};

struct RunReport {
  bool ran = false;              ///< the binary started and ended without crash or hang
  std::string serial;            ///< transcript with virtual timestamps
  int invokes = 0;
  int allocations = 0;
  int output_reads = 0;
  std::vector<SampleVerdict> samples;
  std::string verdict = "fail";  ///< "pass" or "fail"
  std::vector<std::string> codes;
  std::string end_reason;
  std::string reason;            ///< one line for people
  int64_t run_ms = 0;
};

/// Runs `build.binary` against the scenario and judges it.
Result<RunReport> RunSketch(const BuildResult& build, const RunOptions& options,
                            exec::ProcessRunner* runner);

}  // namespace autopilot::board
