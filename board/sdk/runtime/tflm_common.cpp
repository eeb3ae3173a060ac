// Virtual board runtime (autopilot): see tflm_common.h.

#include "tflm_common.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tensorflow/lite/schema/schema_generated.h"
#include "vboard.h"
#include "vboard_tflm.h"

namespace vboard {
namespace {

const char* OpName(int code) {
  switch (code) {
    case 0: return "ADD";
    case 3: return "CONV_2D";
    case 4: return "DEPTHWISE_CONV_2D";
    case 6: return "DEQUANTIZE";
    case 9: return "FULLY_CONNECTED";
    case 14: return "LOGISTIC";
    case 19: return "RELU";
    case 21: return "RELU6";
    case 22: return "RESHAPE";
    case 25: return "SOFTMAX";
    case 28: return "TANH";
    case 114: return "QUANTIZE";
    default: return nullptr;
  }
}

std::string Values(const TfLiteTensor& t) {
  std::string out;
  char buf[48];
  int n = 1;
  for (int i = 0; i < t.dims->size; ++i) n *= t.dims->data[i];
  switch (t.type) {
    case kTfLiteFloat32: out = "f:"; break;
    case kTfLiteInt8: out = "i8:"; break;
    case kTfLiteUInt8: out = "u8:"; break;
    case kTfLiteInt32: out = "i32:"; break;
    default: return "?:";
  }
  // Whole tensors up to a size windows reach (119 readings x 9 channels); the oracle compares them.
  for (int i = 0; i < n && i < 8192; ++i) {
    if (i) out += ",";
    switch (t.type) {
      case kTfLiteFloat32: snprintf(buf, sizeof buf, "%.9g", static_cast<double>(t.data.f[i])); break;
      case kTfLiteInt8: snprintf(buf, sizeof buf, "%d", t.data.int8[i]); break;
      case kTfLiteUInt8: snprintf(buf, sizeof buf, "%u", t.data.uint8[i]); break;
      default: snprintf(buf, sizeof buf, "%ld", static_cast<long>(t.data.i32[i])); break;
    }
    out += buf;
  }
  return out;
}

}  // namespace

TflmState::~TflmState() {}

size_t TypeSize(TfLiteType type) {
  switch (type) {
    case kTfLiteFloat32: case kTfLiteInt32: return 4;
    case kTfLiteUInt8: case kTfLiteInt8: case kTfLiteBool: return 1;
    case kTfLiteInt16: case kTfLiteFloat16: return 2;
    case kTfLiteInt64: case kTfLiteFloat64: case kTfLiteComplex64: return 8;
    default: return 0;
  }
}

TfLiteType FromSchemaType(int t) {
  switch (t) {
    case 0: return kTfLiteFloat32;
    case 1: return kTfLiteFloat16;
    case 2: return kTfLiteInt32;
    case 3: return kTfLiteUInt8;
    case 4: return kTfLiteInt64;
    case 5: return kTfLiteString;
    case 6: return kTfLiteBool;
    case 7: return kTfLiteInt16;
    case 8: return kTfLiteComplex64;
    case 9: return kTfLiteInt8;
    case 10: return kTfLiteFloat64;
    default: return kTfLiteNoType;
  }
}

bool TflmOpen(TflmState* s, const void* model, uint8_t* arena, size_t arena_size, std::string* err) {
  s->model = model;
  s->arena = arena;
  s->arena_size = arena_size;
  const unsigned char* bytes = ModelBytes();
  if (bytes == nullptr || ModelSize() < 8) {
    *err = "virtual board: no model was flashed with this sketch";
    Event("M", "fail no_model");
    return false;
  }
  uint32_t root;
  memcpy(&root, bytes, 4);
  const unsigned char* start = static_cast<const unsigned char*>(model) - root;
  if (model == nullptr || memcmp(start, bytes, ModelSize()) != 0) {
    *err = "virtual board: the Model* does not point into the model array of model.h";
    Event("M", "fail model_pointer");
    return false;
  }
  char msg[256] = {0};
  s->handle = vboard_tflm_load(bytes, ModelSize(), msg, sizeof msg);
  if (s->handle < 0) {
    *err = msg;
    std::string payload = std::string("fail ") + msg;
    Event("M", payload.c_str());
    return false;
  }
  const tflite::Model* m = static_cast<const tflite::Model*>(model);
  if (m->subgraphs() && m->subgraphs()->size() > 0) {
    const tflite::SubGraph* sg = m->subgraphs()->Get(0);
    s->tensor_count = sg->tensors() ? sg->tensors()->size() : 0;
    s->operator_count = sg->operators() ? sg->operators()->size() : 0;
    for (int k = 0; k < 2; ++k) {
      const flatbuffers::Vector<int32_t>* v = k ? sg->outputs() : sg->inputs();
      for (uint32_t i = 0; v && i < v->size(); ++i) s->io_index[k].push_back(v->Get(i));
    }
  }
  Event("M", "ok");
  return true;
}

bool TflmAllocate(TflmState* s, const std::function<bool(int)>& has_op, std::string* err) {
  if (s->allocated) return true;
  if (s->handle < 0) {
    *err = "AllocateTensors() called after initialization failed";
    Event("A", "fail model_invalid");
    return false;
  }
  int codes[64];
  int n = vboard_tflm_ops(s->handle, codes, 64);
  for (int i = 0; i < n; ++i) {
    if (!has_op(codes[i])) {
      const char* name = OpName(codes[i]);
      char buf[256];
      if (name) {
        snprintf(buf, sizeof buf, "Didn't find op for builtin opcode '%s' version '1'\r\nFailed to get registration from op code %s\r\n ", name, name);
      } else {
        snprintf(buf, sizeof buf, "Didn't find op for builtin opcode '%d' version '1'", codes[i]);
      }
      *err = buf;
      snprintf(buf, sizeof buf, "fail op_missing %d", codes[i]);
      Event("A", buf);
      return false;
    }
  }
  size_t activations = vboard_tflm_activation_bytes(s->handle);
  size_t needed = activations + 64 * s->tensor_count + 96 * s->operator_count + 256;
  if (s->arena == nullptr || s->arena_size < needed) {
    char buf[200];
    snprintf(buf, sizeof buf, "Arena size is too small for all buffers. Needed %u but only %u was available.",
             static_cast<unsigned>(needed), static_cast<unsigned>(s->arena_size));
    *err = buf;
    snprintf(buf, sizeof buf, "fail arena_too_small needed=%u arena=%u", static_cast<unsigned>(needed),
             static_cast<unsigned>(s->arena_size));
    Event("A", buf);
    return false;
  }
  uint8_t* p = s->arena;
  uint8_t* end = s->arena + s->arena_size;
  for (int k = 0; k < 2; ++k) {
    int count = vboard_tflm_count(s->handle, k);
    s->io[k].assign(static_cast<size_t>(count), TfLiteTensor());
    for (int i = 0; i < count; ++i) {
      vboard_tensor_desc d;
      vboard_tflm_desc(s->handle, k, i, &d);
      TfLiteTensor& t = s->io[k][static_cast<size_t>(i)];
      memset(&t, 0, sizeof t);
      t.type = FromSchemaType(d.dtype);
      std::vector<int> dims(static_cast<size_t>(d.dims_size) + 1);
      dims[0] = d.dims_size;
      for (int j = 0; j < d.dims_size; ++j) dims[static_cast<size_t>(j) + 1] = d.dims[j];
      s->dims_mem.push_back(dims);
      t.dims = reinterpret_cast<TfLiteIntArray*>(s->dims_mem.back().data());
      t.params.scale = d.scale;
      t.params.zero_point = d.zero_point;
      t.bytes = d.bytes;
      t.allocation_type = kTfLiteArenaRw;
      uintptr_t a = (reinterpret_cast<uintptr_t>(p) + 15u) & ~static_cast<uintptr_t>(15u);
      p = reinterpret_cast<uint8_t*>(a);
      if (p + d.bytes > end) {
        *err = "Arena size is too small for all buffers.";
        Event("A", "fail arena_too_small");
        return false;
      }
      t.data.raw = reinterpret_cast<char*>(p);
      memset(p, 0, d.bytes);
      p += d.bytes;
    }
  }
  // dims_mem may have reallocated while growing: point the tensors at the final storage.
  size_t m = 0;
  for (int k = 0; k < 2; ++k) {
    for (TfLiteTensor& t : s->io[k]) t.dims = reinterpret_cast<TfLiteIntArray*>(s->dims_mem[m++].data());
  }
  s->used_bytes = needed;
  s->allocated = true;
  char buf[120];
  snprintf(buf, sizeof buf, "ok arena=%u needed=%u", static_cast<unsigned>(s->arena_size), static_cast<unsigned>(needed));
  Event("A", buf);
  return true;
}

bool TflmInvoke(TflmState* s, std::string* err) {
  if (!s->allocated) {
    *err = "Invoke() called before AllocateTensors()";
    Event("I", "fail not_allocated");
    return false;
  }
  std::vector<const unsigned char*> in;
  std::vector<unsigned char*> out;
  for (TfLiteTensor& t : s->io[0]) in.push_back(reinterpret_cast<const unsigned char*>(t.data.raw));
  for (TfLiteTensor& t : s->io[1]) out.push_back(reinterpret_cast<unsigned char*>(t.data.raw));
  char msg[256] = {0};
  Advance(500);
  if (vboard_tflm_invoke(s->handle, in.data(), out.data(), msg, sizeof msg) != 0) {
    *err = msg;
    std::string payload = std::string("fail ") + msg;
    Event("I", payload.c_str());
    return false;
  }
  std::string payload = "ok in=" + (s->io[0].empty() ? std::string("-") : Values(s->io[0][0])) +
                        " out=" + (s->io[1].empty() ? std::string("-") : Values(s->io[1][0]));
  Event("I", payload.c_str());
  s->output_logged = false;
  return true;
}

TfLiteTensor* TflmIo(TflmState* s, bool output, size_t index) {
  int k = output ? 1 : 0;
  if (!s->allocated || index >= s->io[k].size()) return nullptr;
  if (output && !s->output_logged) {
    char buf[32];
    snprintf(buf, sizeof buf, "%u", static_cast<unsigned>(index));
    Event("O", buf);
    s->output_logged = true;
  }
  return &s->io[k][index];
}

TfLiteTensor* TflmTensor(TflmState* s, size_t index) {
  for (int k = 0; k < 2; ++k) {
    for (size_t i = 0; i < s->io_index[k].size(); ++i) {
      if (s->io_index[k][i] == static_cast<int>(index)) return TflmIo(s, k == 1, i);
    }
  }
  return nullptr;
}

}  // namespace vboard
