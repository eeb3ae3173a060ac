// Virtual board SDK (autopilot): Arduino_APDS9960 public API. The sensor reads the scenario the
// virtual board was started with; the register-level API is private, as in the real library.
#ifndef ARDUINO_APDS9960
#define ARDUINO_APDS9960

#include <Arduino.h>
#include <Wire.h>

enum { GESTURE_NONE = -1, GESTURE_UP = 0, GESTURE_DOWN = 1, GESTURE_LEFT = 2, GESTURE_RIGHT = 3 };

class APDS9960 {
 public:
  APDS9960(TwoWire& wire, int intPin);
  virtual ~APDS9960();

  bool begin();
  void end();

  int gestureAvailable();
  int readGesture();

  int colorAvailable();
  bool readColor(int& r, int& g, int& b);
  bool readColor(int& r, int& g, int& b, int& c);

  int proximityAvailable();
  int readProximity();

  void setGestureSensitivity(uint8_t sensitivity);
  void setInterruptPin(int pin);
  bool setLEDBoost(uint8_t boost);

 private:
  bool setGestureIntEnable(bool en);
  bool setGestureMode(bool en);
  int gestureFIFOAvailable();
  int handleGesture();
  bool enablePower();
  bool disablePower();
  bool enableColor();
  bool disableColor();
  bool enableProximity();
  bool disableProximity();
  bool enableWait();
  bool disableWait();
  bool enableGesture();
  bool disableGesture();

  TwoWire& _wire;
  int _intPin;
  bool _begun;
  int _gestureSensitivity;
};

extern APDS9960 APDS;

#endif
