// Virtual board runtime (autopilot): what the sensor libraries share — the I2C bus timing, the
// sample clock of a sensor that converts at a fixed rate, and reading streamed values. Internal
// to the SDK's runtime sources; sketches never include it.
#pragma once

#include <stdint.h>

#include "vboard.h"

namespace vboard {

/// Virtual time of a register read of `bytes` bytes on the sensors' I2C bus (Wire1 at 100 kHz:
/// 10 µs a bit, 9 bits a byte, plus the address/register phase and a repeated start).
constexpr uint64_t I2cReadUs(unsigned bytes) { return (29u + 9u * bytes) * 10u; }
/// Virtual time of a register write of `bytes` data bytes.
constexpr uint64_t I2cWriteUs(unsigned bytes) { return (20u + 9u * bytes) * 10u; }

/// How a sensor tells that a new sample exists.
enum class ReadyFlag {
  kClearedByRead,   ///< a data-ready status bit that reading the data clears (LSM9DS1)
  kClearedByCheck,  ///< an interrupt status that reading the status itself clears (BMI270, BMM150)
};

/// A value the sensor holds: streamed when the plan has its column, else at rest.
struct StreamedValue {
  const char* column;
  double rest;
  double min, max;  ///< the sensor saturates outside
  Channel channel = {-1, -1};
  bool resolved = false;

  /// The value `plan_us` after setup() returned (clipped), and the stream row it came from
  /// (-1 at rest).
  double At(int64_t plan_us, long* row) {
    if (!resolved) {
      channel = FindChannel(column);
      resolved = true;
    }
    double v = rest;
    *row = -1;
    if (!ChannelValue(channel, plan_us, &v, row)) v = rest;
    return v < min ? min : (v > max ? max : v);
  }
};

/// Three axes of one quantity a sensor samples at a fixed rate (acceleration, angular rate,
/// magnetic field), fed by the run's stream. Samples happen at the instants k / rate, counted
/// from reset while setup() runs and from the end of setup() afterwards — the time base of the
/// plan, so a stream recorded at the sensor's rate has one row per sample (row k is sample k).
class SampledAxes {
 public:
  SampledAxes(const char* quantity, const char* object, const char* unit, double rate_hz,
              StreamedValue x, StreamedValue y, StreamedValue z, ReadyFlag ready)
      : quantity_(quantity), object_(object), unit_(unit), rate_hz_(rate_hz), axes_{x, y, z},
        ready_(ready) {}

  double rate_hz() const { return rate_hz_; }

  /// One-shot mode: a sample newer than the last one consumed exists. With kClearedByCheck the
  /// check itself consumes it.
  bool Ready() {
    int64_t k = Newest();
    bool ready = k > seen_;
    if (ready_ == ReadyFlag::kClearedByCheck) seen_ = k;
    return ready;
  }

  /// Continuous (FIFO) mode: how many samples wait, at most `depth` (newer ones overwrite the
  /// oldest, as the sensor's FIFO in continuous mode does).
  int Queued(int depth) {
    int64_t k = Newest();
    if (k - popped_ > depth) popped_ = k - depth;
    return static_cast<int>(k - popped_);
  }
  /// The FIFO starts empty.
  void StartFifo() { popped_ = Newest(); }

  /// Reads the newest sample (one-shot) or the oldest queued one (FIFO, `depth` deep), logs it.
  void Read(bool fifo, int depth, float* x, float* y, float* z) {
    int64_t k = Newest();
    int64_t plan_us = PlanUs();
    if (fifo && Queued(depth) > 0) {
      ++popped_;
      if (plan_us >= 0) plan_us = InstantUs(popped_);  // the sample's own time (after setup())
    }
    if (ready_ == ReadyFlag::kClearedByRead) seen_ = k;
    long row = -1;
    float out[3];
    for (int i = 0; i < 3; ++i) {
      long r = -1;
      out[i] = static_cast<float>(axes_[i].At(plan_us, &r));
      if (i == 0) row = r;
    }
    *x = out[0];
    *y = out[1];
    *z = out[2];
    double logged[3] = {out[0], out[1], out[2]};
    LogRead(quantity_, object_, row, unit_, logged, 3);
  }

 private:
  /// Instant of sample k in µs from the clock's origin, rounded as stream times are (µs).
  int64_t InstantUs(int64_t k) const {
    double us = static_cast<double>(k) * 1e6 / rate_hz_;
    return static_cast<int64_t>(us + 0.5);
  }
  /// Index of the newest sample taken by now; restarts the count when setup() returns.
  int64_t Newest() {
    uint64_t origin = PlanOriginUs();
    if (origin != origin_) {
      origin_ = origin;
      seen_ = -1;  // sample 0, at the end of setup(), is new
      popped_ = -1;
    }
    int64_t t = static_cast<int64_t>(NowUs() - origin_);
    int64_t k = static_cast<int64_t>(static_cast<double>(t) * rate_hz_ / 1e6);
    while (InstantUs(k + 1) <= t) ++k;
    while (k > 0 && InstantUs(k) > t) --k;
    return k;
  }

  const char* quantity_;
  const char* object_;
  const char* unit_;
  double rate_hz_;
  StreamedValue axes_[3];
  ReadyFlag ready_;
  uint64_t origin_ = 0;
  int64_t seen_ = -1;    ///< newest sample consumed (one-shot mode)
  int64_t popped_ = -1;  ///< newest sample taken out of the FIFO
};

/// Logs a single-valued read (temperature, humidity, pressure, proximity).
inline void LogScalarRead(const char* quantity, const char* object, long row, const char* unit, double value) {
  LogRead(quantity, object, row, unit, &value, 1);
}

}  // namespace vboard
