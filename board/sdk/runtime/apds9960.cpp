// Virtual board runtime (autopilot): the APDS9960 (Arduino_APDS9960). Colour and proximity follow
// a time-stamped stream when the plan has their columns (red, green, blue, clear; proximity), else
// the plan's segments (each scenario sample presented, then removed); no gesture is ever seen.

#include <Arduino_APDS9960.h>

#include "vboard.h"
#include "vboard_sensors.h"

namespace {
// A new colour/proximity conversion is ready this often (the library's default timing is in
// this range).
constexpr uint64_t kConversionUs = 10000;
uint64_t g_last_color_us = 0;
uint64_t g_last_prox_us = 0;

/// The stream columns; at rest they read as the ambient light of a removed sample.
vboard::StreamedValue g_red{"red", 4, 0, 65535};
vboard::StreamedValue g_green{"green", 4, 0, 65535};
vboard::StreamedValue g_blue{"blue", 3, 0, 65535};
vboard::StreamedValue g_clear{"clear", 10, 0, 65535};
vboard::StreamedValue g_proximity{"proximity", 255, 0, 255};

/// Colour now, from the stream when it has the colour columns, else from the segments; `row` is
/// the stream row or the presented sample (-1: ambient).
vboard::SensorState Color(long* row) {
  vboard::SensorState s = vboard::Sensor();
  *row = s.sample;
  if (vboard::FindChannel("red").stream < 0) return s;
  int64_t t = vboard::PlanUs();
  s.r = static_cast<int>(g_red.At(t, row));
  s.g = static_cast<int>(g_green.At(t, row));
  s.b = static_cast<int>(g_blue.At(t, row));
  s.c = static_cast<int>(g_clear.At(t, row));
  return s;
}

/// Proximity now, from the stream when it has the column, else from the segments.
int Proximity(long* row) {
  vboard::SensorState s = vboard::Sensor();
  *row = s.sample;
  if (vboard::FindChannel("proximity").stream < 0) return s.proximity;
  return static_cast<int>(g_proximity.At(vboard::PlanUs(), row));
}
}  // namespace

APDS9960::APDS9960(TwoWire& wire, int intPin)
    : _wire(wire), _intPin(intPin), _begun(false), _gestureSensitivity(80) {}
APDS9960::~APDS9960() {}
bool APDS9960::begin() {
  vboard::Advance(5000);
  _begun = true;
  vboard::Event("H", "apds.begin");
  return true;
}
void APDS9960::end() { _begun = false; }
int APDS9960::gestureAvailable() {
  vboard::Advance(100);
  return 0;
}
int APDS9960::readGesture() { return GESTURE_NONE; }
int APDS9960::colorAvailable() {
  vboard::Advance(100);
  return (_begun && vboard::NowUs() - g_last_color_us >= kConversionUs) ? 1 : 0;
}
bool APDS9960::readColor(int& r, int& g, int& b) {
  vboard::Advance(200);
  if (!_begun) return false;
  long row = -1;
  vboard::SensorState s = Color(&row);
  r = s.r;
  g = s.g;
  b = s.b;
  g_last_color_us = vboard::NowUs();
  double logged[3] = {static_cast<double>(r), static_cast<double>(g), static_cast<double>(b)};
  vboard::LogRead("color", "APDS", row, "counts", logged, 3);
  return true;
}
bool APDS9960::readColor(int& r, int& g, int& b, int& c) {
  vboard::Advance(200);
  if (!_begun) return false;
  long row = -1;
  vboard::SensorState s = Color(&row);
  r = s.r;
  g = s.g;
  b = s.b;
  c = s.c;
  g_last_color_us = vboard::NowUs();
  double logged[4] = {static_cast<double>(r), static_cast<double>(g), static_cast<double>(b),
                      static_cast<double>(c)};
  vboard::LogRead("color", "APDS", row, "counts", logged, 4);
  return true;
}
int APDS9960::proximityAvailable() {
  vboard::Advance(100);
  return (_begun && vboard::NowUs() - g_last_prox_us >= kConversionUs) ? 1 : 0;
}
int APDS9960::readProximity() {
  vboard::Advance(200);
  if (!_begun) return -1;
  g_last_prox_us = vboard::NowUs();
  long row = -1;
  int p = Proximity(&row);
  vboard::LogScalarRead("proximity", "APDS", row, "counts", p);
  return p;
}
void APDS9960::setGestureSensitivity(uint8_t sensitivity) { _gestureSensitivity = sensitivity; }
void APDS9960::setInterruptPin(int pin) { _intPin = pin; }
bool APDS9960::setLEDBoost(uint8_t boost) { return boost <= 3; }
bool APDS9960::setGestureIntEnable(bool) { return true; }
bool APDS9960::setGestureMode(bool) { return true; }
int APDS9960::gestureFIFOAvailable() { return 0; }
int APDS9960::handleGesture() { return 0; }
bool APDS9960::enablePower() { return true; }
bool APDS9960::disablePower() { return true; }
bool APDS9960::enableColor() { return true; }
bool APDS9960::disableColor() { return true; }
bool APDS9960::enableProximity() { return true; }
bool APDS9960::disableProximity() { return true; }
bool APDS9960::enableWait() { return true; }
bool APDS9960::disableWait() { return true; }
bool APDS9960::enableGesture() { return true; }
bool APDS9960::disableGesture() { return true; }

APDS9960 APDS(Wire1, PIN_INT_APDS);
