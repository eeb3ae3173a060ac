#include "autopilot/tflite/model.h"

#include <limits>

#include "autopilot/util/files.h"

namespace autopilot::tflite {

size_t DTypeSize(DType type) {
  switch (type) {
    case DType::kFloat32: return 4;
    case DType::kFloat16: return 2;
    case DType::kInt32: return 4;
    case DType::kUInt8: return 1;
    case DType::kInt64: return 8;
    case DType::kString: return 0;
    case DType::kBool: return 1;
    case DType::kInt16: return 2;
    case DType::kComplex64: return 8;
    case DType::kInt8: return 1;
    case DType::kFloat64: return 8;
  }
  return 0;
}

std::string DTypeName(DType type) {
  switch (type) {
    case DType::kFloat32: return "FLOAT32";
    case DType::kFloat16: return "FLOAT16";
    case DType::kInt32: return "INT32";
    case DType::kUInt8: return "UINT8";
    case DType::kInt64: return "INT64";
    case DType::kString: return "STRING";
    case DType::kBool: return "BOOL";
    case DType::kInt16: return "INT16";
    case DType::kComplex64: return "COMPLEX64";
    case DType::kInt8: return "INT8";
    case DType::kFloat64: return "FLOAT64";
  }
  return "TYPE_" + std::to_string(static_cast<int>(type));
}

std::string OpName(int32_t code) {
  // The operators a TinyML model commonly contains; others are named by number, which is
  // enough to report them as unsupported.
  switch (code) {
    case 0: return "ADD";
    case 1: return "AVERAGE_POOL_2D";
    case 2: return "CONCATENATION";
    case 3: return "CONV_2D";
    case 4: return "DEPTHWISE_CONV_2D";
    case 5: return "DEPTH_TO_SPACE";
    case 6: return "DEQUANTIZE";
    case 7: return "EMBEDDING_LOOKUP";
    case 8: return "FLOOR";
    case 9: return "FULLY_CONNECTED";
    case 11: return "L2_NORMALIZATION";
    case 12: return "L2_POOL_2D";
    case 14: return "LOGISTIC";
    case 16: return "LSTM";
    case 17: return "MAX_POOL_2D";
    case 18: return "MUL";
    case 19: return "RELU";
    case 20: return "RELU_N1_TO_1";
    case 21: return "RELU6";
    case 22: return "RESHAPE";
    case 23: return "RESIZE_BILINEAR";
    case 24: return "RNN";
    case 25: return "SOFTMAX";
    case 26: return "SPACE_TO_DEPTH";
    case 27: return "SVDF";
    case 28: return "TANH";
    case 32: return "CUSTOM";
    case 34: return "PAD";
    case 36: return "GATHER";
    case 37: return "BATCH_TO_SPACE_ND";
    case 38: return "SPACE_TO_BATCH_ND";
    case 39: return "TRANSPOSE";
    case 40: return "MEAN";
    case 41: return "SUB";
    case 42: return "DIV";
    case 43: return "SQUEEZE";
    case 44: return "UNIDIRECTIONAL_SEQUENCE_LSTM";
    case 45: return "STRIDED_SLICE";
    case 47: return "EXP";
    case 49: return "SPLIT";
    case 50: return "LOG_SOFTMAX";
    case 53: return "CAST";
    case 54: return "PRELU";
    case 55: return "MAXIMUM";
    case 56: return "ARG_MAX";
    case 57: return "MINIMUM";
    case 60: return "PADV2";
    case 65: return "SLICE";
    case 67: return "TRANSPOSE_CONV";
    case 70: return "EXPAND_DIMS";
    case 74: return "SUM";
    case 75: return "SQRT";
    case 76: return "RSQRT";
    case 77: return "SHAPE";
    case 82: return "REDUCE_MAX";
    case 83: return "PACK";
    case 88: return "UNPACK";
    case 92: return "SQUARE";
    case 97: return "RESIZE_NEAREST_NEIGHBOR";
    case 98: return "LEAKY_RELU";
    case 101: return "ABS";
    case 102: return "SPLIT_V";
    case 111: return "ELU";
    case 114: return "QUANTIZE";
    case 117: return "HARD_SWISH";
    case 126: return "BATCH_MATMUL";
    case 150: return "GELU";
    default: return "BUILTIN_" + std::to_string(code);
  }
}

std::string ActivationName(Activation a) {
  switch (a) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kReluN1To1: return "RELU_N1_TO_1";
    case Activation::kRelu6: return "RELU6";
    case Activation::kTanh: return "TANH";
    case Activation::kSignBit: return "SIGN_BIT";
  }
  return "ACTIVATION_" + std::to_string(static_cast<int>(a));
}

int64_t ElementCount(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int32_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

Result<Model> LoadModel(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return text.error();
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text->data()), text->size());
  auto model = ParseModel(bytes);
  if (!model) return Error{model.error().code, path + ": " + model.error().message};
  return model;
}

Result<void> SaveModel(const Model& model, const std::string& path) {
  auto bytes = SerializeModel(model);
  if (!bytes) return bytes.error();
  return util::WriteFileAtomic(path, std::string(bytes->begin(), bytes->end()));
}

}  // namespace autopilot::tflite
