// Virtual board SDK (autopilot): tflite::MicroOpResolver, shared by both TFLM generations.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_OP_RESOLVER_H_
#define TENSORFLOW_LITE_MICRO_MICRO_OP_RESOLVER_H_
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/core/api/flatbuffer_conversions.h"
#include "tensorflow/lite/core/api/op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"
namespace tflite {
class MicroOpResolver : public OpResolver {
 public:
  typedef TfLiteStatus (*BuiltinParseFunction)(const Operator* op, ErrorReporter* error_reporter,
                                               BuiltinDataAllocator* allocator,
                                               void** builtin_data);
  virtual const TfLiteRegistration* FindOp(tflite::BuiltinOperator op) const = 0;
  virtual const TfLiteRegistration* FindOp(const char* op) const = 0;
  virtual BuiltinParseFunction GetOpDataParser(tflite::BuiltinOperator op) const = 0;
  const TfLiteRegistration* FindOp(BuiltinOperator op, int version) const final {
    return FindOp(op);
  }
  const TfLiteRegistration* FindOp(const char* op, int version) const final { return FindOp(op); }
  ~MicroOpResolver() override {}
};
}  // namespace tflite
#endif
