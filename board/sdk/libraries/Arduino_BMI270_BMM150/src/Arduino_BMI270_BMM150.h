// Virtual board SDK (autopilot): the Arduino_BMI270_BMM150 library's top-level header (the
// Nano 33 BLE Sense Rev2's IMU). Like the real one it only includes BoschSensorClass.h.
#ifndef VBOARD_ARDUINO_BMI270_BMM150_H_
#define VBOARD_ARDUINO_BMI270_BMM150_H_

#include "BoschSensorClass.h"

#endif
