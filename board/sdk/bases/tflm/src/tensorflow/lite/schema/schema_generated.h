// Virtual board SDK (autopilot): the part of TFLite's generated schema API that sketches use —
// tflite::Model and friends, BuiltinOperator and TensorType, GetModel. Written for the project
// from the public schema; it reads the model's flatbuffer in place.
#ifndef FLATBUFFERS_GENERATED_SCHEMA_TFLITE_H_
#define FLATBUFFERS_GENERATED_SCHEMA_TFLITE_H_

#include "third_party/flatbuffers/include/flatbuffers/flatbuffers.h"

namespace tflite {

enum TensorType {
  TensorType_FLOAT32 = 0,
  TensorType_FLOAT16 = 1,
  TensorType_INT32 = 2,
  TensorType_UINT8 = 3,
  TensorType_INT64 = 4,
  TensorType_STRING = 5,
  TensorType_BOOL = 6,
  TensorType_INT16 = 7,
  TensorType_COMPLEX64 = 8,
  TensorType_INT8 = 9,
  TensorType_FLOAT64 = 10,
  TensorType_MIN = TensorType_FLOAT32,
  TensorType_MAX = TensorType_FLOAT64
};

enum BuiltinOperator {
  BuiltinOperator_ADD = 0,
  BuiltinOperator_AVERAGE_POOL_2D = 1,
  BuiltinOperator_CONCATENATION = 2,
  BuiltinOperator_CONV_2D = 3,
  BuiltinOperator_DEPTHWISE_CONV_2D = 4,
  BuiltinOperator_DEPTH_TO_SPACE = 5,
  BuiltinOperator_DEQUANTIZE = 6,
  BuiltinOperator_EMBEDDING_LOOKUP = 7,
  BuiltinOperator_FLOOR = 8,
  BuiltinOperator_FULLY_CONNECTED = 9,
  BuiltinOperator_HASHTABLE_LOOKUP = 10,
  BuiltinOperator_L2_NORMALIZATION = 11,
  BuiltinOperator_L2_POOL_2D = 12,
  BuiltinOperator_LOCAL_RESPONSE_NORMALIZATION = 13,
  BuiltinOperator_LOGISTIC = 14,
  BuiltinOperator_LSH_PROJECTION = 15,
  BuiltinOperator_LSTM = 16,
  BuiltinOperator_MAX_POOL_2D = 17,
  BuiltinOperator_MUL = 18,
  BuiltinOperator_RELU = 19,
  BuiltinOperator_RELU_N1_TO_1 = 20,
  BuiltinOperator_RELU6 = 21,
  BuiltinOperator_RESHAPE = 22,
  BuiltinOperator_RESIZE_BILINEAR = 23,
  BuiltinOperator_RNN = 24,
  BuiltinOperator_SOFTMAX = 25,
  BuiltinOperator_SPACE_TO_DEPTH = 26,
  BuiltinOperator_SVDF = 27,
  BuiltinOperator_TANH = 28,
  BuiltinOperator_CONCAT_EMBEDDINGS = 29,
  BuiltinOperator_SKIP_GRAM = 30,
  BuiltinOperator_CALL = 31,
  BuiltinOperator_CUSTOM = 32,
  BuiltinOperator_EMBEDDING_LOOKUP_SPARSE = 33,
  BuiltinOperator_PAD = 34,
  BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_RNN = 35,
  BuiltinOperator_GATHER = 36,
  BuiltinOperator_BATCH_TO_SPACE_ND = 37,
  BuiltinOperator_SPACE_TO_BATCH_ND = 38,
  BuiltinOperator_TRANSPOSE = 39,
  BuiltinOperator_MEAN = 40,
  BuiltinOperator_SUB = 41,
  BuiltinOperator_DIV = 42,
  BuiltinOperator_SQUEEZE = 43,
  BuiltinOperator_UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
  BuiltinOperator_STRIDED_SLICE = 45,
  BuiltinOperator_BIDIRECTIONAL_SEQUENCE_RNN = 46,
  BuiltinOperator_EXP = 47,
  BuiltinOperator_TOPK_V2 = 48,
  BuiltinOperator_SPLIT = 49,
  BuiltinOperator_LOG_SOFTMAX = 50,
  BuiltinOperator_DELEGATE = 51,
  BuiltinOperator_BIDIRECTIONAL_SEQUENCE_LSTM = 52,
  BuiltinOperator_CAST = 53,
  BuiltinOperator_PRELU = 54,
  BuiltinOperator_MAXIMUM = 55,
  BuiltinOperator_ARG_MAX = 56,
  BuiltinOperator_MINIMUM = 57,
  BuiltinOperator_LESS = 58,
  BuiltinOperator_NEG = 59,
  BuiltinOperator_PADV2 = 60,
  BuiltinOperator_GREATER = 61,
  BuiltinOperator_GREATER_EQUAL = 62,
  BuiltinOperator_LESS_EQUAL = 63,
  BuiltinOperator_SELECT = 64,
  BuiltinOperator_SLICE = 65,
  BuiltinOperator_SIN = 66,
  BuiltinOperator_TRANSPOSE_CONV = 67,
  BuiltinOperator_SPARSE_TO_DENSE = 68,
  BuiltinOperator_TILE = 69,
  BuiltinOperator_EXPAND_DIMS = 70,
  BuiltinOperator_EQUAL = 71,
  BuiltinOperator_NOT_EQUAL = 72,
  BuiltinOperator_LOG = 73,
  BuiltinOperator_SUM = 74,
  BuiltinOperator_SQRT = 75,
  BuiltinOperator_RSQRT = 76,
  BuiltinOperator_SHAPE = 77,
  BuiltinOperator_POW = 78,
  BuiltinOperator_ARG_MIN = 79,
  BuiltinOperator_FAKE_QUANT = 80,
  BuiltinOperator_REDUCE_PROD = 81,
  BuiltinOperator_REDUCE_MAX = 82,
  BuiltinOperator_PACK = 83,
  BuiltinOperator_LOGICAL_OR = 84,
  BuiltinOperator_ONE_HOT = 85,
  BuiltinOperator_LOGICAL_AND = 86,
  BuiltinOperator_LOGICAL_NOT = 87,
  BuiltinOperator_UNPACK = 88,
  BuiltinOperator_REDUCE_MIN = 89,
  BuiltinOperator_FLOOR_DIV = 90,
  BuiltinOperator_REDUCE_ANY = 91,
  BuiltinOperator_SQUARE = 92,
  BuiltinOperator_ZEROS_LIKE = 93,
  BuiltinOperator_FILL = 94,
  BuiltinOperator_FLOOR_MOD = 95,
  BuiltinOperator_RANGE = 96,
  BuiltinOperator_RESIZE_NEAREST_NEIGHBOR = 97,
  BuiltinOperator_LEAKY_RELU = 98,
  BuiltinOperator_SQUARED_DIFFERENCE = 99,
  BuiltinOperator_MIRROR_PAD = 100,
  BuiltinOperator_ABS = 101,
  BuiltinOperator_SPLIT_V = 102,
  BuiltinOperator_UNIQUE = 103,
  BuiltinOperator_CEIL = 104,
  BuiltinOperator_REVERSE_V2 = 105,
  BuiltinOperator_ADD_N = 106,
  BuiltinOperator_GATHER_ND = 107,
  BuiltinOperator_COS = 108,
  BuiltinOperator_WHERE = 109,
  BuiltinOperator_RANK = 110,
  BuiltinOperator_ELU = 111,
  BuiltinOperator_REVERSE_SEQUENCE = 112,
  BuiltinOperator_MATRIX_DIAG = 113,
  BuiltinOperator_QUANTIZE = 114,
  BuiltinOperator_MATRIX_SET_DIAG = 115,
  BuiltinOperator_ROUND = 116,
  BuiltinOperator_HARD_SWISH = 117,
  BuiltinOperator_IF = 118,
  BuiltinOperator_WHILE = 119,
  BuiltinOperator_NON_MAX_SUPPRESSION_V4 = 120,
  BuiltinOperator_NON_MAX_SUPPRESSION_V5 = 121,
  BuiltinOperator_SCATTER_ND = 122,
  BuiltinOperator_SELECT_V2 = 123,
  BuiltinOperator_DENSIFY = 124,
  BuiltinOperator_SEGMENT_SUM = 125,
  BuiltinOperator_BATCH_MATMUL = 126,
  BuiltinOperator_MIN = BuiltinOperator_ADD,
  BuiltinOperator_MAX = BuiltinOperator_BATCH_MATMUL
};

struct Buffer : private flatbuffers::Table {
  const flatbuffers::Vector<uint8_t>* data() const {
    return GetPointer<const flatbuffers::Vector<uint8_t>*>(4);
  }
};

struct OperatorCode : private flatbuffers::Table {
  int8_t deprecated_builtin_code() const { return GetField<int8_t>(4, 0); }
  const flatbuffers::String* custom_code() const { return GetPointer<const flatbuffers::String*>(6); }
  int32_t version() const { return GetField<int32_t>(8, 1); }
  BuiltinOperator builtin_code() const {
    int32_t code = GetField<int32_t>(10, 0);
    int32_t legacy = deprecated_builtin_code();
    return static_cast<BuiltinOperator>(code > legacy ? code : legacy);
  }
};

struct QuantizationParameters : private flatbuffers::Table {
  const flatbuffers::Vector<float>* min() const { return GetPointer<const flatbuffers::Vector<float>*>(4); }
  const flatbuffers::Vector<float>* max() const { return GetPointer<const flatbuffers::Vector<float>*>(6); }
  const flatbuffers::Vector<float>* scale() const { return GetPointer<const flatbuffers::Vector<float>*>(8); }
  const flatbuffers::Vector<int64_t>* zero_point() const {
    return GetPointer<const flatbuffers::Vector<int64_t>*>(10);
  }
};

struct Tensor : private flatbuffers::Table {
  const flatbuffers::Vector<int32_t>* shape() const { return GetPointer<const flatbuffers::Vector<int32_t>*>(4); }
  TensorType type() const { return static_cast<TensorType>(GetField<int8_t>(6, 0)); }
  uint32_t buffer() const { return GetField<uint32_t>(8, 0); }
  const flatbuffers::String* name() const { return GetPointer<const flatbuffers::String*>(10); }
  const QuantizationParameters* quantization() const {
    return GetPointer<const QuantizationParameters*>(12);
  }
  bool is_variable() const { return GetField<uint8_t>(14, 0) != 0; }
};

struct Operator : private flatbuffers::Table {
  uint32_t opcode_index() const { return GetField<uint32_t>(4, 0); }
  const flatbuffers::Vector<int32_t>* inputs() const { return GetPointer<const flatbuffers::Vector<int32_t>*>(6); }
  const flatbuffers::Vector<int32_t>* outputs() const { return GetPointer<const flatbuffers::Vector<int32_t>*>(8); }
};

struct SubGraph : private flatbuffers::Table {
  const flatbuffers::Vector<flatbuffers::Offset<Tensor>>* tensors() const {
    return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<Tensor>>*>(4);
  }
  const flatbuffers::Vector<int32_t>* inputs() const { return GetPointer<const flatbuffers::Vector<int32_t>*>(6); }
  const flatbuffers::Vector<int32_t>* outputs() const { return GetPointer<const flatbuffers::Vector<int32_t>*>(8); }
  const flatbuffers::Vector<flatbuffers::Offset<Operator>>* operators() const {
    return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<Operator>>*>(10);
  }
  const flatbuffers::String* name() const { return GetPointer<const flatbuffers::String*>(12); }
};

struct Model : private flatbuffers::Table {
  uint32_t version() const { return GetField<uint32_t>(4, 0); }
  const flatbuffers::Vector<flatbuffers::Offset<OperatorCode>>* operator_codes() const {
    return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<OperatorCode>>*>(6);
  }
  const flatbuffers::Vector<flatbuffers::Offset<SubGraph>>* subgraphs() const {
    return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<SubGraph>>*>(8);
  }
  const flatbuffers::String* description() const { return GetPointer<const flatbuffers::String*>(10); }
  const flatbuffers::Vector<flatbuffers::Offset<Buffer>>* buffers() const {
    return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<Buffer>>*>(12);
  }
};

inline const tflite::Model* GetModel(const void* buf) {
  return flatbuffers::GetRoot<tflite::Model>(buf);
}

inline const char* ModelIdentifier() { return "TFL3"; }

}  // namespace tflite

#endif
