// Virtual board SDK (autopilot): a minimal ArduinoBLE public API (no radio: nothing connects).
#ifndef _ARDUINO_BLE_H_
#define _ARDUINO_BLE_H_
#include <Arduino.h>

enum BLEProperty {
  BLEBroadcast = 0x01,
  BLERead = 0x02,
  BLEWriteWithoutResponse = 0x04,
  BLEWrite = 0x08,
  BLENotify = 0x10,
  BLEIndicate = 0x20
};

class BLEDevice {
 public:
  BLEDevice();
  virtual ~BLEDevice();
  virtual void poll();
  virtual void poll(unsigned long timeout);
  virtual bool connected() const;
  virtual bool disconnect();
  virtual String address() const;
  virtual int rssi();
  virtual operator bool() const;
};

class BLEDescriptor {
 public:
  BLEDescriptor(const char* uuid, const uint8_t value[], int valueSize);
  BLEDescriptor(const char* uuid, const char* value);
};

class BLECharacteristic {
 public:
  BLECharacteristic();
  BLECharacteristic(const char* uuid, uint8_t properties, int valueSize, bool fixedLength = false);
  BLECharacteristic(const char* uuid, uint8_t properties, const char* value);
  virtual ~BLECharacteristic();
  const char* uuid() const;
  uint8_t properties() const;
  int valueSize() const;
  const uint8_t* value() const;
  int valueLength() const;
  int readValue(uint8_t value[], int length);
  int readValue(void* value, int length);
  int writeValue(const uint8_t value[], int length, bool withResponse = true);
  int writeValue(const void* value, int length, bool withResponse = true);
  int writeValue(const char* value, bool withResponse = true);
  int writeValue(uint8_t value, bool withResponse = true);
  int setValue(const uint8_t value[], int length) { return writeValue(value, length); }
  int setValue(const char* value) { return writeValue(value); }
  int broadcast();
  bool written();
  bool subscribed();
  bool valueUpdated();
  void addDescriptor(BLEDescriptor& descriptor);
  operator bool() const;

 protected:
  uint8_t value_[512];
  int value_length_;
  int value_size_;
  uint8_t properties_;
  const char* uuid_;
};

template <typename T>
class BLETypedCharacteristic : public BLECharacteristic {
 public:
  BLETypedCharacteristic(const char* uuid, unsigned int permissions)
      : BLECharacteristic(uuid, static_cast<uint8_t>(permissions), static_cast<int>(sizeof(T)), true) {}
  int writeValue(T value) { return BLECharacteristic::writeValue((uint8_t*)&value, sizeof(T)); }
  int setValue(T value) { return writeValue(value); }
  T value(void) {
    T v;
    memcpy(&v, BLECharacteristic::value(), sizeof(T));
    return v;
  }
};

class BLEBoolCharacteristic : public BLETypedCharacteristic<bool> {
 public:
  BLEBoolCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<bool>(uuid, properties) {}
};
class BLEByteCharacteristic : public BLETypedCharacteristic<uint8_t> {
 public:
  BLEByteCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<uint8_t>(uuid, properties) {}
};
class BLEUnsignedCharCharacteristic : public BLETypedCharacteristic<unsigned char> {
 public:
  BLEUnsignedCharCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<unsigned char>(uuid, properties) {}
};
class BLEIntCharacteristic : public BLETypedCharacteristic<int> {
 public:
  BLEIntCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<int>(uuid, properties) {}
};
class BLEUnsignedIntCharacteristic : public BLETypedCharacteristic<unsigned int> {
 public:
  BLEUnsignedIntCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<unsigned int>(uuid, properties) {}
};
class BLEFloatCharacteristic : public BLETypedCharacteristic<float> {
 public:
  BLEFloatCharacteristic(const char* uuid, unsigned int properties) : BLETypedCharacteristic<float>(uuid, properties) {}
};

class BLEStringCharacteristic : public BLECharacteristic {
 public:
  BLEStringCharacteristic(const char* uuid, uint8_t properties, int valueSize);
  int writeValue(const String& value);
  int setValue(const String& value) { return writeValue(value); }
  String value(void);
};

class BLEService {
 public:
  BLEService();
  BLEService(const char* uuid);
  virtual ~BLEService();
  const char* uuid() const;
  void addCharacteristic(BLECharacteristic& characteristic);
  operator bool() const;

 private:
  const char* uuid_;
};

class BLELocalDevice {
 public:
  BLELocalDevice();
  virtual ~BLELocalDevice();
  virtual int begin();
  virtual void end();
  virtual void poll();
  virtual void poll(unsigned long timeout);
  virtual bool connected() const;
  virtual bool disconnect();
  virtual String address() const;
  virtual bool setAdvertisedServiceUuid(const char* advertisedServiceUuid);
  virtual bool setAdvertisedService(const BLEService& service);
  virtual bool setManufacturerData(const uint8_t manufacturerData[], int manufacturerDataLength);
  virtual bool setLocalName(const char* localName);
  virtual void setDeviceName(const char* deviceName);
  virtual void setAppearance(uint16_t appearance);
  virtual void addService(BLEService& service);
  virtual int advertise();
  virtual void stopAdvertise();
  virtual BLEDevice central();
  virtual void setConnectionInterval(uint16_t minimumConnectionInterval, uint16_t maximumConnectionInterval);
  virtual void setConnectable(bool connectable);
};

extern BLELocalDevice& BLE;

#endif
