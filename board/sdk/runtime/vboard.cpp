// Virtual board runtime (autopilot): reset, the setup()/loop() cycle on a virtual clock, the
// scenario plan that drives the sensors, and the event log the host reads back.
//
// Usage: sketch [--plan FILE] [--model FILE] [--max-virtual-ms N]
// Plan lines: "<duration_ms> <r> <g> <b> <clear> <proximity> <sample_index|-1>".
// Events on stdout, one per line: "<tag> <time_us> <payload>".

#include "vboard.h"

#include <Arduino.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace vboard {
namespace {

struct Segment {
  uint64_t duration_us;
  SensorState state;
  int sample;
};

struct Board {
  uint64_t now_us = 0;
  uint64_t cap_us = 60000000ull;
  bool setup_done = false;
  uint64_t t0_us = 0;
  uint64_t plan_total_us = 0;
  std::vector<Segment> plan;
  std::vector<unsigned char> model;
  std::string serial_pending;
  uint64_t serial_pending_t = 0;
  unsigned long color_reads = 0, proximity_reads = 0;
  bool ending = false;
};

Board& B() {
  static Board board;
  return board;
}

void Escape(const std::string& in, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char ch : in) {
    if (ch == '\\') {
      *out += "\\\\";
    } else if (ch == '\n') {
      *out += "\\n";
    } else if (ch == '\r') {
      *out += "\\r";
    } else if (ch < 0x20 || ch == 0x7f) {
      *out += "\\x";
      *out += kHex[ch >> 4];
      *out += kHex[ch & 15];
    } else {
      *out += static_cast<char>(ch);
    }
  }
}

void FlushSerial() {
  Board& b = B();
  if (b.serial_pending.empty()) return;
  std::string line = "S " + std::to_string(b.serial_pending_t) + " ";
  Escape(b.serial_pending, &line);
  line += "\n";
  fwrite(line.data(), 1, line.size(), stdout);
  b.serial_pending.clear();
}

[[noreturn]] void Finish(const char* reason) {
  Board& b = B();
  b.ending = true;
  FlushSerial();
  char buf[128];
  snprintf(buf, sizeof buf, "color_reads=%lu proximity_reads=%lu", b.color_reads, b.proximity_reads);
  Event("X", buf);
  Event("E", reason);
  fflush(stdout);
  _exit(0);
}

bool LoadPlan(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return false;
  double dur;
  Segment s;
  while (fscanf(f, "%lf %d %d %d %d %d %d", &dur, &s.state.r, &s.state.g, &s.state.b, &s.state.c,
                &s.state.proximity, &s.sample) == 7) {
    s.duration_us = static_cast<uint64_t>(dur * 1000.0);
    B().plan.push_back(s);
    B().plan_total_us += s.duration_us;
  }
  fclose(f);
  return true;
}

bool LoadModel(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return false;
  unsigned char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) B().model.insert(B().model.end(), buf, buf + n);
  fclose(f);
  return true;
}

}  // namespace

uint64_t NowUs() { return B().now_us; }

void Advance(uint64_t us) {
  Board& b = B();
  if (b.ending) return;
  b.now_us += us;
  if (b.now_us >= b.cap_us) Finish("virtual_time_cap");
  if (b.setup_done && !b.plan.empty() && b.now_us >= b.t0_us + b.plan_total_us) Finish("scenario_end");
}

void SerialWrite(int port, const uint8_t* data, size_t size) {
  if (port != 0) return;  // Serial1 has nothing attached
  Board& b = B();
  if (b.serial_pending.empty()) b.serial_pending_t = b.now_us;
  b.serial_pending.append(reinterpret_cast<const char*>(data), size);
  if (b.serial_pending.size() > 4096 || memchr(data, '\n', size) != nullptr) FlushSerial();
}

void Event(const char* tag, const char* payload) {
  FlushSerial();
  fprintf(stdout, "%s %llu %s\n", tag, static_cast<unsigned long long>(B().now_us), payload);
}

SensorState Sensor() {
  Board& b = B();
  SensorState ambient{4, 4, 3, 10, 255};
  if (!b.setup_done || b.plan.empty()) return ambient;
  uint64_t t = b.now_us - b.t0_us;
  for (const Segment& s : b.plan) {
    if (t < s.duration_us) return s.state;
    t -= s.duration_us;
  }
  return ambient;
}

void CountSensorRead(const char* what) {
  if (strcmp(what, "color") == 0) B().color_reads++;
  if (strcmp(what, "proximity") == 0) B().proximity_reads++;
}

const unsigned char* ModelBytes() { return B().model.empty() ? nullptr : B().model.data(); }
size_t ModelSize() { return B().model.size(); }

}  // namespace vboard

// ---- Arduino core functions ------------------------------------------------------------------

namespace {
int g_pin_mode[64];
int g_pin_value[64];
unsigned long g_random_state = 1;
}  // namespace

extern "C" {

void init(void) {}
void initVariant(void) {}
void vboard_interrupts(int) {}

void pinMode(pin_size_t pin, PinMode mode) {
  if (pin < 64) g_pin_mode[pin] = mode;
}
void digitalWrite(pin_size_t pin, PinStatus status) {
  if (pin < 64) g_pin_value[pin] = status;
}
PinStatus digitalRead(pin_size_t pin) {
  return (pin < 64 && g_pin_value[pin]) ? HIGH : LOW;
}
int analogRead(pin_size_t pin) {
  vboard::Advance(10);
  return 512 + static_cast<int>(pin);
}
void analogReference(uint8_t) {}
void analogWrite(pin_size_t pin, int value) {
  if (pin < 64) g_pin_value[pin] = value;
}

unsigned long millis(void) {
  vboard::Advance(1);
  return static_cast<unsigned long>(vboard::NowUs() / 1000u);
}
unsigned long micros(void) {
  vboard::Advance(1);
  return static_cast<unsigned long>(vboard::NowUs());
}
void delay(unsigned long ms) { vboard::Advance(static_cast<uint64_t>(ms) * 1000u + 1); }
void delayMicroseconds(unsigned int us) { vboard::Advance(us + 1u); }
unsigned long pulseIn(pin_size_t, uint8_t, unsigned long timeout) {
  vboard::Advance(timeout);
  return 0;
}
unsigned long pulseInLong(pin_size_t, uint8_t, unsigned long timeout) {
  vboard::Advance(timeout);
  return 0;
}
void shiftOut(pin_size_t, pin_size_t, BitOrder, uint8_t) {}
uint8_t shiftIn(pin_size_t, pin_size_t, BitOrder) { return 0; }
void attachInterrupt(pin_size_t, voidFuncPtr, PinStatus) {}
void attachInterruptParam(pin_size_t, voidFuncPtrParam, PinStatus, void*) {}
void detachInterrupt(pin_size_t) {}

static char* ConvertUnsigned(unsigned long value, char* out, int radix, bool negative) {
  char tmp[72];
  int n = 0;
  if (radix < 2 || radix > 36) radix = 10;
  do {
    int d = static_cast<int>(value % static_cast<unsigned long>(radix));
    tmp[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    value /= static_cast<unsigned long>(radix);
  } while (value && n < 70);
  int i = 0;
  if (negative) out[i++] = '-';
  while (n) out[i++] = tmp[--n];
  out[i] = 0;
  return out;
}
char* itoa(int value, char* s, int radix) {
  if (radix == 10 && value < 0) return ConvertUnsigned(0ul - static_cast<unsigned long>(value), s, 10, true);
  return ConvertUnsigned(static_cast<unsigned int>(value), s, radix, false);
}
char* ltoa(long value, char* s, int radix) {
  if (radix == 10 && value < 0) return ConvertUnsigned(0ul - static_cast<unsigned long>(value), s, 10, true);
  return ConvertUnsigned(static_cast<unsigned long>(value), s, radix, false);
}
char* utoa(unsigned value, char* s, int radix) { return ConvertUnsigned(value, s, radix, false); }
char* ultoa(unsigned long value, char* s, int radix) { return ConvertUnsigned(value, s, radix, false); }
char* dtostrf(double val, signed char width, unsigned char prec, char* sout) {
  char fmt[20];
  snprintf(fmt, sizeof fmt, "%%%d.%df", width, prec);
  sprintf(sout, fmt, val);
  return sout;
}

}  // extern "C"

uint16_t makeWord(uint16_t w) { return w; }
uint16_t makeWord(byte h, byte l) { return static_cast<uint16_t>((h << 8) | l); }
void tone(uint8_t, unsigned int, unsigned long) {}
void noTone(uint8_t) {}
void randomSeed(unsigned long seed) {
  if (seed != 0) g_random_state = seed;
}
long random(long howbig) {
  if (howbig <= 0) return 0;
  g_random_state = g_random_state * 1103515245ul + 12345ul;
  return static_cast<long>((g_random_state >> 8) % static_cast<unsigned long>(howbig));
}
long random(long howsmall, long howbig) {
  if (howsmall >= howbig) return howsmall;
  return random(howbig - howsmall) + howsmall;
}
long map(long x, long in_min, long in_max, long out_min, long out_max) {
  if (in_max == in_min) return out_min;
  return (x - in_min) * (out_max - out_min) / (in_max - in_min) + out_min;
}

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--plan") == 0) {
      if (!vboard::LoadPlan(argv[i + 1])) {
        fprintf(stderr, "vboard: cannot read plan %s\n", argv[i + 1]);
        return 90;
      }
    } else if (strcmp(argv[i], "--model") == 0) {
      if (!vboard::LoadModel(argv[i + 1])) {
        fprintf(stderr, "vboard: cannot read model %s\n", argv[i + 1]);
        return 90;
      }
    } else if (strcmp(argv[i], "--max-virtual-ms") == 0) {
      vboard::B().cap_us = strtoull(argv[i + 1], nullptr, 10) * 1000ull;
    }
  }
  vboard::Event("R", "reset");
  setup();
  vboard::Board& b = vboard::B();
  b.t0_us = b.now_us;
  b.setup_done = true;
  vboard::Event("B", "setup_done");
  for (;;) {
    loop();
    vboard::Advance(100);
  }
}

void vboard::LogText(const char* text) {
  SerialWrite(0, reinterpret_cast<const uint8_t*>(text), strlen(text));
}
