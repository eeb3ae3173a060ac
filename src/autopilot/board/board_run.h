#pragma once
// Running a built sketch on the virtual board: setup() once, loop() until the scenario ends or
// the virtual-time cap, in the sandbox with a wall-clock limit; then the oracle's verdict.
// Scenarios are APDS9960 samples (judged per sample by the colour oracle) and/or time-stamped
// sensor streams (scenario.h); for streams the report carries every value the sketch read
// (RunReport::log.reads) so an oracle can recompute the input the model should have seen.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autopilot/board/host_build.h"
#include "autopilot/board/oracle.h"
#include "autopilot/board/scenario.h"
#include "autopilot/config/project_config.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

struct RunOptions {
  /// A scenario file: APDS9960 samples or a stream CSV (a header with t_ms). May be empty when
  /// stream_paths has one.
  std::string scenario_path;
  /// More time-stamped streams, e.g. the IMU's and the environment's (each column from one file).
  std::vector<std::string> stream_paths;
  std::string features = "ratio";
  /// Class names in output order; empty = the scenario's labels, sorted (the trainer's order).
  std::vector<std::string> classes;
  std::vector<std::string> emojis = {"\xF0\x9F\x8D\x8E", "\xF0\x9F\x8D\x8C", "\xF0\x9F\x8D\x8A"};
  /// The project's window features (dataset.features kind window): a stream-only run is then
  /// judged per window by window_oracle.h, which needs the model like the colour oracle.
  std::optional<config::DatasetSettings> window;
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
  /// "pass" or "fail"; "unjudged" when the run was clean but no oracle applied: the scenario has
  /// no APDS9960 samples and no window spec was given for its stream.
  std::string verdict = "fail";
  bool judged = false;           ///< a per-sample oracle ran (APDS9960 samples, or windows of a stream)
  std::vector<std::string> codes;
  std::string end_reason;
  std::string reason;            ///< one line for people
  int64_t run_ms = 0;
  std::string board;             ///< the board it ran on (BuildResult::board)
  /// The whole event log: serial lines, each Invoke with its input and output tensors, and each
  /// sensor value the sketch read (reads: time, quantity, stream row, values).
  RunLog log;
};

/// Runs `build.binary` against the scenario and judges it. A scenario with APDS9960 samples
/// needs the model (the oracle predicts each sample); a stream-only one does not.
Result<RunReport> RunSketch(const BuildResult& build, const RunOptions& options,
                            exec::ProcessRunner* runner);

}  // namespace autopilot::board
