// Virtual board SDK (autopilot): Arduino_HTS221 public API (the Nano 33 BLE Sense Rev1's humidity
// and temperature sensor). Readings follow the run's environment stream.
#ifndef _HTS_H_
#define _HTS_H_
#include <Arduino.h>
#include <Wire.h>
enum { FAHRENHEIT, CELSIUS };
class HTS221Class {
 public:
  HTS221Class(TwoWire& wire);
  int begin();
  void end();
  float readTemperature(int units = CELSIUS);
  float readHumidity();

 private:
  TwoWire* _wire;
};
extern HTS221Class HTS;
#endif
