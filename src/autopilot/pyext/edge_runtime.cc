#include "autopilot/pyext/edge_runtime.h"

#include <algorithm>
#include <cstring>

namespace autopilot::pyext {

EdgeRuntime::EdgeRuntime(tflite::Model model) : declared_(std::move(model)) {}

Result<EdgeRuntime> EdgeRuntime::FromPath(const std::string& path) {
  auto model = tflite::LoadModel(path);
  if (!model) return model.error();
  if (model->subgraphs.empty()) return Error{"ml.schema_mismatch", "model has no subgraph"};
  return EdgeRuntime(std::move(*model));
}

Result<EdgeRuntime> EdgeRuntime::FromBytes(std::span<const uint8_t> bytes) {
  auto model = tflite::ParseModel(bytes);
  if (!model) return model.error();
  if (model->subgraphs.empty()) return Error{"ml.schema_mismatch", "model has no subgraph"};
  return EdgeRuntime(std::move(*model));
}

Result<void> EdgeRuntime::Allocate() {
  interpreter_.reset();
  auto in = tflite::Interpreter::Create(declared_);
  if (!in) return in.error();
  interpreter_.emplace(std::move(*in));
  return {};
}

Result<void> EdgeRuntime::ResizeInput(int32_t tensor_index, const std::vector<int32_t>& shape) {
  auto& sg = declared_.subgraphs[0];
  if (std::find(sg.inputs.begin(), sg.inputs.end(), tensor_index) == sg.inputs.end()) {
    return Error{"ml.shape_mismatch", "tensor " + std::to_string(tensor_index) + " is not an input"};
  }
  auto& t = sg.tensors[static_cast<size_t>(tensor_index)];
  if (t.shape == shape) return {};
  t.shape = shape;
  interpreter_.reset();  // real TFLite also needs allocate_tensors() after a resize
  return {};
}

const tflite::SubGraph& EdgeRuntime::graph() const {
  return interpreter_ ? interpreter_->model().subgraphs[0] : declared_.subgraphs[0];
}

const tflite::Tensor& EdgeRuntime::TensorAt(int32_t index) const {
  return graph().tensors.at(static_cast<size_t>(index));
}

bool EdgeRuntime::IsConstant(int32_t index) const {
  const auto& t = declared_.subgraphs[0].tensors.at(static_cast<size_t>(index));
  return t.buffer != 0 && t.buffer < declared_.buffers.size() &&
         !declared_.buffers[t.buffer].data.empty();
}

void EdgeRuntime::SetBytes(int32_t index, std::span<const uint8_t> bytes) {
  uint8_t* dst = MutableData(index);
  if (dst && !bytes.empty()) std::memcpy(dst, bytes.data(), std::min(bytes.size(), Bytes(index).size()));
}

void EdgeRuntime::Invoke() {
  if (interpreter_) interpreter_->Invoke();
}

std::span<const uint8_t> EdgeRuntime::Bytes(int32_t index) const {
  if (interpreter_) return interpreter_->TensorBytes(index);
  const auto& t = declared_.subgraphs[0].tensors.at(static_cast<size_t>(index));
  if (!IsConstant(index)) return {};
  return declared_.buffers[t.buffer].data;
}

uint8_t* EdgeRuntime::MutableData(int32_t index) {
  if (!interpreter_) return nullptr;
  // The interpreter owns one std::vector per tensor for its whole life; writing an input's bytes
  // before Invoke() is exactly what SetInputBytes does, without the copy.
  return const_cast<uint8_t*>(interpreter_->TensorBytes(index).data());
}

}  // namespace autopilot::pyext
