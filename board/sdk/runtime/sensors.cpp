// Virtual board runtime (autopilot): the on-board sensors. The APDS9960 follows the scenario;
// the others report a quiet room at rest. ArduinoBLE never sees a central.

#include <ArduinoBLE.h>
#include <Arduino_APDS9960.h>
#include <Arduino_HTS221.h>
#include <Arduino_LPS22HB.h>
#include <Arduino_LSM9DS1.h>

#include "vboard.h"

namespace {
// A new colour/proximity conversion is ready this often (the library's default timing is in
// this range).
constexpr uint64_t kConversionUs = 10000;
uint64_t g_last_color_us = 0;
uint64_t g_last_prox_us = 0;
}  // namespace

APDS9960::APDS9960(TwoWire& wire, int intPin)
    : _wire(wire), _intPin(intPin), _begun(false), _gestureSensitivity(80) {}
APDS9960::~APDS9960() {}
bool APDS9960::begin() {
  vboard::Advance(5000);
  _begun = true;
  vboard::Event("H", "apds.begin");
  return true;
}
void APDS9960::end() { _begun = false; }
int APDS9960::gestureAvailable() {
  vboard::Advance(100);
  return 0;
}
int APDS9960::readGesture() { return GESTURE_NONE; }
int APDS9960::colorAvailable() {
  vboard::Advance(100);
  return (_begun && vboard::NowUs() - g_last_color_us >= kConversionUs) ? 1 : 0;
}
bool APDS9960::readColor(int& r, int& g, int& b) {
  int c;
  return readColor(r, g, b, c);
}
bool APDS9960::readColor(int& r, int& g, int& b, int& c) {
  vboard::Advance(200);
  if (!_begun) return false;
  vboard::SensorState s = vboard::Sensor();
  r = s.r;
  g = s.g;
  b = s.b;
  c = s.c;
  g_last_color_us = vboard::NowUs();
  vboard::CountSensorRead("color");
  return true;
}
int APDS9960::proximityAvailable() {
  vboard::Advance(100);
  return (_begun && vboard::NowUs() - g_last_prox_us >= kConversionUs) ? 1 : 0;
}
int APDS9960::readProximity() {
  vboard::Advance(200);
  if (!_begun) return -1;
  g_last_prox_us = vboard::NowUs();
  vboard::CountSensorRead("proximity");
  return vboard::Sensor().proximity;
}
void APDS9960::setGestureSensitivity(uint8_t sensitivity) { _gestureSensitivity = sensitivity; }
void APDS9960::setInterruptPin(int pin) { _intPin = pin; }
bool APDS9960::setLEDBoost(uint8_t boost) { return boost <= 3; }
bool APDS9960::setGestureIntEnable(bool) { return true; }
bool APDS9960::setGestureMode(bool) { return true; }
int APDS9960::gestureFIFOAvailable() { return 0; }
int APDS9960::handleGesture() { return 0; }
bool APDS9960::enablePower() { return true; }
bool APDS9960::disablePower() { return true; }
bool APDS9960::enableColor() { return true; }
bool APDS9960::disableColor() { return true; }
bool APDS9960::enableProximity() { return true; }
bool APDS9960::disableProximity() { return true; }
bool APDS9960::enableWait() { return true; }
bool APDS9960::disableWait() { return true; }
bool APDS9960::enableGesture() { return true; }
bool APDS9960::disableGesture() { return true; }

APDS9960 APDS(Wire1, PIN_INT_APDS);

LSM9DS1Class::LSM9DS1Class(TwoWire& wire) : _wire(&wire), _continuousMode(false) {}
LSM9DS1Class::~LSM9DS1Class() {}
int LSM9DS1Class::begin() { return 1; }
void LSM9DS1Class::end() {}
void LSM9DS1Class::setContinuousMode() { _continuousMode = true; }
void LSM9DS1Class::setOneShotMode() { _continuousMode = false; }
int LSM9DS1Class::readAcceleration(float& x, float& y, float& z) {
  x = 0; y = 0; z = 1.0f;
  return 1;
}
int LSM9DS1Class::accelerationAvailable() { vboard::Advance(100); return 1; }
float LSM9DS1Class::accelerationSampleRate() { return 119.0f; }
int LSM9DS1Class::readGyroscope(float& x, float& y, float& z) {
  x = y = z = 0;
  return 1;
}
int LSM9DS1Class::gyroscopeAvailable() { vboard::Advance(100); return 1; }
float LSM9DS1Class::gyroscopeSampleRate() { return 119.0f; }
int LSM9DS1Class::readMagneticField(float& x, float& y, float& z) {
  x = 20; y = 0; z = -40;
  return 1;
}
int LSM9DS1Class::magneticFieldAvailable() { vboard::Advance(100); return 1; }
float LSM9DS1Class::magneticFieldSampleRate() { return 20.0f; }
LSM9DS1Class IMU(Wire1);

HTS221Class::HTS221Class(TwoWire& wire) : _wire(&wire) {}
int HTS221Class::begin() { return 1; }
void HTS221Class::end() {}
float HTS221Class::readTemperature(int units) { return units == FAHRENHEIT ? 71.6f : 22.0f; }
float HTS221Class::readHumidity() { return 45.0f; }
HTS221Class HTS(Wire1);

LPS22HBClass::LPS22HBClass(TwoWire& wire) : _wire(&wire), _initialized(false) {}
int LPS22HBClass::begin() { _initialized = true; return 1; }
void LPS22HBClass::end() { _initialized = false; }
float LPS22HBClass::readPressure(int units) {
  if (units == PSI) return 14.6959f;
  if (units == MILLIBAR) return 1013.25f;
  return 101.325f;
}
float LPS22HBClass::readTemperature(void) { return 22.0f; }
LPS22HBClass BARO(Wire1);

// ---- ArduinoBLE: a local device that advertises but never connects ----
BLEDevice::BLEDevice() {}
BLEDevice::~BLEDevice() {}
void BLEDevice::poll() {}
void BLEDevice::poll(unsigned long) {}
bool BLEDevice::connected() const { return false; }
bool BLEDevice::disconnect() { return true; }
String BLEDevice::address() const { return String("00:00:00:00:00:00"); }
int BLEDevice::rssi() { return 0; }
BLEDevice::operator bool() const { return false; }
BLEDescriptor::BLEDescriptor(const char*, const uint8_t[], int) {}
BLEDescriptor::BLEDescriptor(const char*, const char*) {}
BLECharacteristic::BLECharacteristic() : value_length_(0), value_size_(0), properties_(0), uuid_("") {}
BLECharacteristic::BLECharacteristic(const char* uuid, uint8_t properties, int valueSize, bool)
    : value_length_(0), value_size_(valueSize > 512 ? 512 : valueSize), properties_(properties), uuid_(uuid) {}
BLECharacteristic::BLECharacteristic(const char* uuid, uint8_t properties, const char* value)
    : value_length_(0), value_size_(512), properties_(properties), uuid_(uuid) {
  writeValue(value);
}
BLECharacteristic::~BLECharacteristic() {}
const char* BLECharacteristic::uuid() const { return uuid_; }
uint8_t BLECharacteristic::properties() const { return properties_; }
int BLECharacteristic::valueSize() const { return value_size_; }
const uint8_t* BLECharacteristic::value() const { return value_; }
int BLECharacteristic::valueLength() const { return value_length_; }
int BLECharacteristic::readValue(uint8_t value[], int length) {
  int n = length < value_length_ ? length : value_length_;
  memcpy(value, value_, static_cast<size_t>(n));
  return n;
}
int BLECharacteristic::readValue(void* value, int length) { return readValue(static_cast<uint8_t*>(value), length); }
int BLECharacteristic::writeValue(const uint8_t value[], int length, bool) {
  int n = length < 512 ? length : 512;
  memcpy(value_, value, static_cast<size_t>(n));
  value_length_ = n;
  return 1;
}
int BLECharacteristic::writeValue(const void* value, int length, bool r) {
  return writeValue(static_cast<const uint8_t*>(value), length, r);
}
int BLECharacteristic::writeValue(const char* value, bool r) {
  return writeValue(reinterpret_cast<const uint8_t*>(value), static_cast<int>(strlen(value)), r);
}
int BLECharacteristic::writeValue(uint8_t value, bool r) { return writeValue(&value, 1, r); }
int BLECharacteristic::broadcast() { return 1; }
bool BLECharacteristic::written() { return false; }
bool BLECharacteristic::subscribed() { return false; }
bool BLECharacteristic::valueUpdated() { return false; }
void BLECharacteristic::addDescriptor(BLEDescriptor&) {}
BLECharacteristic::operator bool() const { return true; }
BLEStringCharacteristic::BLEStringCharacteristic(const char* uuid, uint8_t properties, int valueSize)
    : BLECharacteristic(uuid, properties, valueSize) {}
int BLEStringCharacteristic::writeValue(const String& value) { return BLECharacteristic::writeValue(value.c_str()); }
String BLEStringCharacteristic::value(void) {
  return String(reinterpret_cast<const char*>(BLECharacteristic::value()), static_cast<unsigned int>(valueLength()));
}
BLEService::BLEService() : uuid_("") {}
BLEService::BLEService(const char* uuid) : uuid_(uuid) {}
BLEService::~BLEService() {}
const char* BLEService::uuid() const { return uuid_; }
void BLEService::addCharacteristic(BLECharacteristic&) {}
BLEService::operator bool() const { return true; }
BLELocalDevice::BLELocalDevice() {}
BLELocalDevice::~BLELocalDevice() {}
int BLELocalDevice::begin() { vboard::Advance(2000); return 1; }
void BLELocalDevice::end() {}
void BLELocalDevice::poll() { vboard::Advance(50); }
void BLELocalDevice::poll(unsigned long timeout) { vboard::Advance(timeout * 1000ull + 50); }
bool BLELocalDevice::connected() const { return false; }
bool BLELocalDevice::disconnect() { return true; }
String BLELocalDevice::address() const { return String("00:00:00:00:00:00"); }
bool BLELocalDevice::setAdvertisedServiceUuid(const char*) { return true; }
bool BLELocalDevice::setAdvertisedService(const BLEService&) { return true; }
bool BLELocalDevice::setManufacturerData(const uint8_t[], int) { return true; }
bool BLELocalDevice::setLocalName(const char*) { return true; }
void BLELocalDevice::setDeviceName(const char*) {}
void BLELocalDevice::setAppearance(uint16_t) {}
void BLELocalDevice::addService(BLEService&) {}
int BLELocalDevice::advertise() { return 1; }
void BLELocalDevice::stopAdvertise() {}
BLEDevice BLELocalDevice::central() { vboard::Advance(50); return BLEDevice(); }
void BLELocalDevice::setConnectionInterval(uint16_t, uint16_t) {}
void BLELocalDevice::setConnectable(bool) {}
static BLELocalDevice g_ble_local;
BLELocalDevice& BLE = g_ble_local;
