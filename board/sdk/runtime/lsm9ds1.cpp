// Virtual board runtime (autopilot): the LSM9DS1 (Arduino_LSM9DS1, Nano 33 BLE Sense Rev1). As the
// library's begin() configures it: accelerometer and gyroscope at 119 Hz (±4 g, ±2000 dps),
// magnetometer at 20 Hz (±4 gauss = ±400 µT). Readings follow the run's stream (columns ax…gz,
// mx…mz in the library's output frame), clipped at full scale; at rest a = (0, 0, 1) g, no
// rotation. One-shot mode: *Available() is 1 once per new sample until it is read. Continuous
// mode (setContinuousMode): a 32-sample FIFO that keeps the newest samples.

#include <Arduino_LSM9DS1.h>
#include <math.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
using vboard::ReadyFlag;
using vboard::SampledAxes;
using vboard::StreamedValue;

constexpr int kFifoDepth = 32;

struct Lsm9ds1 {
  bool begun = false;
  SampledAxes accel{"acceleration", "IMU", "g", 119.0,
                    StreamedValue{"ax", 0, -4, 4}, StreamedValue{"ay", 0, -4, 4},
                    StreamedValue{"az", 1, -4, 4}, ReadyFlag::kClearedByRead};
  SampledAxes gyro{"gyroscope", "IMU", "deg/s", 119.0,
                   StreamedValue{"gx", 0, -2000, 2000}, StreamedValue{"gy", 0, -2000, 2000},
                   StreamedValue{"gz", 0, -2000, 2000}, ReadyFlag::kClearedByRead};
  SampledAxes mag{"magnetic_field", "IMU", "uT", 20.0,
                  StreamedValue{"mx", 20, -400, 400}, StreamedValue{"my", 0, -400, 400},
                  StreamedValue{"mz", -40, -400, 400}, ReadyFlag::kClearedByRead};
};

Lsm9ds1& Chip() {
  static Lsm9ds1 chip;
  return chip;
}

/// What a read before begin() gives: the bus is down, the library reports NAN and 0.
int Unavailable(float& x, float& y, float& z) {
  x = y = z = NAN;
  return 0;
}
}  // namespace

LSM9DS1Class::LSM9DS1Class(TwoWire& wire) : _wire(&wire), _continuousMode(false) {}
LSM9DS1Class::~LSM9DS1Class() {}

int LSM9DS1Class::begin() {
  // Reset, 10 ms settle, two identity reads, five configuration writes.
  vboard::Advance(10000 + 2 * vboard::I2cReadUs(1) + 7 * vboard::I2cWriteUs(1));
  Chip().begun = true;
  vboard::Event("H", "lsm9ds1.begin");
  return 1;
}
void LSM9DS1Class::end() {
  vboard::Advance(3 * vboard::I2cWriteUs(1));
  Chip().begun = false;
}
void LSM9DS1Class::setContinuousMode() {
  vboard::Advance(2 * vboard::I2cWriteUs(1));
  _continuousMode = true;
  Chip().accel.StartFifo();
  Chip().gyro.StartFifo();
}
void LSM9DS1Class::setOneShotMode() {
  vboard::Advance(2 * vboard::I2cWriteUs(1));
  _continuousMode = false;
}

int LSM9DS1Class::readAcceleration(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(6));
  if (!Chip().begun) return Unavailable(x, y, z);
  Chip().accel.Read(_continuousMode, kFifoDepth, &x, &y, &z);
  return 1;
}
int LSM9DS1Class::accelerationAvailable() {
  vboard::Advance(vboard::I2cReadUs(1));
  if (!Chip().begun) return 0;
  return (_continuousMode ? Chip().accel.Queued(kFifoDepth) > 0 : Chip().accel.Ready()) ? 1 : 0;
}
float LSM9DS1Class::accelerationSampleRate() { return 119.0F; }

int LSM9DS1Class::readGyroscope(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(6));
  if (!Chip().begun) return Unavailable(x, y, z);
  Chip().gyro.Read(_continuousMode, kFifoDepth, &x, &y, &z);
  return 1;
}
int LSM9DS1Class::gyroscopeAvailable() {
  vboard::Advance(vboard::I2cReadUs(1));
  if (!Chip().begun) return 0;
  return (_continuousMode ? Chip().gyro.Queued(kFifoDepth) > 0 : Chip().gyro.Ready()) ? 1 : 0;
}
float LSM9DS1Class::gyroscopeSampleRate() { return 119.0F; }

int LSM9DS1Class::readMagneticField(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(6));
  if (!Chip().begun) return Unavailable(x, y, z);
  Chip().mag.Read(false, 0, &x, &y, &z);
  return 1;
}
int LSM9DS1Class::magneticFieldAvailable() {
  vboard::Advance(vboard::I2cReadUs(1));
  return Chip().begun && Chip().mag.Ready() ? 1 : 0;
}
float LSM9DS1Class::magneticFieldSampleRate() { return 20.0; }

LSM9DS1Class IMU(Wire1);
