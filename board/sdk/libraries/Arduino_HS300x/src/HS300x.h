// Virtual board SDK (autopilot): Arduino_HS300x public API (HS3003 humidity and temperature).
// Readings follow the run's environment stream; each read waits for a measurement as the real
// library does.
#ifndef VBOARD_HS300X_H_
#define VBOARD_HS300X_H_

#include <Arduino.h>
#include <Wire.h>

enum { FAHRENHEIT, CELSIUS };

class HS300xClass {
 public:
  HS300xClass(TwoWire& wire);

  int begin();
  void end();

  float readTemperature(int units = CELSIUS);
  float readHumidity();

 private:
  TwoWire* _wire;
  float _humidity;
  float _temperature;
  uint8_t _status;
  uint8_t _readSensor();
  int8_t _measurementReq();
};

extern HS300xClass HS300x;

#endif
