// Virtual board runtime (autopilot): reset, the setup()/loop() cycle on a virtual clock, the
// scenario plan that drives the sensors, and the event log the host reads back.
//
// Usage: sketch [--plan FILE] [--model FILE] [--max-virtual-ms N]
// Plan lines (times relative to the end of setup()):
//   "<duration_ms> <r> <g> <b> <clear> <proximity> <sample_index|-1>"  an APDS9960 segment; the
//                                         segments follow each other
//   "stream <end_us> <column>…"           starts a time-stamped sensor stream that lasts until end_us
//   "r <t_us> <value>…"                   one row of the stream above (one value per column,
//                                         times increasing); the row index is its position
// Events on stdout, one per line: "<tag> <time_us> <payload>".

#include "vboard.h"

#include <Arduino.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace vboard {
namespace {

struct Segment {
  uint64_t duration_us;
  SensorState state;
};

/// One time-stamped stream of the plan: rows of values, one per column.
struct StreamData {
  std::vector<std::string> columns;
  std::vector<int64_t> t_us;
  std::vector<double> values;  ///< row-major: row i's column c at i * columns.size() + c
  int64_t end_us = 0;
};

/// Reads logged as "D" events at most (later reads are only counted).
constexpr unsigned long kMaxLoggedReads = 200000;

struct Board {
  uint64_t now_us = 0;
  uint64_t cap_us = 60000000ull;
  bool setup_done = false;
  uint64_t t0_us = 0;
  uint64_t plan_total_us = 0;  ///< how long the plan lasts after setup(): segments and streams
  std::vector<Segment> plan;
  std::vector<StreamData> streams;
  std::vector<unsigned char> model;
  std::string serial_pending;
  uint64_t serial_pending_t = 0;
  std::vector<std::pair<std::string, unsigned long>> read_counts;  ///< per quantity
  unsigned long reads_logged = 0;
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
  // color_reads and proximity_reads are always stated (the colour oracle reads them).
  unsigned long color = 0, proximity = 0;
  std::string others;
  for (const auto& [quantity, n] : b.read_counts) {
    if (quantity == "color") color = n;
    else if (quantity == "proximity") proximity = n;
    else others += " " + quantity + "_reads=" + std::to_string(n);
  }
  std::string counters = "color_reads=" + std::to_string(color) +
                         " proximity_reads=" + std::to_string(proximity) + others +
                         " reads_logged=" + std::to_string(b.reads_logged);
  Event("X", counters.c_str());
  Event("E", reason);
  fflush(stdout);
  _exit(0);
}

/// The whitespace-separated words of a plan line.
std::vector<std::string> Words(const char* line) {
  std::vector<std::string> out;
  std::string word;
  for (const char* p = line; *p; ++p) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
      if (!word.empty()) out.push_back(word);
      word.clear();
    } else {
      word += *p;
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

bool LoadPlan(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return false;
  Board& b = B();
  std::string line;
  char chunk[4096];
  bool ok = true;  // false: a line the host never writes (a stale or foreign plan)
  uint64_t segments_us = 0;
  while (fgets(chunk, sizeof chunk, f)) {
    line += chunk;
    if (line.back() != '\n' && !feof(f)) continue;  // a row longer than the chunk
    std::vector<std::string> w = Words(line.c_str());
    line.clear();
    if (w.empty()) continue;
    if (w[0] == "stream") {
      if (w.size() < 3) {
        ok = false;
        break;
      }
      StreamData st;
      st.end_us = std::max<int64_t>(strtoll(w[1].c_str(), nullptr, 10), 0);
      st.columns.assign(w.begin() + 2, w.end());
      b.plan_total_us = std::max(b.plan_total_us, static_cast<uint64_t>(st.end_us));
      b.streams.push_back(std::move(st));
    } else if (w[0] == "r") {
      if (b.streams.empty() || w.size() != b.streams.back().columns.size() + 2) {
        ok = false;
        break;
      }
      StreamData& st = b.streams.back();
      st.t_us.push_back(strtoll(w[1].c_str(), nullptr, 10));
      for (size_t i = 2; i < w.size(); ++i) st.values.push_back(strtod(w[i].c_str(), nullptr));
    } else {
      Segment s;
      if (w.size() != 7) {
        ok = false;
        break;
      }
      s.duration_us = static_cast<uint64_t>(strtod(w[0].c_str(), nullptr) * 1000.0);
      int* fields[] = {&s.state.r, &s.state.g, &s.state.b, &s.state.c, &s.state.proximity, &s.state.sample};
      for (size_t i = 0; i < 6; ++i) *fields[i] = atoi(w[i + 1].c_str());
      b.plan.push_back(s);
      segments_us += s.duration_us;
      b.plan_total_us = std::max(b.plan_total_us, segments_us);
    }
  }
  fclose(f);
  return ok;
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
  if (b.setup_done && b.plan_total_us > 0 && b.now_us >= b.t0_us + b.plan_total_us) Finish("scenario_end");
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
  SensorState ambient{4, 4, 3, 10, 255, -1};
  if (!b.setup_done || b.plan.empty()) return ambient;
  uint64_t t = b.now_us - b.t0_us;
  for (const Segment& s : b.plan) {
    if (t < s.duration_us) return s.state;
    t -= s.duration_us;
  }
  return ambient;
}

Channel FindChannel(const char* name) {
  const Board& b = B();
  for (size_t s = 0; s < b.streams.size(); ++s) {
    const auto& cols = b.streams[s].columns;
    for (size_t c = 0; c < cols.size(); ++c) {
      if (cols[c] == name) return {static_cast<int>(s), static_cast<int>(c)};
    }
  }
  return {-1, -1};
}

bool ChannelValue(Channel channel, int64_t plan_us, double* value, long* row) {
  const Board& b = B();
  if (channel.stream < 0 || static_cast<size_t>(channel.stream) >= b.streams.size() || plan_us < 0) return false;
  const StreamData& st = b.streams[static_cast<size_t>(channel.stream)];
  if (st.t_us.empty() || plan_us < st.t_us.front() || plan_us >= st.end_us) return false;
  // The last row at or before plan_us.
  size_t i = static_cast<size_t>(std::upper_bound(st.t_us.begin(), st.t_us.end(), plan_us) - st.t_us.begin()) - 1;
  *value = st.values[i * st.columns.size() + static_cast<size_t>(channel.column)];
  *row = static_cast<long>(i);
  return true;
}

int64_t PlanUs() {
  const Board& b = B();
  return b.setup_done ? static_cast<int64_t>(b.now_us - b.t0_us) : -1;
}

uint64_t PlanOriginUs() { return B().setup_done ? B().t0_us : 0; }

void LogRead(const char* quantity, const char* object, long row, const char* unit,
             const double* values, int count) {
  Board& b = B();
  bool counted = false;
  for (auto& [q, n] : b.read_counts) {
    if (q == quantity) {
      ++n;
      counted = true;
      break;
    }
  }
  if (!counted) b.read_counts.emplace_back(quantity, 1);
  if (b.reads_logged >= kMaxLoggedReads) return;
  b.reads_logged++;
  char buf[96];
  snprintf(buf, sizeof buf, "%s %s %ld %s ", quantity, object, row, unit);
  std::string payload = buf;
  for (int i = 0; i < count; ++i) {
    snprintf(buf, sizeof buf, "%s%.9g", i ? "," : "", values[i]);
    payload += buf;
  }
  Event("D", payload.c_str());
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
