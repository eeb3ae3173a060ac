// Virtual board SDK (autopilot): Arduino_LSM9DS1 public API (the Nano 33 BLE Sense Rev1's IMU).
// Readings follow the run's IMU stream, at rest (gravity on z) without one.
#ifndef ARDUINO_LSM9DS1_H_
#define ARDUINO_LSM9DS1_H_
#include <Arduino.h>
#include <Wire.h>
class LSM9DS1Class {
 public:
  LSM9DS1Class(TwoWire& wire);
  virtual ~LSM9DS1Class();
  int begin();
  void end();
  void setContinuousMode();
  void setOneShotMode();
  virtual int readAcceleration(float& x, float& y, float& z);
  virtual int accelerationAvailable();
  virtual float accelerationSampleRate();
  virtual int readGyroscope(float& x, float& y, float& z);
  virtual int gyroscopeAvailable();
  virtual float gyroscopeSampleRate();
  virtual int readMagneticField(float& x, float& y, float& z);
  virtual int magneticFieldAvailable();
  virtual float magneticFieldSampleRate();

 private:
  TwoWire* _wire;
  bool _continuousMode;
};
extern LSM9DS1Class IMU;
#endif
