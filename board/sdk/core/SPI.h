// Virtual Nano 33 BLE Sense SDK (autopilot): the SPI library of the mbed core (inert bus).
#pragma once
#include "Arduino.h"

#ifdef __cplusplus
#define SPI_MODE0 0
#define SPI_MODE1 1
#define SPI_MODE2 2
#define SPI_MODE3 3
namespace arduino {
class SPISettings {
 public:
  SPISettings(uint32_t clock, BitOrder bitOrder, int dataMode)
      : clock_(clock), order_(bitOrder), mode_(dataMode) {}
  SPISettings() : clock_(4000000), order_(MSBFIRST), mode_(SPI_MODE0) {}

 private:
  uint32_t clock_;
  BitOrder order_;
  int mode_;
};
class MbedSPI {
 public:
  MbedSPI(int miso, int mosi, int sck) : miso_(miso), mosi_(mosi), sck_(sck) {}
  uint8_t transfer(uint8_t data);
  uint16_t transfer16(uint16_t data);
  void transfer(void* buf, size_t count);
  void usingInterrupt(int interruptNumber);
  void notUsingInterrupt(int interruptNumber);
  void beginTransaction(SPISettings settings);
  void endTransaction(void);
  void attachInterrupt();
  void detachInterrupt();
  void begin();
  void end();

 private:
  int miso_, mosi_, sck_;
};
}  // namespace arduino
extern arduino::MbedSPI SPI;
#endif
