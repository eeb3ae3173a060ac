// Virtual board runtime (autopilot): the HTS221 (Arduino_HTS221, Nano 33 BLE Sense Rev1). Each
// read triggers a one-shot conversion and waits for it, as the library does; the value follows
// the run's environment stream (columns temperature in °C, humidity in %RH), clipped to the
// sensor's range (-40…120 °C, 0…100 %RH); at rest a quiet room (22 °C, 45 %RH).

#include <Arduino_HTS221.h>
#include <math.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
/// Check the one-shot bit, trigger, wait for the conversion (5 ms: an estimate) polling the
/// status, read the two output bytes.
constexpr uint64_t kReadUs = vboard::I2cReadUs(1) + vboard::I2cWriteUs(1) + 5000 +
                             vboard::I2cReadUs(1) + 2 * vboard::I2cReadUs(1);

struct Hts221 {
  bool begun = false;
  vboard::StreamedValue temperature{"temperature", 22.0, -40, 120};
  vboard::StreamedValue humidity{"humidity", 45.0, 0, 100};
};

Hts221& Chip() {
  static Hts221 chip;
  return chip;
}
}  // namespace

HTS221Class::HTS221Class(TwoWire& wire) : _wire(&wire) {}
int HTS221Class::begin() {
  // Identity, twelve calibration registers, power on.
  vboard::Advance(13 * vboard::I2cReadUs(1) + vboard::I2cWriteUs(1));
  Chip().begun = true;
  vboard::Event("H", "hts221.begin");
  return 1;
}
void HTS221Class::end() { Chip().begun = false; }
float HTS221Class::readTemperature(int units) {
  vboard::Advance(kReadUs);
  long row = -1;
  double c = Chip().begun ? Chip().temperature.At(vboard::PlanUs(), &row) : NAN;
  float v = static_cast<float>(units == FAHRENHEIT ? c * 9.0 / 5.0 + 32.0 : c);
  vboard::LogScalarRead("temperature", "HTS", row, units == FAHRENHEIT ? "F" : "C", v);
  return v;
}
float HTS221Class::readHumidity() {
  vboard::Advance(kReadUs);
  long row = -1;
  float v = static_cast<float>(Chip().begun ? Chip().humidity.At(vboard::PlanUs(), &row) : NAN);
  vboard::LogScalarRead("humidity", "HTS", row, "%RH", v);
  return v;
}
HTS221Class HTS(Wire1);
