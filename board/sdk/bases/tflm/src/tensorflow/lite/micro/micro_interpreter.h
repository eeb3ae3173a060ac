// Virtual board SDK (autopilot): tflite::MicroInterpreter of the classic API (Harvard_TinyMLx).
// The public interface matches the real one; behind it the virtual board runs the project's
// reference interpreter and records every AllocateTensors/Invoke.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_INTERPRETER_H_
#define TENSORFLOW_LITE_MICRO_MICRO_INTERPRETER_H_

#include <cstddef>
#include <cstdint>

#include "third_party/flatbuffers/include/flatbuffers/flatbuffers.h"
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/core/api/profiler.h"
#include "tensorflow/lite/kernels/internal/tensor_ctypes.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_op_resolver.h"
#include "tensorflow/lite/portable_type_to_tflitetype.h"
#include "tensorflow/lite/schema/schema_generated.h"

namespace tflite {

class MicroInterpreter {
 public:
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver, uint8_t* tensor_arena,
                   size_t tensor_arena_size, ErrorReporter* error_reporter,
                   tflite::Profiler* profiler = nullptr);
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                   MicroAllocator* allocator, ErrorReporter* error_reporter,
                   tflite::Profiler* profiler = nullptr);
  ~MicroInterpreter();

  TfLiteStatus AllocateTensors();
  TfLiteStatus Invoke();

  size_t tensors_size() const { return tensors_size_; }
  TfLiteTensor* tensor(size_t tensor_index);
  template <class T>
  T* typed_tensor(int tensor_index) {
    if (TfLiteTensor* tensor_ptr = tensor(tensor_index)) {
      if (tensor_ptr->type == typeToTfLiteType<T>()) return GetTensorData<T>(tensor_ptr);
    }
    return nullptr;
  }

  TfLiteTensor* input(size_t index);
  size_t inputs_size() const { return subgraph_inputs()->Length(); }
  const flatbuffers::Vector<int32_t>& inputs() const { return *subgraph_inputs(); }
  TfLiteTensor* input_tensor(size_t index) { return input(index); }
  template <class T>
  T* typed_input_tensor(int tensor_index) {
    if (TfLiteTensor* tensor_ptr = input_tensor(tensor_index)) {
      if (tensor_ptr->type == typeToTfLiteType<T>()) return GetTensorData<T>(tensor_ptr);
    }
    return nullptr;
  }

  TfLiteTensor* output(size_t index);
  size_t outputs_size() const { return subgraph_outputs()->Length(); }
  const flatbuffers::Vector<int32_t>& outputs() const { return *subgraph_outputs(); }
  TfLiteTensor* output_tensor(size_t index) { return output(index); }
  template <class T>
  T* typed_output_tensor(int tensor_index) {
    if (TfLiteTensor* tensor_ptr = output_tensor(tensor_index)) {
      if (tensor_ptr->type == typeToTfLiteType<T>()) return GetTensorData<T>(tensor_ptr);
    }
    return nullptr;
  }

  TfLiteStatus ResetVariableTensors();
  TfLiteStatus initialization_status() const { return initialization_status_; }
  size_t operators_size() const;
  size_t arena_used_bytes() const;

 private:
  const flatbuffers::Vector<int32_t>* subgraph_inputs() const;
  const flatbuffers::Vector<int32_t>* subgraph_outputs() const;
  void Init(uint8_t* arena, size_t arena_size);

  const Model* model_;
  const MicroOpResolver& op_resolver_;
  ErrorReporter* error_reporter_;
  TfLiteStatus initialization_status_;
  size_t tensors_size_;
  void* state_;
};

}  // namespace tflite

#endif
