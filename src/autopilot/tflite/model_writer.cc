// SerializeModel: Model → .tflite bytes through the generated builder code.

#include <flatbuffers/flatbuffers.h>

#include <map>
#include <tuple>

#include "autopilot/tflite/model.h"
#include "tflite_subset_generated.h"

namespace autopilot::tflite {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

fb::ActivationFunctionType Act(Activation a) { return static_cast<fb::ActivationFunctionType>(a); }
fb::Padding Pad(Padding p) { return static_cast<fb::Padding>(p); }

// Writes the options table the runtime reads for this operator; the union type comes from the
// operator code, so a model built in code needs no options_type of its own.
std::pair<fb::BuiltinOptions, Offset<void>> WriteOptions(FlatBufferBuilder& b, const Operator& op) {
  const OpOptions& o = op.options;
  switch (op.builtin_code) {
    case op::kConv2D:
      return {fb::BuiltinOptions::Conv2DOptions,
              fb::CreateConv2DOptions(b, Pad(o.padding), o.stride_w, o.stride_h, Act(o.activation),
                                      o.dilation_w, o.dilation_h)
                  .Union()};
    case op::kDepthwiseConv2D:
      return {fb::BuiltinOptions::DepthwiseConv2DOptions,
              fb::CreateDepthwiseConv2DOptions(b, Pad(o.padding), o.stride_w, o.stride_h,
                                               o.depth_multiplier, Act(o.activation),
                                               o.dilation_w, o.dilation_h)
                  .Union()};
    case op::kAveragePool2D:
    case op::kMaxPool2D:
      return {fb::BuiltinOptions::Pool2DOptions,
              fb::CreatePool2DOptions(b, Pad(o.padding), o.stride_w, o.stride_h, o.filter_w,
                                      o.filter_h, Act(o.activation))
                  .Union()};
    case op::kFullyConnected:
      return {fb::BuiltinOptions::FullyConnectedOptions,
              fb::CreateFullyConnectedOptions(b, Act(o.activation),
                                              fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                              o.keep_num_dims, false)
                  .Union()};
    case op::kSoftmax:
      return {fb::BuiltinOptions::SoftmaxOptions, fb::CreateSoftmaxOptions(b, o.beta).Union()};
    case op::kConcatenation:
      return {fb::BuiltinOptions::ConcatenationOptions,
              fb::CreateConcatenationOptions(b, o.axis, Act(o.activation)).Union()};
    case op::kAdd:
      return {fb::BuiltinOptions::AddOptions, fb::CreateAddOptions(b, Act(o.activation)).Union()};
    case op::kMul:
      return {fb::BuiltinOptions::MulOptions, fb::CreateMulOptions(b, Act(o.activation)).Union()};
    case op::kReshape:
      if (o.new_shape.empty()) return {fb::BuiltinOptions::NONE, 0};
      return {fb::BuiltinOptions::ReshapeOptions,
              fb::CreateReshapeOptions(b, b.CreateVector(o.new_shape)).Union()};
    case op::kMean:
      return {fb::BuiltinOptions::ReducerOptions,
              fb::CreateReducerOptions(b, o.keep_dims).Union()};
    default:
      return {fb::BuiltinOptions::NONE, 0};
  }
}

}  // namespace

Result<std::vector<uint8_t>> SerializeModel(const Model& model) {
  if (model.subgraphs.empty()) return Error{"ml.schema_mismatch", "model has no subgraph"};
  FlatBufferBuilder b(4096);

  std::vector<Offset<fb::Buffer>> buffers;
  for (const Buffer& buf : model.buffers) {
    if (buf.data.empty()) {
      buffers.push_back(fb::CreateBuffer(b));
      continue;
    }
    b.ForceVectorAlignment(buf.data.size(), sizeof(uint8_t), 16);
    auto data = b.CreateVector(buf.data);
    buffers.push_back(fb::CreateBuffer(b, data));
  }
  if (buffers.empty()) buffers.push_back(fb::CreateBuffer(b));

  // Operator codes are shared by all operators with the same (code, custom name, version).
  std::map<std::tuple<int32_t, std::string, int32_t>, uint32_t> code_index;
  std::vector<Offset<fb::OperatorCode>> codes;
  auto code_of = [&](const Operator& op) {
    auto key = std::make_tuple(op.builtin_code, op.custom_code, op.version);
    auto it = code_index.find(key);
    if (it != code_index.end()) return it->second;
    auto custom = op.custom_code.empty() ? 0 : b.CreateString(op.custom_code);
    int8_t small = static_cast<int8_t>(op.builtin_code < 127 ? op.builtin_code : 127);
    codes.push_back(fb::CreateOperatorCode(b, small, custom, op.version, op.builtin_code));
    uint32_t index = static_cast<uint32_t>(codes.size() - 1);
    code_index.emplace(key, index);
    return index;
  };

  std::vector<Offset<fb::SubGraph>> subgraphs;
  for (const SubGraph& sg : model.subgraphs) {
    std::vector<Offset<fb::Tensor>> tensors;
    for (const Tensor& t : sg.tensors) {
      Offset<fb::QuantizationParameters> q = 0;
      if (!t.quant.Empty()) {
        q = fb::CreateQuantizationParameters(
            b, t.quant.min.empty() ? 0 : b.CreateVector(t.quant.min),
            t.quant.max.empty() ? 0 : b.CreateVector(t.quant.max),
            t.quant.scale.empty() ? 0 : b.CreateVector(t.quant.scale),
            t.quant.zero_point.empty() ? 0 : b.CreateVector(t.quant.zero_point),
            fb::QuantizationDetails::NONE, 0, t.quant.quantized_dimension);
      }
      auto shape = b.CreateVector(t.shape);
      auto sig = t.shape_signature.empty() ? 0 : b.CreateVector(t.shape_signature);
      auto name = b.CreateString(t.name);
      tensors.push_back(fb::CreateTensor(b, shape, static_cast<fb::TensorType>(t.type), t.buffer,
                                         name, q, t.is_variable, 0, sig, !t.shape.empty()));
    }
    std::vector<Offset<fb::Operator>> ops;
    for (const Operator& op : sg.operators) {
      uint32_t ci = code_of(op);
      auto [otype, options] = WriteOptions(b, op);
      auto custom = op.custom_options.empty() ? 0 : b.CreateVector(op.custom_options);
      ops.push_back(fb::CreateOperator(b, ci, b.CreateVector(op.inputs), b.CreateVector(op.outputs), otype, options,
                                       custom));
    }
    subgraphs.push_back(fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(sg.inputs),
                                           b.CreateVector(sg.outputs), b.CreateVector(ops),
                                           b.CreateString(sg.name)));
  }

  std::vector<Offset<fb::Metadata>> metadata;
  for (const Metadata& md : model.metadata) {
    metadata.push_back(fb::CreateMetadata(b, b.CreateString(md.name), md.buffer));
  }
  std::vector<Offset<fb::SignatureDef>> sigs;
  for (const Signature& s : model.signatures) {
    std::vector<Offset<fb::TensorMap>> in, out;
    for (const auto& t : s.inputs) in.push_back(fb::CreateTensorMap(b, b.CreateString(t.name), t.tensor_index));
    for (const auto& t : s.outputs) out.push_back(fb::CreateTensorMap(b, b.CreateString(t.name), t.tensor_index));
    sigs.push_back(fb::CreateSignatureDef(b, b.CreateVector(in), b.CreateVector(out),
                                          b.CreateString(s.key), s.subgraph_index));
  }

  auto root = fb::CreateModel(b, model.version, b.CreateVector(codes), b.CreateVector(subgraphs),
                              b.CreateString(model.description), b.CreateVector(buffers), 0,
                              metadata.empty() ? 0 : b.CreateVector(metadata),
                              sigs.empty() ? 0 : b.CreateVector(sigs));
  fb::FinishModelBuffer(b, root);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace autopilot::tflite
