// Virtual board runtime (autopilot): Print, Stream, String and the serial/I2C/SPI objects.

#include <Arduino.h>
#include <SPI.h>
#include <Wire.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "vboard.h"

namespace arduino {

// ---- Print ----
size_t Print::write(const uint8_t* buffer, size_t size) {
  size_t n = 0;
  while (size--) {
    if (write(*buffer++)) n++; else break;
  }
  return n;
}
size_t Print::print(const __FlashStringHelper* ifsh) { return print(reinterpret_cast<const char*>(ifsh)); }
size_t Print::print(const String& s) { return write(s.c_str(), s.length()); }
size_t Print::print(const char str[]) { return write(str); }
size_t Print::print(char c) { return write(static_cast<uint8_t>(c)); }
size_t Print::print(unsigned char b, int base) { return print(static_cast<unsigned long>(b), base); }
size_t Print::print(int n, int base) { return print(static_cast<long>(n), base); }
size_t Print::print(unsigned int n, int base) { return print(static_cast<unsigned long>(n), base); }
size_t Print::print(long n, int base) {
  if (base == 0) return write(static_cast<uint8_t>(n));
  if (base == 10 && n < 0) {
    size_t t = print('-');
    return printNumber(0ul - static_cast<unsigned long>(n), 10) + t;
  }
  return printNumber(static_cast<unsigned long>(n), static_cast<uint8_t>(base));
}
size_t Print::print(unsigned long n, int base) {
  if (base == 0) return write(static_cast<uint8_t>(n));
  return printNumber(n, static_cast<uint8_t>(base));
}
size_t Print::print(long long n, int base) {
  if (base == 0) return write(static_cast<uint8_t>(n));
  if (base == 10 && n < 0) {
    size_t t = print('-');
    return printULLNumber(0ull - static_cast<unsigned long long>(n), 10) + t;
  }
  return printULLNumber(static_cast<unsigned long long>(n), static_cast<uint8_t>(base));
}
size_t Print::print(unsigned long long n, int base) {
  if (base == 0) return write(static_cast<uint8_t>(n));
  return printULLNumber(n, static_cast<uint8_t>(base));
}
size_t Print::print(double n, int digits) { return printFloat(n, digits); }
size_t Print::print(const Printable& x) { return x.printTo(*this); }

size_t Print::println(void) { return write("\r\n"); }
size_t Print::println(const __FlashStringHelper* x) { size_t n = print(x); return n + println(); }
size_t Print::println(const String& x) { size_t n = print(x); return n + println(); }
size_t Print::println(const char x[]) { size_t n = print(x); return n + println(); }
size_t Print::println(char x) { size_t n = print(x); return n + println(); }
size_t Print::println(unsigned char x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(int x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(unsigned int x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(long x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(unsigned long x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(long long x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(unsigned long long x, int base) { size_t n = print(x, base); return n + println(); }
size_t Print::println(double x, int digits) { size_t n = print(x, digits); return n + println(); }
size_t Print::println(const Printable& x) { size_t n = print(x); return n + println(); }

size_t Print::printNumber(unsigned long n, uint8_t base) {
  return printULLNumber(n, base);
}
size_t Print::printULLNumber(unsigned long long n, uint8_t base) {
  char buf[8 * sizeof(long long) + 1];
  char* str = &buf[sizeof(buf) - 1];
  *str = '\0';
  if (base < 2) base = 10;
  do {
    unsigned long long m = n;
    n /= base;
    char c = static_cast<char>(m - base * n);
    *--str = static_cast<char>(c < 10 ? c + '0' : c + 'A' - 10);
  } while (n);
  return write(str);
}
size_t Print::printFloat(double number, int digits) {
  if (digits < 0) digits = 2;
  if (isnan(number)) return print("nan");
  if (isinf(number)) return print("inf");
  if (number > 4294967040.0) return print("ovf");
  if (number < -4294967040.0) return print("ovf");
  size_t n = 0;
  if (number < 0.0) {
    n += print('-');
    number = -number;
  }
  double rounding = 0.5;
  for (int i = 0; i < digits; ++i) rounding /= 10.0;
  number += rounding;
  unsigned long int_part = static_cast<unsigned long>(number);
  double remainder = number - static_cast<double>(int_part);
  n += print(int_part);
  if (digits > 0) n += print('.');
  while (digits-- > 0) {
    remainder *= 10.0;
    unsigned int to_print = static_cast<unsigned int>(remainder);
    n += print(to_print);
    remainder -= to_print;
  }
  return n;
}

// ---- Stream (no input ever arrives on the virtual ports) ----
int Stream::timedRead() {
  vboard::Advance(_timeout * 1000ull);
  return read();
}
int Stream::timedPeek() {
  vboard::Advance(_timeout * 1000ull);
  return peek();
}
int Stream::peekNextDigit(LookaheadMode, bool) { return timedPeek(); }
void Stream::setTimeout(unsigned long timeout) { _timeout = timeout; }
bool Stream::find(const char* target) { return find(target, strlen(target)); }
bool Stream::find(const char* target, size_t length) { return findUntil(target, length, nullptr, 0); }
bool Stream::findUntil(const char* target, const char* terminator) {
  return findUntil(target, strlen(target), terminator, terminator ? strlen(terminator) : 0);
}
bool Stream::findUntil(const char*, size_t, const char*, size_t) {
  timedRead();
  return false;
}
long Stream::parseInt(LookaheadMode, char) {
  timedRead();
  return 0;
}
float Stream::parseFloat(LookaheadMode, char) {
  timedRead();
  return 0.0f;
}
size_t Stream::readBytes(char* buffer, size_t length) {
  size_t count = 0;
  while (count < length) {
    int c = timedRead();
    if (c < 0) break;
    *buffer++ = static_cast<char>(c);
    count++;
  }
  return count;
}
size_t Stream::readBytesUntil(char terminator, char* buffer, size_t length) {
  size_t index = 0;
  while (index < length) {
    int c = timedRead();
    if (c < 0 || c == terminator) break;
    *buffer++ = static_cast<char>(c);
    index++;
  }
  return index;
}
String Stream::readString() {
  String ret;
  int c = timedRead();
  while (c >= 0) {
    ret += static_cast<char>(c);
    c = timedRead();
  }
  return ret;
}
String Stream::readStringUntil(char terminator) {
  String ret;
  int c = timedRead();
  while (c >= 0 && c != terminator) {
    ret += static_cast<char>(c);
    c = timedRead();
  }
  return ret;
}

// ---- UART / USB serial ----
void UART::begin(unsigned long) { vboard::Advance(1000); }
void UART::begin(unsigned long baudrate, uint16_t) { begin(baudrate); }
void UART::end() {}
int UART::available(void) {
  vboard::Advance(5);
  return 0;
}
int UART::peek(void) { return -1; }
int UART::read(void) {
  vboard::Advance(5);
  return -1;
}
void UART::flush(void) {}
size_t UART::write(uint8_t c) { return write(&c, 1); }
size_t UART::write(const uint8_t* buffer, size_t size) {
  vboard::SerialWrite(port_, buffer, size);
  vboard::Advance(2 + size / 8);
  return size;
}
UART::operator bool() { return true; }

// ---- String ----
String::String(const char* cstr) : buffer_(nullptr), capacity_(0), len_(0) {
  if (cstr) Assign(cstr, static_cast<unsigned int>(strlen(cstr)));
}
String::String(const char* cstr, unsigned int length) : buffer_(nullptr), capacity_(0), len_(0) {
  if (cstr) Assign(cstr, length);
}
String::String(const String& s) : buffer_(nullptr), capacity_(0), len_(0) { *this = s; }
String::String(const __FlashStringHelper* s) : String(reinterpret_cast<const char*>(s)) {}
String::String(String&& rval) : buffer_(rval.buffer_), capacity_(rval.capacity_), len_(rval.len_) {
  rval.buffer_ = nullptr;
  rval.capacity_ = 0;
  rval.len_ = 0;
}
String::String(char c) : buffer_(nullptr), capacity_(0), len_(0) { Assign(&c, 1); }
static void NumToString(String* s, unsigned long v, int base, bool neg) {
  char buf[72];
  if (neg) {
    buf[0] = '-';
    ultoa(v, buf + 1, base);
  } else {
    ultoa(v, buf, base);
  }
  *s = buf;
}
String::String(unsigned char v, unsigned char base) : buffer_(nullptr), capacity_(0), len_(0) { NumToString(this, v, base, false); }
String::String(int v, unsigned char base) : buffer_(nullptr), capacity_(0), len_(0) {
  bool neg = base == 10 && v < 0;
  NumToString(this, neg ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned int>(v), base, neg);
}
String::String(unsigned int v, unsigned char base) : buffer_(nullptr), capacity_(0), len_(0) { NumToString(this, v, base, false); }
String::String(long v, unsigned char base) : buffer_(nullptr), capacity_(0), len_(0) {
  bool neg = base == 10 && v < 0;
  NumToString(this, neg ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned long>(v), base, neg);
}
String::String(unsigned long v, unsigned char base) : buffer_(nullptr), capacity_(0), len_(0) { NumToString(this, v, base, false); }
String::String(float v, unsigned char places) : String(static_cast<double>(v), places) {}
String::String(double v, unsigned char places) : buffer_(nullptr), capacity_(0), len_(0) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", places, v);
  *this = buf;
}
String::~String(void) { free(buffer_); }

bool String::reserve(unsigned int size) {
  if (buffer_ && capacity_ >= size) return true;
  char* nb = static_cast<char*>(realloc(buffer_, size + 1));
  if (!nb) return false;
  if (!buffer_) nb[0] = 0;
  buffer_ = nb;
  capacity_ = size;
  return true;
}
void String::Assign(const char* cstr, unsigned int length) {
  if (!reserve(length)) return;
  memmove(buffer_, cstr, length);
  buffer_[length] = 0;
  len_ = length;
}
String& String::operator=(const String& rhs) {
  if (this == &rhs) return *this;
  if (rhs.buffer_) Assign(rhs.buffer_, rhs.len_); else { free(buffer_); buffer_ = nullptr; capacity_ = len_ = 0; }
  return *this;
}
String& String::operator=(const char* cstr) {
  if (cstr) Assign(cstr, static_cast<unsigned int>(strlen(cstr))); else { free(buffer_); buffer_ = nullptr; capacity_ = len_ = 0; }
  return *this;
}
String& String::operator=(const __FlashStringHelper* str) { return *this = reinterpret_cast<const char*>(str); }
String& String::operator=(String&& rval) {
  if (this != &rval) {
    free(buffer_);
    buffer_ = rval.buffer_;
    capacity_ = rval.capacity_;
    len_ = rval.len_;
    rval.buffer_ = nullptr;
    rval.capacity_ = rval.len_ = 0;
  }
  return *this;
}
bool String::concat(const char* cstr, unsigned int length) {
  if (!cstr) return false;
  if (length == 0) return true;
  unsigned int nl = len_ + length;
  if (!reserve(nl)) return false;
  memmove(buffer_ + len_, cstr, length);
  len_ = nl;
  buffer_[len_] = 0;
  return true;
}
bool String::concat(const String& s) { return concat(s.buffer_ ? s.buffer_ : "", s.len_); }
bool String::concat(const char* cstr) { return cstr && concat(cstr, static_cast<unsigned int>(strlen(cstr))); }
bool String::concat(char c) { return concat(&c, 1); }
bool String::concat(unsigned char num) { return concat(String(num)); }
bool String::concat(int num) { return concat(String(num)); }
bool String::concat(unsigned int num) { return concat(String(num)); }
bool String::concat(long num) { return concat(String(num)); }
bool String::concat(unsigned long num) { return concat(String(num)); }
bool String::concat(float num) { return concat(String(num)); }
bool String::concat(double num) { return concat(String(num)); }
bool String::concat(const __FlashStringHelper* str) { return concat(reinterpret_cast<const char*>(str)); }

StringSumHelper& operator+(const StringSumHelper& lhs, const String& rhs) {
  StringSumHelper& a = const_cast<StringSumHelper&>(lhs);
  a.concat(rhs);
  return a;
}
StringSumHelper& operator+(const StringSumHelper& lhs, const char* cstr) {
  StringSumHelper& a = const_cast<StringSumHelper&>(lhs);
  a.concat(cstr);
  return a;
}
StringSumHelper& operator+(const StringSumHelper& lhs, char c) { return lhs + String(c); }
StringSumHelper& operator+(const StringSumHelper& lhs, unsigned char num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, int num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, unsigned int num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, long num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, unsigned long num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, float num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, double num) { return lhs + String(num); }
StringSumHelper& operator+(const StringSumHelper& lhs, const __FlashStringHelper* rhs) {
  return lhs + reinterpret_cast<const char*>(rhs);
}

int String::compareTo(const String& s) const { return strcmp(c_str() ? c_str() : "", s.c_str() ? s.c_str() : ""); }
int String::compareTo(const char* cstr) const { return strcmp(c_str() ? c_str() : "", cstr ? cstr : ""); }
bool String::equals(const String& s) const { return compareTo(s) == 0; }
bool String::equals(const char* cstr) const { return compareTo(cstr) == 0; }
bool String::equalsIgnoreCase(const String& s) const {
  if (len_ != s.len_) return false;
  for (unsigned int i = 0; i < len_; ++i) {
    if (tolower(static_cast<unsigned char>(buffer_[i])) != tolower(static_cast<unsigned char>(s.buffer_[i]))) return false;
  }
  return true;
}
bool String::equalsConstantTime(const String& s) const { return equals(s); }
bool String::startsWith(const String& p) const { return startsWith(p, 0); }
bool String::startsWith(const String& p, unsigned int offset) const {
  if (offset > len_ || p.len_ > len_ - offset || !buffer_ || !p.buffer_) return false;
  return strncmp(buffer_ + offset, p.buffer_, p.len_) == 0;
}
bool String::endsWith(const String& s) const {
  if (len_ < s.len_ || !buffer_ || !s.buffer_) return false;
  return strcmp(buffer_ + len_ - s.len_, s.buffer_) == 0;
}
char String::charAt(unsigned int i) const { return operator[](i); }
void String::setCharAt(unsigned int i, char c) {
  if (i < len_) buffer_[i] = c;
}
char String::operator[](unsigned int i) const { return (i >= len_ || !buffer_) ? 0 : buffer_[i]; }
char& String::operator[](unsigned int i) {
  static char dummy;
  if (i >= len_ || !buffer_) { dummy = 0; return dummy; }
  return buffer_[i];
}
void String::getBytes(unsigned char* buf, unsigned int bufsize, unsigned int index) const {
  if (!bufsize || !buf) return;
  if (index >= len_) { buf[0] = 0; return; }
  unsigned int n = bufsize - 1;
  if (n > len_ - index) n = len_ - index;
  memcpy(buf, buffer_ + index, n);
  buf[n] = 0;
}
int String::indexOf(char c) const { return indexOf(c, 0); }
int String::indexOf(char c, unsigned int from) const {
  if (from >= len_) return -1;
  const char* p = strchr(buffer_ + from, c);
  return p ? static_cast<int>(p - buffer_) : -1;
}
int String::indexOf(const String& s) const { return indexOf(s, 0); }
int String::indexOf(const String& s, unsigned int from) const {
  if (from >= len_ || !s.buffer_) return -1;
  const char* p = strstr(buffer_ + from, s.buffer_);
  return p ? static_cast<int>(p - buffer_) : -1;
}
int String::lastIndexOf(char c) const { return len_ ? lastIndexOf(c, len_ - 1) : -1; }
int String::lastIndexOf(char c, unsigned int from) const {
  if (from >= len_) return -1;
  for (int i = static_cast<int>(from); i >= 0; --i) if (buffer_[i] == c) return i;
  return -1;
}
int String::lastIndexOf(const String& s) const { return len_ >= s.len_ ? lastIndexOf(s, len_ - s.len_) : -1; }
int String::lastIndexOf(const String& s, unsigned int from) const {
  if (s.len_ == 0 || len_ == 0 || s.len_ > len_) return -1;
  if (from >= len_) from = len_ - 1;
  int found = -1;
  for (const char* p = buffer_; p <= buffer_ + from; p++) {
    p = strstr(p, s.buffer_);
    if (!p) break;
    if (static_cast<unsigned int>(p - buffer_) <= from) found = static_cast<int>(p - buffer_);
  }
  return found;
}
String String::substring(unsigned int left, unsigned int right) const {
  if (left > right) { unsigned int t = right; right = left; left = t; }
  String out;
  if (left >= len_) return out;
  if (right > len_) right = len_;
  out.Assign(buffer_ + left, right - left);
  return out;
}
void String::replace(char find, char repl) {
  for (unsigned int i = 0; i < len_; ++i) if (buffer_[i] == find) buffer_[i] = repl;
}
void String::replace(const String& find, const String& repl) {
  if (len_ == 0 || find.len_ == 0) return;
  String out;
  unsigned int i = 0;
  while (i < len_) {
    if (i + find.len_ <= len_ && strncmp(buffer_ + i, find.buffer_, find.len_) == 0) {
      out.concat(repl);
      i += find.len_;
    } else {
      out.concat(buffer_[i]);
      i++;
    }
  }
  *this = out;
}
void String::remove(unsigned int index) { remove(index, static_cast<unsigned int>(-1)); }
void String::remove(unsigned int index, unsigned int count) {
  if (index >= len_) return;
  if (count > len_ - index) count = len_ - index;
  memmove(buffer_ + index, buffer_ + index + count, len_ - index - count + 1);
  len_ -= count;
}
void String::toLowerCase(void) {
  for (unsigned int i = 0; i < len_; ++i) buffer_[i] = static_cast<char>(tolower(static_cast<unsigned char>(buffer_[i])));
}
void String::toUpperCase(void) {
  for (unsigned int i = 0; i < len_; ++i) buffer_[i] = static_cast<char>(toupper(static_cast<unsigned char>(buffer_[i])));
}
void String::trim(void) {
  if (!buffer_ || len_ == 0) return;
  unsigned int b = 0, e = len_;
  while (b < e && isspace(static_cast<unsigned char>(buffer_[b]))) b++;
  while (e > b && isspace(static_cast<unsigned char>(buffer_[e - 1]))) e--;
  len_ = e - b;
  memmove(buffer_, buffer_ + b, len_);
  buffer_[len_] = 0;
}
long String::toInt(void) const { return buffer_ ? atol(buffer_) : 0; }
float String::toFloat(void) const { return static_cast<float>(toDouble()); }
double String::toDouble(void) const { return buffer_ ? atof(buffer_) : 0.0; }

// ---- I2C / SPI (inert) ----
void MbedI2C::begin() {}
void MbedI2C::begin(uint8_t) {}
void MbedI2C::end() {}
void MbedI2C::setClock(uint32_t) {}
void MbedI2C::beginTransmission(uint8_t) {}
uint8_t MbedI2C::endTransmission(bool) { return 0; }
uint8_t MbedI2C::endTransmission(void) { return 0; }
size_t MbedI2C::requestFrom(uint8_t, size_t, bool) { return 0; }
size_t MbedI2C::requestFrom(uint8_t, size_t) { return 0; }
void MbedI2C::onReceive(void (*)(int)) {}
void MbedI2C::onRequest(void (*)(void)) {}
size_t MbedI2C::write(uint8_t) { return 1; }
size_t MbedI2C::write(const uint8_t*, int len) { return static_cast<size_t>(len); }
int MbedI2C::read() { return -1; }
int MbedI2C::peek() { return -1; }
void MbedI2C::flush() {}
int MbedI2C::available() { return 0; }

uint8_t MbedSPI::transfer(uint8_t) { return 0; }
uint16_t MbedSPI::transfer16(uint16_t) { return 0; }
void MbedSPI::transfer(void*, size_t) {}
void MbedSPI::usingInterrupt(int) {}
void MbedSPI::notUsingInterrupt(int) {}
void MbedSPI::beginTransaction(SPISettings) {}
void MbedSPI::endTransaction(void) {}
void MbedSPI::attachInterrupt() {}
void MbedSPI::detachInterrupt() {}
void MbedSPI::begin() {}
void MbedSPI::end() {}

}  // namespace arduino

arduino::UART SerialUSB(0);
arduino::UART Serial1(1);
arduino::MbedI2C Wire(PIN_WIRE_SDA, PIN_WIRE_SCL);
arduino::MbedI2C Wire1(PIN_WIRE_SDA1, PIN_WIRE_SCL1);
arduino::MbedSPI SPI(PIN_SPI_MISO, PIN_SPI_MOSI, PIN_SPI_SCK);
