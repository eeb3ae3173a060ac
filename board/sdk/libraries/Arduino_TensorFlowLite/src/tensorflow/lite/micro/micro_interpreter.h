// Virtual board SDK (autopilot): tflite::MicroInterpreter of the current tflite-micro Arduino port
// (Arduino_TensorFlowLite): no ErrorReporter argument any more, resource variables and a profiler
// interface instead; TFLITE_SCHEMA_VERSION is defined here (the port ships no version.h).
// The public interface matches the real one; behind it the virtual board runs the project's
// reference interpreter and records every AllocateTensors/Invoke.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_INTERPRETER_H_
#define TENSORFLOW_LITE_MICRO_MICRO_INTERPRETER_H_

#include <cstddef>
#include <cstdint>

#include "third_party/flatbuffers/include/flatbuffers/flatbuffers.h"
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/core/api/error_reporter.h"
#include "tensorflow/lite/kernels/internal/tensor_ctypes.h"
#include "tensorflow/lite/micro/micro_allocator.h"
#include "tensorflow/lite/micro/micro_op_resolver.h"
#include "tensorflow/lite/micro/micro_profiler_interface.h"
#include "tensorflow/lite/micro/micro_resource_variable.h"
#include "tensorflow/lite/portable_type_to_tflitetype.h"
#include "tensorflow/lite/schema/schema_generated.h"

#define TFLITE_SCHEMA_VERSION (3)

namespace tflite {

class MicroInterpreter {
 public:
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver, uint8_t* tensor_arena,
                   size_t tensor_arena_size, MicroResourceVariables* resource_variables = nullptr,
                   MicroProfilerInterface* profiler = nullptr, bool preserve_all_tensors = false);
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver,
                   MicroAllocator* allocator, MicroResourceVariables* resource_variables = nullptr,
                   MicroProfilerInterface* profiler = nullptr);
  ~MicroInterpreter();

  TfLiteStatus AllocateTensors();
  TfLiteStatus Invoke();

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

  TfLiteStatus Reset();
  TfLiteStatus SetMicroExternalContext(void* external_context_payload);
  TfLiteStatus initialization_status() const { return initialization_status_; }
  size_t arena_used_bytes() const;

 private:
  const flatbuffers::Vector<int32_t>* subgraph_inputs() const;
  const flatbuffers::Vector<int32_t>* subgraph_outputs() const;
  void Init(uint8_t* arena, size_t arena_size);

  const Model* model_;
  const MicroOpResolver& op_resolver_;
  TfLiteStatus initialization_status_;
  void* state_;
};

}  // namespace tflite

#endif
