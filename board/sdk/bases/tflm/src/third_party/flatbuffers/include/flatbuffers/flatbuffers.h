// Virtual board SDK (autopilot): the read-only part of the FlatBuffers runtime that TFLite's
// generated schema code exposes to sketches (tables, vectors, strings). Written for the project.
#ifndef FLATBUFFERS_H_
#define FLATBUFFERS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace flatbuffers {

typedef uint32_t uoffset_t;
typedef int32_t soffset_t;
typedef uint16_t voffset_t;

template <typename T>
struct Offset {
  uoffset_t o;
  Offset() : o(0) {}
  Offset(uoffset_t _o) : o(_o) {}
};

template <typename T>
inline T ReadScalar(const void* p) {
  T t;
  std::memcpy(&t, p, sizeof(T));
  return t;
}

template <typename T>
struct IndirectHelper {
  typedef T return_type;
  static const size_t element_stride = sizeof(T);
  static return_type Read(const uint8_t* p, uoffset_t i) {
    return ReadScalar<T>(p + i * sizeof(T));
  }
};
template <typename T>
struct IndirectHelper<Offset<T>> {
  typedef const T* return_type;
  static const size_t element_stride = sizeof(uoffset_t);
  static return_type Read(const uint8_t* p, uoffset_t i) {
    p += i * sizeof(uoffset_t);
    return reinterpret_cast<return_type>(p + ReadScalar<uoffset_t>(p));
  }
};

template <typename T>
class Vector {
 public:
  typedef typename IndirectHelper<T>::return_type return_type;
  uoffset_t size() const { return ReadScalar<uoffset_t>(this); }
  uoffset_t Length() const { return size(); }
  return_type Get(uoffset_t i) const { return IndirectHelper<T>::Read(Data(), i); }
  return_type operator[](uoffset_t i) const { return Get(i); }
  const uint8_t* Data() const { return reinterpret_cast<const uint8_t*>(this) + sizeof(uoffset_t); }
  const T* data() const { return reinterpret_cast<const T*>(Data()); }

 protected:
  Vector();
};

class String : public Vector<char> {
 public:
  const char* c_str() const { return reinterpret_cast<const char*>(Data()); }
  const char* str() const { return c_str(); }
};

class Table {
 public:
  const uint8_t* GetVTable() const {
    const uint8_t* self = reinterpret_cast<const uint8_t*>(this);
    return self - ReadScalar<soffset_t>(self);
  }
  voffset_t GetOptionalFieldOffset(voffset_t field) const {
    const uint8_t* vtable = GetVTable();
    voffset_t vtsize = ReadScalar<voffset_t>(vtable);
    return field < vtsize ? ReadScalar<voffset_t>(vtable + field) : 0;
  }
  template <typename T>
  T GetField(voffset_t field, T defaultval) const {
    voffset_t off = GetOptionalFieldOffset(field);
    return off ? ReadScalar<T>(reinterpret_cast<const uint8_t*>(this) + off) : defaultval;
  }
  template <typename P>
  P GetPointer(voffset_t field) const {
    voffset_t off = GetOptionalFieldOffset(field);
    if (!off) return nullptr;
    const uint8_t* p = reinterpret_cast<const uint8_t*>(this) + off;
    return reinterpret_cast<P>(p + ReadScalar<uoffset_t>(p));
  }
  bool CheckField(voffset_t field) const { return GetOptionalFieldOffset(field) != 0; }

 protected:
  Table();
};

template <typename T>
const T* GetRoot(const void* buf) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(buf);
  return reinterpret_cast<const T*>(p + ReadScalar<uoffset_t>(p));
}

}  // namespace flatbuffers

#endif
