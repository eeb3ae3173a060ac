// Virtual Nano 33 BLE Sense SDK (autopilot): the Arduino HardwareSerial interface.
#pragma once
#ifdef __cplusplus

#include "Stream.h"

#define SERIAL_8N1 0x800
#define SERIAL_8N2 0x880
#define SERIAL_8E1 0x801
#define SERIAL_8O1 0x802

namespace arduino {

class HardwareSerial : public Stream {
 public:
  virtual void begin(unsigned long) = 0;
  virtual void begin(unsigned long baudrate, uint16_t config) = 0;
  virtual void end() = 0;
  virtual int available(void) = 0;
  virtual int peek(void) = 0;
  virtual int read(void) = 0;
  virtual void flush(void) = 0;
  virtual size_t write(uint8_t) = 0;
  using Print::write;
  virtual operator bool() = 0;
};

}  // namespace arduino
#endif
