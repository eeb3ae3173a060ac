// Virtual board runtime (autopilot): the HS3003 (Arduino_HS300x, Nano 33 BLE Sense Rev2). Each read
// requests a measurement and waits for it as the library does (35 ms, then a status poll and 1 ms);
// the value follows the run's environment stream (columns temperature in °C, humidity in %RH),
// clipped to the sensor's range (-40…125 °C, 0…100 %RH); at rest a quiet room (22 °C, 45 %RH).

#include <Arduino_HS300x.h>
#include <math.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
/// Measurement request, HS300X_DELAY_MEASUREMENT (35 ms), the 4-byte read, HS300X_DELAY_ITERATION.
constexpr uint64_t kMeasurementUs = vboard::I2cWriteUs(1) + 35000 + vboard::I2cReadUs(4) + 1000;

struct Hs3003 {
  bool begun = false;
  vboard::StreamedValue temperature{"temperature", 22.0, -40, 125};
  vboard::StreamedValue humidity{"humidity", 45.0, 0, 100};
};

Hs3003& Chip() {
  static Hs3003 chip;
  return chip;
}
}  // namespace

HS300xClass::HS300xClass(TwoWire& wire) : _wire(&wire), _humidity(0), _temperature(0), _status(0) {}
int HS300xClass::begin() {
  vboard::Advance(kMeasurementUs);  // begin() takes a first measurement
  Chip().begun = true;
  vboard::Event("H", "hs300x.begin");
  return 1;
}
void HS300xClass::end() { Chip().begun = false; }
float HS300xClass::readTemperature(int units) {
  vboard::Advance(kMeasurementUs);
  long row = -1;
  double c = Chip().begun ? Chip().temperature.At(vboard::PlanUs(), &row) : NAN;
  float v = static_cast<float>(units == FAHRENHEIT ? c * 9.0 / 5.0 + 32.0 : c);
  vboard::LogScalarRead("temperature", "HS300x", row, units == FAHRENHEIT ? "F" : "C", v);
  return v;
}
float HS300xClass::readHumidity() {
  vboard::Advance(kMeasurementUs);
  long row = -1;
  float v = static_cast<float>(Chip().begun ? Chip().humidity.At(vboard::PlanUs(), &row) : NAN);
  vboard::LogScalarRead("humidity", "HS300x", row, "%RH", v);
  return v;
}
uint8_t HS300xClass::_readSensor() { return 1; }
int8_t HS300xClass::_measurementReq() { return 1; }
HS300xClass HS300x(Wire1);
