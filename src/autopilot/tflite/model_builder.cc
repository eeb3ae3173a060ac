#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite {

ModelBuilder::ModelBuilder() {
  model_.subgraphs.emplace_back();
  model_.subgraphs[0].name = "main";
  model_.buffers.emplace_back();  // buffer 0: the empty sentinel
}

int32_t ModelBuilder::AddTensor(const std::string& name, DType type, std::vector<int32_t> shape,
                                Quantization quant) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  auto& tensors = model_.subgraphs[0].tensors;
  tensors.push_back(std::move(t));
  return static_cast<int32_t>(tensors.size() - 1);
}

int32_t ModelBuilder::AddConstantBytes(const std::string& name, DType type, std::vector<int32_t> shape,
                                       std::vector<uint8_t> bytes, Quantization quant) {
  const int32_t idx = AddTensor(name, type, std::move(shape), std::move(quant));
  model_.buffers.push_back({std::move(bytes)});
  tensor(idx).buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
  return idx;
}

void ModelBuilder::AddOp(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                         OpOptions options, int32_t version) {
  Operator op;
  op.builtin_code = code;
  op.version = version;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  model_.subgraphs[0].operators.push_back(std::move(op));
}

void ModelBuilder::SetInputs(std::vector<int32_t> inputs) { model_.subgraphs[0].inputs = std::move(inputs); }
void ModelBuilder::SetOutputs(std::vector<int32_t> outputs) { model_.subgraphs[0].outputs = std::move(outputs); }

void ModelBuilder::AddMetadata(const std::string& name, const std::string& value) {
  model_.buffers.push_back({std::vector<uint8_t>(value.begin(), value.end())});
  model_.metadata.push_back({name, static_cast<uint32_t>(model_.buffers.size() - 1)});
}

Model ModelBuilder::Finish() {
  Signature sig;
  sig.key = "serving_default";
  const SubGraph& sg = model_.subgraphs[0];
  for (int32_t i : sg.inputs) sig.inputs.push_back({sg.tensors[static_cast<size_t>(i)].name, static_cast<uint32_t>(i)});
  for (int32_t i : sg.outputs) sig.outputs.push_back({sg.tensors[static_cast<size_t>(i)].name, static_cast<uint32_t>(i)});
  model_.signatures = {sig};
  if (model_.description.empty()) model_.description = "autopilot";
  return model_;
}

Quantization QuantParams(float scale, int64_t zero_point) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

std::string MetadataString(const Model& model, const std::string& name) {
  for (const Metadata& m : model.metadata) {
    if (m.name == name && m.buffer < model.buffers.size()) {
      const auto& d = model.buffers[m.buffer].data;
      return std::string(d.begin(), d.end());
    }
  }
  return "";
}

}  // namespace autopilot::tflite
