// Virtual Nano 33 BLE Sense SDK (autopilot): int overloads kept by the Arduino API for old code.
#pragma once
#ifdef __cplusplus
inline void pinMode(pin_size_t pinNumber, int mode) { pinMode(pinNumber, (PinMode)mode); }
inline void digitalWrite(pin_size_t pinNumber, int status) {
  digitalWrite(pinNumber, (PinStatus)status);
}
#endif
