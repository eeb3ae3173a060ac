// Virtual Nano 33 BLE Sense SDK (autopilot): Printable interface.
#pragma once
#ifdef __cplusplus
#include <stddef.h>
namespace arduino {
class Print;
class Printable {
 public:
  virtual ~Printable() {}
  virtual size_t printTo(Print& p) const = 0;
};
}  // namespace arduino
#endif
