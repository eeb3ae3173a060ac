// Virtual board runtime (autopilot), profile harvard_tinymlx: the classic TFLM API on top of the
// project's reference interpreter (through vboard_tflm.h). AllocateTensors places the I/O tensors
// in the sketch's arena and checks its size and the resolver's ops; every call is logged.

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/micro/all_ops_resolver.h"
#include "tensorflow/lite/micro/debug_log.h"
#include "tensorflow/lite/micro/kernels/kernel_util.h"
#include "tensorflow/lite/micro/memory_helpers.h"
#include "tensorflow/lite/micro/micro_error_reporter.h"
#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/micro/micro_time.h"
#include "tensorflow/lite/micro/micro_utils.h"
#include "tflm_common.h"
#include "vboard.h"

extern "C" void DebugLog(const char* s) { vboard::LogText(s); }

namespace tflite {

int MicroErrorReporter::Report(const char* format, va_list args) {
  char buf[256];
  vsnprintf(buf, sizeof buf, format, args);
  DebugLog(buf);
  DebugLog("\r\n");
  return 0;
}

AllOpsResolver::AllOpsResolver() {
  AddAbs(); AddAdd(); AddArgMax(); AddArgMin(); AddAveragePool2D(); AddCeil(); AddConcatenation();
  AddConv2D(); AddCos(); AddDepthwiseConv2D(); AddDequantize(); AddEqual(); AddFloor();
  AddFullyConnected(); AddGreater(); AddGreaterEqual(); AddHardSwish(); AddL2Normalization();
  AddLess(); AddLessEqual(); AddLog(); AddLogicalAnd(); AddLogicalNot(); AddLogicalOr();
  AddLogistic(); AddMaximum(); AddMaxPool2D(); AddMean(); AddMinimum(); AddMul(); AddNeg();
  AddNotEqual(); AddPack(); AddPad(); AddPadV2(); AddPrelu(); AddQuantize(); AddReduceMax();
  AddRelu(); AddRelu6(); AddReshape(); AddResizeNearestNeighbor(); AddRound(); AddRsqrt();
  AddShape(); AddSin(); AddSoftmax(); AddSplit(); AddSplitV(); AddSqrt(); AddSquare();
  AddStridedSlice(); AddSub(); AddSvdf(); AddTanh(); AddUnpack();
}

MicroAllocator* MicroAllocator::Create(uint8_t* tensor_arena, size_t arena_size, ErrorReporter*) {
  struct Concrete : MicroAllocator {
    Concrete(uint8_t* a, size_t s) : MicroAllocator(a, s) {}
  };
  return new Concrete(tensor_arena, arena_size);
}

// ---- MicroInterpreter ----

MicroInterpreter::MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                                   uint8_t* tensor_arena, size_t tensor_arena_size,
                                   ErrorReporter* error_reporter, tflite::Profiler*)
    : model_(model), op_resolver_(op_resolver), error_reporter_(error_reporter),
      initialization_status_(kTfLiteOk), tensors_size_(0), state_(nullptr) {
  Init(tensor_arena, tensor_arena_size);
}

MicroInterpreter::MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                                   MicroAllocator* allocator, ErrorReporter* error_reporter,
                                   tflite::Profiler*)
    : model_(model), op_resolver_(op_resolver), error_reporter_(error_reporter),
      initialization_status_(kTfLiteOk), tensors_size_(0), state_(nullptr) {
  Init(allocator ? allocator->arena() : nullptr, allocator ? allocator->arena_size() : 0);
}

MicroInterpreter::~MicroInterpreter() { delete static_cast<vboard::TflmState*>(state_); }

void MicroInterpreter::Init(uint8_t* arena, size_t arena_size) {
  vboard::TflmState* s = new vboard::TflmState();
  state_ = s;
  std::string err;
  if (!vboard::TflmOpen(s, model_, arena, arena_size, &err)) {
    initialization_status_ = kTfLiteError;
    if (error_reporter_) error_reporter_->Report("%s", err.c_str());
  }
  tensors_size_ = s->tensor_count;
}

TfLiteStatus MicroInterpreter::AllocateTensors() {
  vboard::TflmState* s = static_cast<vboard::TflmState*>(state_);
  if (initialization_status_ != kTfLiteOk) {
    vboard::Event("A", "fail model_invalid");
    if (error_reporter_) error_reporter_->Report("AllocateTensors() called after initialization failed");
    return kTfLiteError;
  }
  std::string err;
  bool ok = vboard::TflmAllocate(s, [this](int code) {
    return op_resolver_.FindOp(static_cast<BuiltinOperator>(code)) != nullptr;
  }, &err);
  if (!ok) {
    if (error_reporter_) error_reporter_->Report("%s", err.c_str());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteStatus MicroInterpreter::Invoke() {
  vboard::TflmState* s = static_cast<vboard::TflmState*>(state_);
  std::string err;
  if (initialization_status_ != kTfLiteOk || !vboard::TflmInvoke(s, &err)) {
    if (error_reporter_) error_reporter_->Report("%s", err.empty() ? "Invoke() called after initialization failed" : err.c_str());
    return kTfLiteError;
  }
  return kTfLiteOk;
}

TfLiteTensor* MicroInterpreter::tensor(size_t index) {
  vboard::TflmState* s = static_cast<vboard::TflmState*>(state_);
  return vboard::TflmTensor(s, index);
}
TfLiteTensor* MicroInterpreter::input(size_t index) {
  return vboard::TflmIo(static_cast<vboard::TflmState*>(state_), false, index);
}
TfLiteTensor* MicroInterpreter::output(size_t index) {
  return vboard::TflmIo(static_cast<vboard::TflmState*>(state_), true, index);
}
TfLiteStatus MicroInterpreter::ResetVariableTensors() { return kTfLiteOk; }
size_t MicroInterpreter::operators_size() const {
  return static_cast<vboard::TflmState*>(state_)->operator_count;
}
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
