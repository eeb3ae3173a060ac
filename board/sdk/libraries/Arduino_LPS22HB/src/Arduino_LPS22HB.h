// Virtual board SDK (autopilot): Arduino_LPS22HB public API (the barometer). Readings follow the
// run's environment stream.
#ifndef _LPS22HB_H_
#define _LPS22HB_H_
#include <Arduino.h>
#include <Wire.h>
enum { PSI, MILLIBAR, KILOPASCAL };
class LPS22HBClass {
 public:
  LPS22HBClass(TwoWire& wire);
  int begin();
  void end();
  float readPressure(int units = KILOPASCAL);
  float readTemperature(void);

 private:
  TwoWire* _wire;
  bool _initialized;
};
extern LPS22HBClass BARO;
#endif
