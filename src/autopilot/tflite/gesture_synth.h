#pragma once
// A synthetic IMU gesture dataset for the gesture case study (GestureToEmoji's setup: the
// Nano 33 BLE Sense's accelerometer in g and gyroscope in deg/s, 119 readings at 119 Hz captured
// after |aX| + |aY| + |aZ| >= 2.5 g), and live streams of the same gestures for the board.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/tflite/dataset.h"

namespace autopilot::tflite {

struct GestureSynthOptions {
  size_t recordings_per_class = 40;
  uint64_t seed = 1;
  double rate_hz = 119;
  size_t samples = 119;
  /// Known gestures: punch (a forward jab along x), flex (a curl: rotation about y, gravity
  /// swinging from z to x), wave (side-to-side rotation about z).
  std::vector<std::string> gestures = {"punch", "flex"};
};

/// The gestures SynthesizeGestures can make.
std::vector<std::string> KnownGestures();

/// Rows of `recording,t_ms,ax,ay,az,gx,gy,gz,label`: per class `recordings_per_class` captures of
/// `samples` readings (what IMU_Capture records after the trigger), amplitude, speed, timing and
/// wrist orientation varied per recording, sensor noise added, values within the sensor's range
/// (±4 g, ±2000 dps). Same options, same table. Errors name an unknown gesture.
Result<Table> SynthesizeGestures(const GestureSynthOptions& options);

/// A live stream for the virtual board, `t_ms,ax,ay,az,gx,gy,gz,label` at `rate_hz`: `lead_ms`
/// at rest (a = (0, 0, 1) g), then per recording of `captures` (SynthesizeGestures' rows) one
/// triggering reading (|a| sum ≥ `trigger_g`), the recording's readings, and `gap_ms` at rest.
Table GestureStream(const Table& captures, double rate_hz, double trigger_g, double lead_ms = 500,
                    double gap_ms = 1500);

}  // namespace autopilot::tflite
