// Virtual board runtime (autopilot): the services behind the SDK — virtual clock, event log,
// scenario-driven sensor state, the model the board was flashed with. Internal to the SDK;
// sketches never include it.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace vboard {

/// Current virtual time in microseconds since reset.
uint64_t NowUs();
/// Advances the virtual clock; ends the run when the scenario or the virtual-time cap is over.
void Advance(uint64_t us);

/// Appends text written to a serial port (0 = USB Serial, 1 = Serial1).
void SerialWrite(int port, const uint8_t* data, size_t size);
/// Writes one event line "<tag> <time_us> <payload>" to the log (flushes pending serial first).
void Event(const char* tag, const char* payload);

/// Colour sensor readings at the current virtual time.
struct SensorState {
  int r, g, b, c, proximity;
};
SensorState Sensor();
void CountSensorRead(const char* what);

/// The model bytes the board was started with (from model.h), or null.
const unsigned char* ModelBytes();
size_t ModelSize();

}  // namespace vboard

namespace vboard {
/// Text the TFLM debug log writes (it goes to Serial on the real board).
void LogText(const char* text);
}  // namespace vboard
