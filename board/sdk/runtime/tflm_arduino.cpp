// Virtual board runtime (autopilot), profile tflm_arduino: the current tflite-micro Arduino port's
// API (MicroPrintf, InitializeTarget, MicroInterpreter without an ErrorReporter) on top of the
// project's reference interpreter (through vboard_tflm.h). Same checks and event log as the
// classic profile: AllocateTensors checks the arena and the resolver's ops, every call is logged.

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_log.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tflm_common.h"
#include "vboard.h"

// On the board the port's debug log writes to Serial; here it goes to the same log the classic
// DebugLog uses.
void VMicroPrintf(const char* format, va_list args) {
  char buf[256];
  vsnprintf(buf, sizeof buf, format, args);
  vboard::LogText(buf);
  vboard::LogText("\r\n");
}
void MicroPrintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  VMicroPrintf(format, args);
  va_end(args);
}
int MicroVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist) {
  return vsnprintf(buffer, buf_size, format, vlist);
}
int MicroSnprintf(char* buffer, size_t buf_size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int n = MicroVsnprintf(buffer, buf_size, format, args);
  va_end(args);
  return n;
}

namespace tflite {

void InitializeTarget() {}

MicroAllocator* MicroAllocator::Create(uint8_t* tensor_arena, size_t arena_size) {
  struct Concrete : MicroAllocator {
    Concrete(uint8_t* a, size_t s) : MicroAllocator(a, s) {}
  };
  return new Concrete(tensor_arena, arena_size);
}

// ---- MicroInterpreter ----

MicroInterpreter::MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                                   uint8_t* tensor_arena, size_t tensor_arena_size,
                                   MicroResourceVariables*, MicroProfilerInterface*, bool)
    : model_(model), op_resolver_(op_resolver), initialization_status_(kTfLiteOk), state_(nullptr) {
  Init(tensor_arena, tensor_arena_size);
}

MicroInterpreter::MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                                   MicroAllocator* allocator, MicroResourceVariables*,
                                   MicroProfilerInterface*)
    : model_(model), op_resolver_(op_resolver), initialization_status_(kTfLiteOk), state_(nullptr) {
  Init(allocator ? allocator->arena() : nullptr, allocator ? allocator->arena_size() : 0);
}

MicroInterpreter::~MicroInterpreter() { delete static_cast<vboard::TflmState*>(state_); }

void MicroInterpreter::Init(uint8_t* arena, size_t arena_size) {
  vboard::TflmState* s = new vboard::TflmState();
  state_ = s;
  std::string err;
  if (!vboard::TflmOpen(s, model_, arena, arena_size, &err)) {
    initialization_status_ = kTfLiteError;
    MicroPrintf("%s", err.c_str());
  }
}

TfLiteStatus MicroInterpreter::AllocateTensors() {
  vboard::TflmState* s = static_cast<vboard::TflmState*>(state_);
  if (initialization_status_ != kTfLiteOk) {
    vboard::Event("A", "fail model_invalid");
    MicroPrintf("AllocateTensors() called after initialization failed");
    return kTfLiteError;
  }
  std::string err;
  bool ok = vboard::TflmAllocate(s, [this](int code) {
    return op_resolver_.FindOp(static_cast<BuiltinOperator>(code)) != nullptr;
  }, &err);
  if (!ok) {
    MicroPrintf("%s", err.c_str());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteStatus MicroInterpreter::Invoke() {
  vboard::TflmState* s = static_cast<vboard::TflmState*>(state_);
  std::string err;
  if (initialization_status_ != kTfLiteOk || !vboard::TflmInvoke(s, &err)) {
    MicroPrintf("%s", err.empty() ? "Invoke() called after initialization failed" : err.c_str());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteTensor* MicroInterpreter::input(size_t index) {
  return vboard::TflmIo(static_cast<vboard::TflmState*>(state_), false, index);
}
TfLiteTensor* MicroInterpreter::output(size_t index) {
  return vboard::TflmIo(static_cast<vboard::TflmState*>(state_), true, index);
}
TfLiteStatus MicroInterpreter::Reset() { return kTfLiteOk; }
TfLiteStatus MicroInterpreter::SetMicroExternalContext(void*) { return kTfLiteOk; }
size_t MicroInterpreter::arena_used_bytes() const {
  return static_cast<vboard::TflmState*>(state_)->used_bytes;
}
const flatbuffers::Vector<int32_t>* MicroInterpreter::subgraph_inputs() const {
  return model_->subgraphs()->Get(0)->inputs();
}
const flatbuffers::Vector<int32_t>* MicroInterpreter::subgraph_outputs() const {
  return model_->subgraphs()->Get(0)->outputs();
}

}  // namespace tflite
