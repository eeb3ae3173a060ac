// Virtual board runtime (autopilot): ArduinoBLE — a local device that advertises but never
// connects (no central ever appears on the virtual board).

#include <ArduinoBLE.h>

#include <string.h>

#include "vboard.h"

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
