// Virtual board SDK (autopilot): Arduino_BMI270_BMM150 public API — BMI270 accelerometer and
// gyroscope, BMM150 magnetometer — for the mbed Nano core. Readings follow the run's sensor
// stream. The Bosch driver API (bmi2_*, bmm150_*, their structs) is not modelled: subclasses may
// override configure_sensor() but cannot call into the driver. onInterrupt() takes what sketches
// pass to the real mbed::Callback<void()> (a plain function); the virtual IMU never raises it.
#ifndef VBOARD_BOSCH_SENSOR_CLASS_H_
#define VBOARD_BOSCH_SENSOR_CLASS_H_

#include <Arduino.h>
#include <Wire.h>

typedef enum {
  BOSCH_ACCELEROMETER_ONLY,
  BOSCH_MAGNETOMETER_ONLY,
  BOSCH_ACCEL_AND_MAGN
} CfgBoshSensor_t;

typedef enum {
  BMI270_ACCELEROMETER,
  BMI270_GYROSCOPE,
} BoschSensorType_t;

struct bmi2_dev;
struct bmm150_dev;

class BoschSensorClass {
 public:
  BoschSensorClass(TwoWire& wire = Wire);
  ~BoschSensorClass() {}

  void setContinuousMode();
  void oneShotMode();

  int begin(CfgBoshSensor_t cfg = BOSCH_ACCEL_AND_MAGN);
  void end();

  void debug(Stream&);
  void onInterrupt(void (*callback)(void));
  void setInterruptPin(pin_size_t irq_pin);

  // Accelerometer: g.
  virtual int readAcceleration(float& x, float& y, float& z);
  virtual int accelerationAvailable();
  virtual float accelerationSampleRate();

  // Gyroscope: degrees per second.
  virtual int readGyroscope(float& x, float& y, float& z);
  virtual int gyroscopeAvailable();
  virtual float gyroscopeSampleRate();

  // Magnetometer: micro tesla.
  virtual int readMagneticField(float& x, float& y, float& z);
  virtual int magneticFieldAvailable();
  virtual float magneticFieldSampleRate();

 protected:
  virtual int8_t configure_sensor(struct bmm150_dev* dev);
  virtual int8_t configure_sensor(struct bmi2_dev* dev);

 private:
  TwoWire* _wire;
  Stream* _debug;
  void (*_cb)(void);
  pin_size_t _interruptPin;
  bool _initialized;
  bool _accelGyro;
  bool _magnetometer;
  bool _continuous;
};

extern BoschSensorClass IMU_BMI270_BMM150;
#undef IMU
#define IMU IMU_BMI270_BMM150

#endif
