// Virtual board SDK (autopilot): the Arduino_HS300x library's top-level header (the Nano 33 BLE
// Sense Rev2's HS3003 humidity and temperature sensor). Like the real one it only includes HS300x.h.
#ifndef VBOARD_ARDUINO_HS300X_H_
#define VBOARD_ARDUINO_HS300X_H_

#include "HS300x.h"

#endif
