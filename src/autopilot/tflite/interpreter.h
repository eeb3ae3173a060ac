#pragma once
// A reference interpreter for TFLite models (float32, int8, uint8) whose integer kernels follow
// the arithmetic of TFLite's kernels, so results equal the real runtime's bit for bit.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autopilot/tflite/model.h"
#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// A builtin operator of the interpreter's kernel table, with the TFLM `MicroMutableOpResolver`
/// method that registers the same operator on a board.
struct SupportedOp {
  int32_t builtin_code = 0;
  std::string name;           ///< schema name ("FULLY_CONNECTED")
  std::string tflm_resolver;  ///< resolver method ("AddFullyConnected")
};
/// Every operator the interpreter executes, in kernel-table order.
std::vector<SupportedOp> SupportedOpTable();
/// Names of the builtin operators the interpreter executes, sorted.
std::vector<std::string> SupportedOps();
/// The resolver method of an operator the interpreter executes ("AddSoftmax"); "" for others.
std::string TflmResolverCall(int32_t builtin_code);

/// Runs the first subgraph of a model. Create() checks every operator (support, dtypes, shapes,
/// quantization) up front, so Invoke() cannot fail on a model it accepted.
class Interpreter {
 public:
  /// Errors: `ml.op_unsupported` naming the operators it cannot run, ValidateModel's
  /// (`ml.schema_mismatch`, `ml.dtype_mismatch`) for a malformed model, `ml.dtype_mismatch`,
  /// `ml.shape_mismatch`.
  static Result<Interpreter> Create(Model model);

  Interpreter(Interpreter&&) noexcept;
  Interpreter& operator=(Interpreter&&) noexcept;
  ~Interpreter();

  const Model& model() const;
  size_t InputCount() const;
  size_t OutputCount() const;
  /// Tensor index of input/output i.
  int32_t InputIndex(size_t i) const;
  int32_t OutputIndex(size_t i) const;
  const Tensor& TensorInfo(int32_t index) const;

  /// Sets input i from real values: quantized with the input's parameters (TFLite rounding)
  /// when the input is int8/uint8.
  Result<void> SetInputFloat(size_t i, std::span<const float> values);
  /// Sets input i from stored values (raw integers for quantized inputs), range-checked.
  Result<void> SetInputRaw(size_t i, std::span<const double> values);
  /// Sets input i from its exact bytes.
  Result<void> SetInputBytes(size_t i, std::span<const uint8_t> bytes);

  void Invoke();

  /// The bytes of any tensor after Invoke (constants included).
  std::span<const uint8_t> TensorBytes(int32_t index) const;
  /// Values of a tensor as stored (integers for quantized types) or dequantized.
  std::vector<double> TensorValues(int32_t index, bool dequantize) const;
  std::vector<double> OutputValues(size_t i, bool dequantize) const {
    return TensorValues(OutputIndex(i), dequantize);
  }

 private:
  struct Impl;
  explicit Interpreter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autopilot::tflite
