// Virtual board SDK (autopilot): tflite::MicroMutableOpResolver of the classic API. Records
// which builtin operators a sketch registered, so a model needing another one fails as on the board.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_MUTABLE_OP_RESOLVER_H_
#define TENSORFLOW_LITE_MICRO_MICRO_MUTABLE_OP_RESOLVER_H_

#include <cstdio>
#include <cstring>

#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/core/api/flatbuffer_conversions.h"
#include "tensorflow/lite/micro/compatibility.h"
#include "tensorflow/lite/micro/kernels/fully_connected.h"
#include "tensorflow/lite/micro/kernels/micro_ops.h"
#include "tensorflow/lite/micro/micro_op_resolver.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite {

template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {
 public:
  TF_LITE_REMOVE_VIRTUAL_DELETE

  explicit MicroMutableOpResolver(ErrorReporter* error_reporter = nullptr)
      : error_reporter_(error_reporter) {}

  const TfLiteRegistration* FindOp(tflite::BuiltinOperator op) const override {
    if (op == BuiltinOperator_CUSTOM) return nullptr;
    for (unsigned int i = 0; i < registrations_len_; ++i) {
      if (registrations_[i].builtin_code == op) return &registrations_[i];
    }
    return nullptr;
  }

  const TfLiteRegistration* FindOp(const char* op) const override {
    for (unsigned int i = 0; i < registrations_len_; ++i) {
      const TfLiteRegistration& r = registrations_[i];
      if (r.builtin_code == BuiltinOperator_CUSTOM && r.custom_name != nullptr &&
          std::strcmp(r.custom_name, op) == 0) {
        return &r;
      }
    }
    return nullptr;
  }

  MicroOpResolver::BuiltinParseFunction GetOpDataParser(tflite::BuiltinOperator) const override {
    return nullptr;
  }

  TfLiteStatus AddCustom(const char* name, TfLiteRegistration* registration) {
    if (registrations_len_ >= tOpCount) return kTfLiteError;
    if (FindOp(name) != nullptr) return kTfLiteError;
    TfLiteRegistration* r = &registrations_[registrations_len_++];
    *r = *registration;
    r->builtin_code = BuiltinOperator_CUSTOM;
    r->custom_name = name;
    return kTfLiteOk;
  }

  TfLiteStatus AddAbs() { return AddBuiltinCode(BuiltinOperator_ABS, tflite::ops::micro::Register_ABS()); }
  TfLiteStatus AddAdd() { return AddBuiltinCode(BuiltinOperator_ADD, tflite::ops::micro::Register_ADD()); }
  TfLiteStatus AddArgMax() { return AddBuiltinCode(BuiltinOperator_ARG_MAX, tflite::ops::micro::Register_ARG_MAX()); }
  TfLiteStatus AddArgMin() { return AddBuiltinCode(BuiltinOperator_ARG_MIN, tflite::ops::micro::Register_ARG_MIN()); }
  TfLiteStatus AddAveragePool2D() { return AddBuiltinCode(BuiltinOperator_AVERAGE_POOL_2D, tflite::ops::micro::Register_AVERAGE_POOL_2D()); }
  TfLiteStatus AddCeil() { return AddBuiltinCode(BuiltinOperator_CEIL, tflite::ops::micro::Register_CEIL()); }
  TfLiteStatus AddConcatenation() { return AddBuiltinCode(BuiltinOperator_CONCATENATION, tflite::ops::micro::Register_CONCATENATION()); }
  TfLiteStatus AddConv2D(const TfLiteRegistration& registration = Register_CONV_2D()) {
    return AddBuiltinCode(BuiltinOperator_CONV_2D, registration);
  }
  TfLiteStatus AddCos() { return AddBuiltinCode(BuiltinOperator_COS, tflite::ops::micro::Register_COS()); }
  TfLiteStatus AddDepthwiseConv2D(const TfLiteRegistration& registration = Register_DEPTHWISE_CONV_2D()) {
    return AddBuiltinCode(BuiltinOperator_DEPTHWISE_CONV_2D, registration);
  }
  TfLiteStatus AddDequantize() { return AddBuiltinCode(BuiltinOperator_DEQUANTIZE, tflite::ops::micro::Register_DEQUANTIZE()); }
  TfLiteStatus AddEqual() { return AddBuiltinCode(BuiltinOperator_EQUAL, tflite::ops::micro::Register_EQUAL()); }
  TfLiteStatus AddFloor() { return AddBuiltinCode(BuiltinOperator_FLOOR, tflite::ops::micro::Register_FLOOR()); }
  TfLiteStatus AddFullyConnected(const TfLiteRegistration& registration = Register_FULLY_CONNECTED()) {
    return AddBuiltinCode(BuiltinOperator_FULLY_CONNECTED, registration);
  }
  TfLiteStatus AddGreater() { return AddBuiltinCode(BuiltinOperator_GREATER, tflite::ops::micro::Register_GREATER()); }
  TfLiteStatus AddGreaterEqual() { return AddBuiltinCode(BuiltinOperator_GREATER_EQUAL, tflite::ops::micro::Register_GREATER_EQUAL()); }
  TfLiteStatus AddHardSwish() { return AddBuiltinCode(BuiltinOperator_HARD_SWISH, tflite::ops::micro::Register_HARD_SWISH()); }
  TfLiteStatus AddL2Normalization() { return AddBuiltinCode(BuiltinOperator_L2_NORMALIZATION, tflite::ops::micro::Register_L2_NORMALIZATION()); }
  TfLiteStatus AddLess() { return AddBuiltinCode(BuiltinOperator_LESS, tflite::ops::micro::Register_LESS()); }
  TfLiteStatus AddLessEqual() { return AddBuiltinCode(BuiltinOperator_LESS_EQUAL, tflite::ops::micro::Register_LESS_EQUAL()); }
  TfLiteStatus AddLog() { return AddBuiltinCode(BuiltinOperator_LOG, tflite::ops::micro::Register_LOG()); }
  TfLiteStatus AddLogicalAnd() { return AddBuiltinCode(BuiltinOperator_LOGICAL_AND, tflite::ops::micro::Register_LOGICAL_AND()); }
  TfLiteStatus AddLogicalNot() { return AddBuiltinCode(BuiltinOperator_LOGICAL_NOT, tflite::ops::micro::Register_LOGICAL_NOT()); }
  TfLiteStatus AddLogicalOr() { return AddBuiltinCode(BuiltinOperator_LOGICAL_OR, tflite::ops::micro::Register_LOGICAL_OR()); }
  TfLiteStatus AddLogistic() { return AddBuiltinCode(BuiltinOperator_LOGISTIC, tflite::ops::micro::Register_LOGISTIC()); }
  TfLiteStatus AddMaximum() { return AddBuiltinCode(BuiltinOperator_MAXIMUM, tflite::ops::micro::Register_MAXIMUM()); }
  TfLiteStatus AddMaxPool2D() { return AddBuiltinCode(BuiltinOperator_MAX_POOL_2D, tflite::ops::micro::Register_MAX_POOL_2D()); }
  TfLiteStatus AddMean() { return AddBuiltinCode(BuiltinOperator_MEAN, tflite::ops::micro::Register_MEAN()); }
  TfLiteStatus AddMinimum() { return AddBuiltinCode(BuiltinOperator_MINIMUM, tflite::ops::micro::Register_MINIMUM()); }
  TfLiteStatus AddMul() { return AddBuiltinCode(BuiltinOperator_MUL, tflite::ops::micro::Register_MUL()); }
  TfLiteStatus AddNeg() { return AddBuiltinCode(BuiltinOperator_NEG, tflite::ops::micro::Register_NEG()); }
  TfLiteStatus AddNotEqual() { return AddBuiltinCode(BuiltinOperator_NOT_EQUAL, tflite::ops::micro::Register_NOT_EQUAL()); }
  TfLiteStatus AddPack() { return AddBuiltinCode(BuiltinOperator_PACK, tflite::ops::micro::Register_PACK()); }
  TfLiteStatus AddPad() { return AddBuiltinCode(BuiltinOperator_PAD, tflite::ops::micro::Register_PAD()); }
  TfLiteStatus AddPadV2() { return AddBuiltinCode(BuiltinOperator_PADV2, tflite::ops::micro::Register_PADV2()); }
  TfLiteStatus AddPrelu() { return AddBuiltinCode(BuiltinOperator_PRELU, tflite::ops::micro::Register_PRELU()); }
  TfLiteStatus AddQuantize() { return AddBuiltinCode(BuiltinOperator_QUANTIZE, tflite::ops::micro::Register_QUANTIZE()); }
  TfLiteStatus AddReduceMax() { return AddBuiltinCode(BuiltinOperator_REDUCE_MAX, tflite::ops::micro::Register_REDUCE_MAX()); }
  TfLiteStatus AddRelu() { return AddBuiltinCode(BuiltinOperator_RELU, tflite::ops::micro::Register_RELU()); }
  TfLiteStatus AddRelu6() { return AddBuiltinCode(BuiltinOperator_RELU6, tflite::ops::micro::Register_RELU6()); }
  TfLiteStatus AddReshape() { return AddBuiltinCode(BuiltinOperator_RESHAPE, tflite::ops::micro::Register_RESHAPE()); }
  TfLiteStatus AddResizeNearestNeighbor() { return AddBuiltinCode(BuiltinOperator_RESIZE_NEAREST_NEIGHBOR, tflite::ops::micro::Register_RESIZE_NEAREST_NEIGHBOR()); }
  TfLiteStatus AddRound() { return AddBuiltinCode(BuiltinOperator_ROUND, tflite::ops::micro::Register_ROUND()); }
  TfLiteStatus AddRsqrt() { return AddBuiltinCode(BuiltinOperator_RSQRT, tflite::ops::micro::Register_RSQRT()); }
  TfLiteStatus AddShape() { return AddBuiltinCode(BuiltinOperator_SHAPE, tflite::Register_SHAPE()); }
  TfLiteStatus AddSin() { return AddBuiltinCode(BuiltinOperator_SIN, tflite::ops::micro::Register_SIN()); }
  TfLiteStatus AddSoftmax() { return AddBuiltinCode(BuiltinOperator_SOFTMAX, tflite::ops::micro::Register_SOFTMAX()); }
  TfLiteStatus AddSplit() { return AddBuiltinCode(BuiltinOperator_SPLIT, tflite::ops::micro::Register_SPLIT()); }
  TfLiteStatus AddSplitV() { return AddBuiltinCode(BuiltinOperator_SPLIT_V, tflite::ops::micro::Register_SPLIT_V()); }
  TfLiteStatus AddSqrt() { return AddBuiltinCode(BuiltinOperator_SQRT, tflite::ops::micro::Register_SQRT()); }
  TfLiteStatus AddSquare() { return AddBuiltinCode(BuiltinOperator_SQUARE, tflite::ops::micro::Register_SQUARE()); }
  TfLiteStatus AddStridedSlice() { return AddBuiltinCode(BuiltinOperator_STRIDED_SLICE, tflite::ops::micro::Register_STRIDED_SLICE()); }
  TfLiteStatus AddSub() { return AddBuiltinCode(BuiltinOperator_SUB, tflite::ops::micro::Register_SUB()); }
  TfLiteStatus AddSvdf() { return AddBuiltinCode(BuiltinOperator_SVDF, tflite::ops::micro::Register_SVDF()); }
  TfLiteStatus AddTanh() { return AddBuiltinCode(BuiltinOperator_TANH, tflite::ops::micro::Register_TANH()); }
  TfLiteStatus AddUnpack() { return AddBuiltinCode(BuiltinOperator_UNPACK, tflite::ops::micro::Register_UNPACK()); }

  unsigned int GetRegistrationLength() { return registrations_len_; }

 private:
  TfLiteStatus AddBuiltinCode(tflite::BuiltinOperator op, const TfLiteRegistration& registration) {
    if (FindOp(op) != nullptr) {
      if (error_reporter_ != nullptr) {
        error_reporter_->Report("Calling AddBuiltin with the same op more than once is not supported (Op: #%d).", op);
      }
      return kTfLiteError;
    }
    if (registrations_len_ >= tOpCount) {
      if (error_reporter_ != nullptr) {
        error_reporter_->Report("Couldn't register builtin op #%d, resolver size is too small (%d).", op, tOpCount);
      }
      return kTfLiteError;
    }
    TfLiteRegistration* r = &registrations_[registrations_len_++];
    *r = registration;
    r->builtin_code = op;
    return kTfLiteOk;
  }

  TfLiteRegistration registrations_[tOpCount];
  unsigned int registrations_len_ = 0;
  ErrorReporter* error_reporter_;
};

}  // namespace tflite

#endif
