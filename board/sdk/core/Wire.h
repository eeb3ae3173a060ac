// Virtual Nano 33 BLE Sense SDK (autopilot): the Wire (I2C) library of the mbed core.
#pragma once
#include "Arduino.h"

#ifdef __cplusplus
namespace arduino {

/// The I2C bus interface; sensor traffic is simulated above it, so the bus itself is inert.
class HardwareI2C : public Stream {
 public:
  virtual void begin() = 0;
  virtual void begin(uint8_t address) = 0;
  virtual void end() = 0;
  virtual void setClock(uint32_t freq) = 0;
  virtual void beginTransmission(uint8_t address) = 0;
  virtual uint8_t endTransmission(bool stopBit) = 0;
  virtual uint8_t endTransmission(void) = 0;
  virtual size_t requestFrom(uint8_t address, size_t len, bool stopBit) = 0;
  virtual size_t requestFrom(uint8_t address, size_t len) = 0;
  virtual void onReceive(void (*)(int)) = 0;
  virtual void onRequest(void (*)(void)) = 0;
};

class MbedI2C : public HardwareI2C {
 public:
  MbedI2C(int sda, int scl) : sda_(sda), scl_(scl) {}
  void begin() override;
  void begin(uint8_t address) override;
  void end() override;
  void setClock(uint32_t freq) override;
  void beginTransmission(uint8_t address) override;
  uint8_t endTransmission(bool stopBit) override;
  uint8_t endTransmission(void) override;
  size_t requestFrom(uint8_t address, size_t len, bool stopBit) override;
  size_t requestFrom(uint8_t address, size_t len) override;
  void onReceive(void (*)(int)) override;
  void onRequest(void (*)(void)) override;
  size_t write(uint8_t data) override;
  size_t write(const uint8_t* data, int len);
  using Print::write;
  int read() override;
  int peek() override;
  void flush() override;
  int available() override;

 private:
  int sda_;
  int scl_;
};

}  // namespace arduino

typedef arduino::MbedI2C TwoWire;
extern arduino::MbedI2C Wire;
extern arduino::MbedI2C Wire1;
#endif
