#pragma once
// The project's in-memory form of a TensorFlow Lite model: plain values, independent of the
// flatbuffers code, so the interpreter, the quantizer and the writer share one representation.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// Tensor element types with their TFLite schema codes.
enum class DType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
};

/// Builtin operator codes (TFLite `BuiltinOperator`) of the operators autopilot knows by name.
namespace op {
inline constexpr int32_t kAdd = 0;
inline constexpr int32_t kAveragePool2D = 1;
inline constexpr int32_t kConcatenation = 2;
inline constexpr int32_t kConv2D = 3;
inline constexpr int32_t kDepthwiseConv2D = 4;
inline constexpr int32_t kDequantize = 6;
inline constexpr int32_t kFullyConnected = 9;
inline constexpr int32_t kLogistic = 14;
inline constexpr int32_t kMaxPool2D = 17;
inline constexpr int32_t kMul = 18;
inline constexpr int32_t kRelu = 19;
inline constexpr int32_t kRelu6 = 21;
inline constexpr int32_t kReshape = 22;
inline constexpr int32_t kSoftmax = 25;
inline constexpr int32_t kTanh = 28;
inline constexpr int32_t kCustom = 32;
inline constexpr int32_t kPad = 34;
inline constexpr int32_t kMean = 40;
inline constexpr int32_t kQuantize = 114;
}  // namespace op

/// Fused activation (TFLite `ActivationFunctionType`).
enum class Activation : int8_t { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4, kSignBit = 5 };

enum class Padding : int8_t { kSame = 0, kValid = 1 };

/// Affine quantization: real = scale * (q - zero_point), per tensor or per channel along
/// `quantized_dimension`.
struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  std::vector<float> min;
  std::vector<float> max;
  int32_t quantized_dimension = 0;
  bool custom = false;  ///< a CustomQuantization detail is present (not supported)

  bool Empty() const { return scale.empty() && zero_point.empty() && min.empty() && max.empty(); }
  bool PerChannel() const { return scale.size() > 1; }
};

struct Tensor {
  std::string name;
  std::vector<int32_t> shape;
  std::vector<int32_t> shape_signature;  ///< empty when the model has none
  DType type = DType::kFloat32;
  uint32_t buffer = 0;  ///< index into Model::buffers; 0 is the empty sentinel
  Quantization quant;
  bool is_variable = false;
  bool sparse = false;
};

/// The builtin options autopilot understands, flattened; `options_type` is the TFLite
/// `BuiltinOptions` union code (0 = none) so a model round-trips.
struct OpOptions {
  uint8_t options_type = 0;
  Activation activation = Activation::kNone;
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  int32_t filter_w = 1, filter_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t depth_multiplier = 1;
  float beta = 1.0f;
  int32_t axis = 0;
  bool keep_dims = false;
  bool keep_num_dims = false;
  std::vector<int32_t> new_shape;
};

struct Operator {
  int32_t builtin_code = 0;
  std::string custom_code;
  int32_t version = 1;
  std::vector<int32_t> inputs;  ///< -1 marks an omitted optional input
  std::vector<int32_t> outputs;
  OpOptions options;
  std::vector<uint8_t> custom_options;  ///< a custom operator's options (FlexBuffers), as stored
};

struct SubGraph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<Operator> operators;
};

struct Buffer {
  std::vector<uint8_t> data;
};

struct Metadata {
  std::string name;
  uint32_t buffer = 0;
};

struct SignatureTensor {
  std::string name;
  uint32_t tensor_index = 0;
};

struct Signature {
  std::string key;
  uint32_t subgraph_index = 0;
  std::vector<SignatureTensor> inputs;
  std::vector<SignatureTensor> outputs;
};

/// A whole model (schema version 3).
struct Model {
  uint32_t version = 3;
  std::string description;
  std::vector<SubGraph> subgraphs;
  std::vector<Buffer> buffers;
  std::vector<Metadata> metadata;
  std::vector<Signature> signatures;
};

/// Byte size of one element; 0 for types without a fixed size (string).
size_t DTypeSize(DType type);
/// Schema name of a type ("FLOAT32", "INT8", …); "TYPE_<n>" for unknown codes.
std::string DTypeName(DType type);
/// Schema name of a builtin operator ("FULLY_CONNECTED", …); "BUILTIN_<n>" for unknown codes.
std::string OpName(int32_t builtin_code);
/// Activation name as in the schema ("NONE", "RELU", …).
std::string ActivationName(Activation a);

/// Number of elements of a shape (1 for a scalar); -1 when a dimension is negative or the
/// product overflows.
int64_t ElementCount(const std::vector<int32_t>& shape);

/// Parses and checks a .tflite file: flatbuffers Verifier, `TFL3` identifier, schema version 3,
/// then index and size checks the Verifier cannot do (tensor/buffer/opcode indexes, shapes
/// against constant buffer sizes, quantization arity). Errors use `ml.schema_mismatch`.
Result<Model> ParseModel(std::span<const uint8_t> bytes);
/// Reads and parses a file.
Result<Model> LoadModel(const std::string& path);
/// Serializes a model to .tflite bytes (16-byte aligned buffers, `TFL3` identifier).
Result<std::vector<uint8_t>> SerializeModel(const Model& model);
/// Serializes and writes atomically.
Result<void> SaveModel(const Model& model, const std::string& path);

}  // namespace autopilot::tflite
