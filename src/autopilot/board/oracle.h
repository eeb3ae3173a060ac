#pragma once
// The semantic oracle: reads the event log of a virtual-board run and judges, per presented
// sample, whether the sketch ran the model on the task's features and reported the class the
// reference interpreter predicts.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autopilot/board/scenario.h"

namespace autopilot::board {

/// One Invoke() as the board saw it.
struct InvokeRecord {
  int64_t t_us = 0;
  bool ok = false;
  std::string in_type;  ///< "f", "i8", "u8"
  std::vector<double> in;
  std::vector<double> out;
};

/// A line written to Serial, stamped with the virtual time its first byte was written.
struct SerialLine {
  int64_t t_us = 0;
  std::string text;
};

/// One value a sketch read from a sensor (a "D" event): what the library returned, and when.
struct SensorRead {
  int64_t t_us = 0;      ///< virtual time of the read
  std::string quantity;  ///< acceleration, gyroscope, magnetic_field, temperature, humidity, pressure, color, proximity
  std::string object;    ///< the library's object: IMU, HTS, HS300x, BARO, APDS
  /// Where the value came from: the stream row (0-based, in file order) or, for the APDS9960
  /// timeline, the presented sample; -1 when the sensor was at rest (no stream, before or after it).
  long row = -1;
  std::string unit;      ///< of the values as returned: g, deg/s, uT, C, F, %RH, kPa, mbar, psi, counts
  std::vector<double> values;  ///< as the sketch got them (x, y, z; r, g, b[, c]; one value)
};

/// Everything the event log says.
struct RunLog {
  std::vector<SerialLine> serial;
  std::vector<InvokeRecord> invokes;
  int allocations_ok = 0;
  std::vector<std::string> allocation_failures;  ///< "arena_too_small …", "op_missing 9", …
  std::string model_failure;
  int64_t setup_done_us = -1;
  std::string end_reason;  ///< "scenario_end", "virtual_time_cap", "" (did not end cleanly)
  long color_reads = 0;
  int output_reads = 0;
  /// Sensor reads in order; the runtime stops logging them after a cap (read_counts still count).
  std::vector<SensorRead> reads;
  std::map<std::string, long> read_counts;  ///< every read per quantity, from the run's end
};
RunLog ParseEventLog(const std::string& stdout_text);

/// What the oracle expects for one presented sample.
struct Expectation {
  std::vector<float> features;    ///< real-valued task features
  std::vector<double> quantized;  ///< features as the input tensor stores them (if quantized)
  bool input_quantized = false;
  std::string expected_class;     ///< reference interpreter's prediction
};

struct SampleVerdict {
  size_t index = 0;
  bool invoked = false;
  bool input_ok = false;
  std::string expected;
  std::string reported;
  std::string verdict;  ///< "pass" or a semantic.* id
  std::string detail;   ///< why, when the oracle can tell (the first wrong input element, …)
};

/// Judges each sample; `classes` are names, `emojis` their symbols (same order).
std::vector<SampleVerdict> JudgeSamples(const RunLog& log, const Timeline& timeline,
                                        const std::vector<Expectation>& expectations,
                                        const std::vector<std::string>& classes,
                                        const std::vector<std::string>& emojis);

/// The class a serial line reports, "" when none or ambiguous.
std::string ReportedClass(const std::string& line, const std::vector<std::string>& classes,
                          const std::vector<std::string>& emojis);

}  // namespace autopilot::board
