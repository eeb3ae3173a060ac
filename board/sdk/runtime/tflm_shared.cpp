// Virtual board runtime (autopilot): the TFLM pieces both API generations share — kernel
// registrations (only their builtin codes matter: the bridge runs the model), arena and type
// helpers, timing hooks. Compiled against whichever TFLM library the profile uses.

#include <cstdarg>
#include <cstdint>
#include <cstring>

#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/core/api/flatbuffer_conversions.h"
#include "tensorflow/lite/micro/kernels/kernel_util.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"
#include "tensorflow/lite/micro/memory_helpers.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_time.h"
#include "tensorflow/lite/micro/micro_utils.h"
#include "tflm_common.h"
#include "vboard.h"

namespace tflite {

int ErrorReporter::Report(const char* format, ...) {
  va_list args;
  va_start(args, format);
  int code = Report(format, args);
  va_end(args);
  return code;
}
int ErrorReporter::ReportError(void*, const char* format, ...) {
  va_list args;
  va_start(args, format);
  int code = Report(format, args);
  va_end(args);
  return code;
}
#define VBOARD_REG(ns_name, code)                 \
  TfLiteRegistration ns_name() {                  \
    TfLiteRegistration r;                         \
    memset(&r, 0, sizeof r);                      \
    r.builtin_code = code;                        \
    return r;                                     \
  }

namespace ops {
namespace micro {
VBOARD_REG(Register_ABS, BuiltinOperator_ABS)
VBOARD_REG(Register_ADD, BuiltinOperator_ADD)
VBOARD_REG(Register_ARG_MAX, BuiltinOperator_ARG_MAX)
VBOARD_REG(Register_ARG_MIN, BuiltinOperator_ARG_MIN)
VBOARD_REG(Register_AVERAGE_POOL_2D, BuiltinOperator_AVERAGE_POOL_2D)
VBOARD_REG(Register_CEIL, BuiltinOperator_CEIL)
VBOARD_REG(Register_CIRCULAR_BUFFER, BuiltinOperator_CUSTOM)
VBOARD_REG(Register_CONCATENATION, BuiltinOperator_CONCATENATION)
VBOARD_REG(Register_COS, BuiltinOperator_COS)
VBOARD_REG(Register_DEQUANTIZE, BuiltinOperator_DEQUANTIZE)
VBOARD_REG(Register_EQUAL, BuiltinOperator_EQUAL)
VBOARD_REG(Register_FLOOR, BuiltinOperator_FLOOR)
VBOARD_REG(Register_GREATER, BuiltinOperator_GREATER)
VBOARD_REG(Register_GREATER_EQUAL, BuiltinOperator_GREATER_EQUAL)
VBOARD_REG(Register_HARD_SWISH, BuiltinOperator_HARD_SWISH)
VBOARD_REG(Register_L2_NORMALIZATION, BuiltinOperator_L2_NORMALIZATION)
VBOARD_REG(Register_LESS, BuiltinOperator_LESS)
VBOARD_REG(Register_LESS_EQUAL, BuiltinOperator_LESS_EQUAL)
VBOARD_REG(Register_LOG, BuiltinOperator_LOG)
VBOARD_REG(Register_LOGICAL_AND, BuiltinOperator_LOGICAL_AND)
VBOARD_REG(Register_LOGICAL_NOT, BuiltinOperator_LOGICAL_NOT)
VBOARD_REG(Register_LOGICAL_OR, BuiltinOperator_LOGICAL_OR)
VBOARD_REG(Register_LOGISTIC, BuiltinOperator_LOGISTIC)
VBOARD_REG(Register_MAXIMUM, BuiltinOperator_MAXIMUM)
VBOARD_REG(Register_MAX_POOL_2D, BuiltinOperator_MAX_POOL_2D)
VBOARD_REG(Register_MEAN, BuiltinOperator_MEAN)
VBOARD_REG(Register_MINIMUM, BuiltinOperator_MINIMUM)
VBOARD_REG(Register_MUL, BuiltinOperator_MUL)
VBOARD_REG(Register_NEG, BuiltinOperator_NEG)
VBOARD_REG(Register_NOT_EQUAL, BuiltinOperator_NOT_EQUAL)
VBOARD_REG(Register_PACK, BuiltinOperator_PACK)
VBOARD_REG(Register_PAD, BuiltinOperator_PAD)
VBOARD_REG(Register_PADV2, BuiltinOperator_PADV2)
VBOARD_REG(Register_PRELU, BuiltinOperator_PRELU)
VBOARD_REG(Register_QUANTIZE, BuiltinOperator_QUANTIZE)
VBOARD_REG(Register_REDUCE_MAX, BuiltinOperator_REDUCE_MAX)
VBOARD_REG(Register_RELU, BuiltinOperator_RELU)
VBOARD_REG(Register_RELU6, BuiltinOperator_RELU6)
VBOARD_REG(Register_RESHAPE, BuiltinOperator_RESHAPE)
VBOARD_REG(Register_RESIZE_NEAREST_NEIGHBOR, BuiltinOperator_RESIZE_NEAREST_NEIGHBOR)
VBOARD_REG(Register_ROUND, BuiltinOperator_ROUND)
VBOARD_REG(Register_RSQRT, BuiltinOperator_RSQRT)
VBOARD_REG(Register_SIN, BuiltinOperator_SIN)
VBOARD_REG(Register_SOFTMAX, BuiltinOperator_SOFTMAX)
VBOARD_REG(Register_SPLIT, BuiltinOperator_SPLIT)
VBOARD_REG(Register_SPLIT_V, BuiltinOperator_SPLIT_V)
VBOARD_REG(Register_SQRT, BuiltinOperator_SQRT)
VBOARD_REG(Register_SQUARE, BuiltinOperator_SQUARE)
VBOARD_REG(Register_STRIDED_SLICE, BuiltinOperator_STRIDED_SLICE)
VBOARD_REG(Register_SUB, BuiltinOperator_SUB)
VBOARD_REG(Register_SVDF, BuiltinOperator_SVDF)
VBOARD_REG(Register_TANH, BuiltinOperator_TANH)
VBOARD_REG(Register_UNPACK, BuiltinOperator_UNPACK)
}  // namespace micro
}  // namespace ops
VBOARD_REG(Register_FULLY_CONNECTED, BuiltinOperator_FULLY_CONNECTED)
VBOARD_REG(Register_CONV_2D, BuiltinOperator_CONV_2D)
VBOARD_REG(Register_DEPTHWISE_CONV_2D, BuiltinOperator_DEPTHWISE_CONV_2D)
VBOARD_REG(Register_SHAPE, BuiltinOperator_SHAPE)

size_t MicroAllocator::used_bytes() const { return used_; }

int32_t ticks_per_second() { return 1000000; }
int32_t GetCurrentTimeTicks() { return static_cast<int32_t>(vboard::NowUs()); }

uint8_t* AlignPointerUp(uint8_t* data, size_t alignment) {
  uintptr_t v = reinterpret_cast<uintptr_t>(data);
  return reinterpret_cast<uint8_t*>((v + alignment - 1) / alignment * alignment);
}
uint8_t* AlignPointerDown(uint8_t* data, size_t alignment) {
  uintptr_t v = reinterpret_cast<uintptr_t>(data);
  return reinterpret_cast<uint8_t*>(v / alignment * alignment);
}
size_t AlignSizeUp(size_t size, size_t alignment) { return (size + alignment - 1) / alignment * alignment; }
TfLiteStatus TfLiteTypeSizeOf(TfLiteType type, size_t* size) {
  size_t s = vboard::TypeSize(type);
  if (s == 0) return kTfLiteError;
  *size = s;
  return kTfLiteOk;
}
int ElementCount(const TfLiteIntArray& dims) {
  int n = 1;
  for (int i = 0; i < dims.size; ++i) n *= dims.data[i];
  return n;
}
TfLiteStatus ConvertTensorType(TensorType tensor_type, TfLiteType* type, ErrorReporter*) {
  *type = vboard::FromSchemaType(static_cast<int>(tensor_type));
  return *type == kTfLiteNoType ? kTfLiteError : kTfLiteOk;
}

namespace micro {
const TfLiteEvalTensor* GetEvalInput(const TfLiteContext*, const TfLiteNode*, int) { return nullptr; }
TfLiteEvalTensor* GetEvalOutput(const TfLiteContext*, const TfLiteNode*, int) { return nullptr; }
}  // namespace micro

}  // namespace tflite
