#pragma once
// The state behind one Python `Interpreter`: the model as declared, and the project's
// interpreter once allocate_tensors() has run. Python-free, so the binding stays thin.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::pyext {

/// One model plus its (lazily created) interpreter; tensor metadata reads the declared model
/// until allocation and the interpreter's (resized) model after.
class EdgeRuntime {
 public:
  static Result<EdgeRuntime> FromPath(const std::string& path);
  static Result<EdgeRuntime> FromBytes(std::span<const uint8_t> bytes);

  bool allocated() const { return interpreter_.has_value(); }
  /// (Re)creates the interpreter with the current input shapes; the error text is the reason.
  Result<void> Allocate();
  /// Changes a graph input's shape; takes effect at the next Allocate().
  Result<void> ResizeInput(int32_t tensor_index, const std::vector<int32_t>& shape);

  const tflite::SubGraph& graph() const;
  const tflite::Tensor& TensorAt(int32_t index) const;
  int32_t TensorCount() const { return static_cast<int32_t>(declared_.subgraphs[0].tensors.size()); }
  /// A constant (its buffer has data), readable before allocation.
  bool IsConstant(int32_t index) const;
  const std::vector<tflite::Signature>& signatures() const { return declared_.signatures; }

  /// Copies exact bytes into a tensor (sizes checked by the caller).
  void SetBytes(int32_t index, std::span<const uint8_t> bytes);
  void Invoke();
  /// The tensor's storage: the interpreter's after allocation, the constant's buffer before.
  std::span<const uint8_t> Bytes(int32_t index) const;
  /// Writable access for numpy views; the interpreter keeps one stable buffer per tensor.
  uint8_t* MutableData(int32_t index);

 private:
  explicit EdgeRuntime(tflite::Model model);
  tflite::Model declared_;
  std::optional<tflite::Interpreter> interpreter_;
};

}  // namespace autopilot::pyext
