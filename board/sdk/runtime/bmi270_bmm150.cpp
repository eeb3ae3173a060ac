// Virtual board runtime (autopilot): the BMI270 + BMM150 (Arduino_BMI270_BMM150, Nano 33 BLE Sense
// Rev2). As the library's begin() configures them: accelerometer and gyroscope at ODR "100 Hz"
// (±4 g, ±2000 dps), which the library reports — and the virtual sensor delivers — as
// (1 << 8) * 0.39 = 99.84 Hz; the magnetometer at the BMM150's default 10 Hz (±1300 µT on x/y,
// ±2500 µT on z). Readings follow the run's stream in the library's output frame (its Nano 33 BLE
// axis remap already applied), clipped at full scale; at rest a = (0, 0, 1) g, no rotation.
// One-shot mode: *Available() is 1 once per new sample — the data-ready interrupt status is
// cleared by the check itself. Continuous mode: an 8-sample FIFO read in chunks, as the library
// does. The interrupt callback is stored but never raised.

#include <Arduino_BMI270_BMM150.h>
#include <math.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
using vboard::ReadyFlag;
using vboard::SampledAxes;
using vboard::StreamedValue;

/// BMI2_ACC_ODR_100HZ / BMI2_GYR_ODR_100HZ as the library reports them.
constexpr double kImuRateHz = (1 << 8) * 0.39;
/// What the rate calls report when the configuration cannot be read (odr 0): (1 << 0) * 0.39.
constexpr float kUnconfiguredRateHz = static_cast<float>((1 << 0) * 0.39);
constexpr int kFifoFrames = 8;

struct Bmi270Bmm150 {
  SampledAxes accel{"acceleration", "IMU", "g", kImuRateHz,
                    StreamedValue{"ax", 0, -4, 4}, StreamedValue{"ay", 0, -4, 4},
                    StreamedValue{"az", 1, -4, 4}, ReadyFlag::kClearedByCheck};
  SampledAxes gyro{"gyroscope", "IMU", "deg/s", kImuRateHz,
                   StreamedValue{"gx", 0, -2000, 2000}, StreamedValue{"gy", 0, -2000, 2000},
                   StreamedValue{"gz", 0, -2000, 2000}, ReadyFlag::kClearedByCheck};
  SampledAxes mag{"magnetic_field", "IMU", "uT", 10.0,
                  StreamedValue{"mx", 20, -1300, 1300}, StreamedValue{"my", 0, -1300, 1300},
                  StreamedValue{"mz", -40, -2500, 2500}, ReadyFlag::kClearedByCheck};
};

Bmi270Bmm150& Chip() {
  static Bmi270Bmm150 chip;
  return chip;
}
}  // namespace

BoschSensorClass::BoschSensorClass(TwoWire& wire)
    : _wire(&wire), _debug(nullptr), _cb(nullptr), _interruptPin(0), _initialized(false),
      _accelGyro(false), _magnetometer(false), _continuous(false) {}

int BoschSensorClass::begin(CfgBoshSensor_t cfg) {
  _accelGyro = cfg != BOSCH_MAGNETOMETER_ONLY;
  _magnetometer = cfg != BOSCH_ACCELEROMETER_ONLY;
  // bmi270_init() uploads the 8 KB feature configuration over the 100 kHz bus in 30-byte
  // bursts (about 0.8 s); the BMM150 needs a few register accesses.
  if (_accelGyro) vboard::Advance(274 * vboard::I2cWriteUs(30) + 20000);
  if (_magnetometer) vboard::Advance(6 * vboard::I2cReadUs(2) + 4000);
  _initialized = true;
  vboard::Event("H", "bmi270_bmm150.begin");
  return 1;
}
void BoschSensorClass::end() {
  _initialized = _accelGyro = _magnetometer = false;
}
void BoschSensorClass::setContinuousMode() {
  vboard::Advance(4 * vboard::I2cWriteUs(1));
  _continuous = true;
  Chip().accel.StartFifo();
  Chip().gyro.StartFifo();
}
void BoschSensorClass::oneShotMode() {
  vboard::Advance(vboard::I2cWriteUs(1));
  _continuous = false;
}
void BoschSensorClass::debug(Stream& stream) { _debug = &stream; }
void BoschSensorClass::onInterrupt(void (*callback)(void)) { _cb = callback; }
void BoschSensorClass::setInterruptPin(pin_size_t irq_pin) { _interruptPin = irq_pin; }

int BoschSensorClass::readAcceleration(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(12));
  if (!_initialized || !_accelGyro) {
    x = y = z = 0;
    return 0;
  }
  Chip().accel.Read(_continuous, kFifoFrames, &x, &y, &z);
  return 1;
}
int BoschSensorClass::accelerationAvailable() {
  vboard::Advance(vboard::I2cReadUs(2));
  if (!_initialized || !_accelGyro) return 0;
  if (_continuous) return Chip().accel.Queued(kFifoFrames);
  return Chip().accel.Ready() ? 1 : 0;
}
float BoschSensorClass::accelerationSampleRate() {
  vboard::Advance(vboard::I2cReadUs(2));
  return _initialized && _accelGyro ? static_cast<float>(kImuRateHz) : kUnconfiguredRateHz;
}

int BoschSensorClass::readGyroscope(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(12));
  if (!_initialized || !_accelGyro) {
    x = y = z = 0;
    return 0;
  }
  Chip().gyro.Read(_continuous, kFifoFrames, &x, &y, &z);
  return 1;
}
int BoschSensorClass::gyroscopeAvailable() {
  vboard::Advance(vboard::I2cReadUs(2));
  if (!_initialized || !_accelGyro) return 0;
  if (_continuous) return Chip().gyro.Queued(kFifoFrames);
  return Chip().gyro.Ready() ? 1 : 0;
}
float BoschSensorClass::gyroscopeSampleRate() {
  vboard::Advance(vboard::I2cReadUs(2));
  return _initialized && _accelGyro ? static_cast<float>(kImuRateHz) : kUnconfiguredRateHz;
}

int BoschSensorClass::readMagneticField(float& x, float& y, float& z) {
  vboard::Advance(vboard::I2cReadUs(8));
  if (!_initialized || !_magnetometer) {
    x = y = z = 0;
    return 0;
  }
  Chip().mag.Read(false, 0, &x, &y, &z);
  return 1;
}
int BoschSensorClass::magneticFieldAvailable() {
  vboard::Advance(vboard::I2cReadUs(1));
  return _initialized && _magnetometer && Chip().mag.Ready() ? 1 : 0;
}
float BoschSensorClass::magneticFieldSampleRate() {
  vboard::Advance(vboard::I2cReadUs(1));
  return _initialized && _magnetometer ? 10.0f : 0.0f;
}

int8_t BoschSensorClass::configure_sensor(struct bmm150_dev*) { return 0; }
int8_t BoschSensorClass::configure_sensor(struct bmi2_dev*) { return 0; }

BoschSensorClass IMU_BMI270_BMM150(Wire1);
