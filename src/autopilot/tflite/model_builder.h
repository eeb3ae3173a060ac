#pragma once
// Building a single-subgraph Model in code (trainer, quantizer, tests).

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "autopilot/tflite/model.h"

namespace autopilot::tflite {

class ModelBuilder {
 public:
  ModelBuilder();

  /// A tensor without data (activation or graph input/output).
  int32_t AddTensor(const std::string& name, DType type, std::vector<int32_t> shape,
                    Quantization quant = {});
  /// A constant tensor holding `values` (raw little-endian copy).
  template <typename V>
  int32_t AddConstant(const std::string& name, DType type, std::vector<int32_t> shape,
                      const std::vector<V>& values, Quantization quant = {}) {
    std::vector<uint8_t> bytes(values.size() * sizeof(V));
    if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    return AddConstantBytes(name, type, std::move(shape), std::move(bytes), std::move(quant));
  }
  int32_t AddConstantBytes(const std::string& name, DType type, std::vector<int32_t> shape,
                           std::vector<uint8_t> bytes, Quantization quant = {});
  void AddOp(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
             OpOptions options = {}, int32_t version = 1);
  void SetInputs(std::vector<int32_t> inputs);
  void SetOutputs(std::vector<int32_t> outputs);
  void AddMetadata(const std::string& name, const std::string& value);
  Tensor& tensor(int32_t index) { return model_.subgraphs[0].tensors[static_cast<size_t>(index)]; }

  /// The model, with a `serving_default` signature naming the inputs and outputs.
  Model Finish();

 private:
  Model model_;
};

/// Per-tensor quantization parameters.
Quantization QuantParams(float scale, int64_t zero_point);
/// Reads a string metadata entry ("" when absent).
std::string MetadataString(const Model& model, const std::string& name);

}  // namespace autopilot::tflite
