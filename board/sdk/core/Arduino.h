// Virtual Nano 33 BLE Sense SDK (autopilot): Arduino.h of the mbed core for
// arduino:mbed_nano:nano33ble — the public API only, so that code the real core rejects is
// rejected here too.
#ifndef Arduino_h
#define Arduino_h

#include "api/Common.h"

#ifdef __cplusplus
extern "C" {
#endif
char* itoa(int value, char* string, int radix);
char* ltoa(long value, char* string, int radix);
char* utoa(unsigned value, char* string, int radix);
char* ultoa(unsigned long value, char* string, int radix);
char* dtostrf(double val, signed char width, unsigned char prec, char* sout);
#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
#include "api/String.h"
#include "api/Print.h"
#include "api/Stream.h"
#include "api/HardwareSerial.h"
#include "api/Compat.h"
#endif

#include "pins_arduino.h"

#ifdef __cplusplus
namespace arduino {

/// The board's serial ports: USB CDC (`Serial`) and the UART on pins 0/1 (`Serial1`).
class UART : public HardwareSerial {
 public:
  explicit UART(int port) : port_(port) {}
  void begin(unsigned long baudrate) override;
  void begin(unsigned long baudrate, uint16_t config) override;
  void end() override;
  int available(void) override;
  int peek(void) override;
  int read(void) override;
  void flush(void) override;
  size_t write(uint8_t c) override;
  size_t write(const uint8_t* buffer, size_t size) override;
  using Print::write;
  operator bool() override;
  int availableForWrite() override { return 256; }

 private:
  int port_;
};

}  // namespace arduino

using namespace arduino;

extern arduino::UART SerialUSB;
extern arduino::UART Serial1;
#define Serial SerialUSB

#endif  // __cplusplus

#endif  // Arduino_h
