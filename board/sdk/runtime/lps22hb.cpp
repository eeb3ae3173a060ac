// Virtual board runtime (autopilot): the LPS22HB barometer (Arduino_LPS22HB, both boards). Each
// readPressure() triggers a one-shot conversion and waits for it as the library does; pressure
// follows the run's environment stream (column pressure, kPa; clipped to 26…126 kPa), the
// temperature its temperature column; at rest sea level (101.325 kPa) and 22 °C. Before begin()
// readPressure() returns 0, as the library does.

#include <Arduino_LPS22HB.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
/// Trigger, poll until the one-shot conversion is done (an estimate), read three bytes.
constexpr uint64_t kPressureUs = vboard::I2cWriteUs(1) + 5000 + 3 * vboard::I2cReadUs(1);

struct Lps22hb {
  vboard::StreamedValue pressure{"pressure", 101.325, 26, 126};
  vboard::StreamedValue temperature{"temperature", 22.0, -40, 85};
};

Lps22hb& Chip() {
  static Lps22hb chip;
  return chip;
}
}  // namespace

LPS22HBClass::LPS22HBClass(TwoWire& wire) : _wire(&wire), _initialized(false) {}
int LPS22HBClass::begin() {
  vboard::Advance(vboard::I2cReadUs(1));
  _initialized = true;
  vboard::Event("H", "lps22hb.begin");
  return 1;
}
void LPS22HBClass::end() { _initialized = false; }
float LPS22HBClass::readPressure(int units) {
  if (!_initialized) {
    vboard::LogScalarRead("pressure", "BARO", -1, "kPa", 0);
    return 0;
  }
  vboard::Advance(kPressureUs);
  long row = -1;
  double kpa = Chip().pressure.At(vboard::PlanUs(), &row);
  float v;
  const char* unit = "kPa";
  if (units == MILLIBAR) {
    v = static_cast<float>(kpa * 10);
    unit = "mbar";
  } else if (units == PSI) {
    v = static_cast<float>(kpa * 0.145038);
    unit = "psi";
  } else {
    v = static_cast<float>(kpa);
  }
  vboard::LogScalarRead("pressure", "BARO", row, unit, v);
  return v;
}
float LPS22HBClass::readTemperature(void) {
  vboard::Advance(2 * vboard::I2cReadUs(1));
  long row = -1;
  float v = static_cast<float>(Chip().temperature.At(vboard::PlanUs(), &row));
  vboard::LogScalarRead("temperature", "BARO", row, "C", v);
  return v;
}
LPS22HBClass BARO(Wire1);
