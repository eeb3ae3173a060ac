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

/// Colour sensor readings at the current virtual time (the plan's APDS9960 segments).
struct SensorState {
  int r, g, b, c, proximity;
  int sample;  ///< the presented scenario sample, -1 for ambient light
};
SensorState Sensor();

/// A column of a time-stamped sensor stream in the plan ("ax", "temperature", …).
struct Channel {
  int stream;  ///< -1: no stream has the column
  int column;
};
/// The stream column called `name`; found once the plan is loaded (not during static init).
Channel FindChannel(const char* name);
/// The channel's value `plan_us` microseconds after setup() returned: the last row at or before
/// that time, held until the next. False — the sensor is at rest — for a negative time (setup()
/// still runs), before the stream's first row, from its end on, and for a channel no stream has.
bool ChannelValue(Channel channel, int64_t plan_us, double* value, long* row);
/// Microseconds since setup() returned (the time base of the plan); -1 while setup() runs.
int64_t PlanUs();
/// The virtual time setup() returned at, 0 while it runs: sensor sample clocks count from it.
uint64_t PlanOriginUs();

/// Logs one value a sketch read from a sensor as the event
/// "D <time_us> <quantity> <object> <row> <unit> <v1>,<v2>,…" (row: the stream row or presented
/// sample it came from, -1 at rest) and counts it per quantity; counts are reported when the run
/// ends ("X … <quantity>_reads=N"), events stop after a cap so a tight read loop stays bounded.
void LogRead(const char* quantity, const char* object, long row, const char* unit,
             const double* values, int count);

/// The model bytes the board was started with (from model.h), or null.
const unsigned char* ModelBytes();
size_t ModelSize();

}  // namespace vboard

namespace vboard {
/// Text the TFLM debug log writes (it goes to Serial on the real board).
void LogText(const char* text);
}  // namespace vboard
