// The C interface (board/sdk/runtime/vboard_tflm.h) through which sketch binaries run models on
// the project's reference interpreter. Built as its own static library and linked into every
// sketch; it runs inside the sandboxed sketch process, so it never throws across the C boundary.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"

namespace {

using autopilot::tflite::Interpreter;

struct Loaded {
  std::unique_ptr<Interpreter> interpreter;
};

std::vector<Loaded>& Handles() {
  static std::vector<Loaded> handles;
  return handles;
}

void SetError(char* err, size_t len, const std::string& msg) {
  if (err == nullptr || len == 0) return;
  std::snprintf(err, len, "%s", msg.c_str());
}

const autopilot::tflite::Tensor& IoTensor(const Interpreter& it, int output, int index) {
  auto i = static_cast<size_t>(index);
  return it.TensorInfo(output ? it.OutputIndex(i) : it.InputIndex(i));
}

}  // namespace

extern "C" {

struct vboard_tensor_desc {
  int dtype;
  int dims_size;
  int dims[8];
  float scale;
  int32_t zero_point;
  size_t bytes;
};

int vboard_tflm_load(const unsigned char* data, size_t size, char* err, size_t err_len) {
  try {
    auto model = autopilot::tflite::ParseModel(std::span<const uint8_t>(data, size));
    if (!model) {
      SetError(err, err_len, model.error().message);
      return -1;
    }
    auto it = Interpreter::Create(std::move(*model));
    if (!it) {
      SetError(err, err_len, it.error().message);
      return -1;
    }
    Handles().push_back(Loaded{std::make_unique<Interpreter>(std::move(*it))});
    return static_cast<int>(Handles().size()) - 1;
  } catch (const std::exception& e) {
    SetError(err, err_len, e.what());
    return -1;
  }
}

int vboard_tflm_count(int handle, int output) {
  const Interpreter& it = *Handles().at(static_cast<size_t>(handle)).interpreter;
  return static_cast<int>(output ? it.OutputCount() : it.InputCount());
}

int vboard_tflm_desc(int handle, int output, int index, vboard_tensor_desc* desc) {
  const Interpreter& it = *Handles().at(static_cast<size_t>(handle)).interpreter;
  const auto& t = IoTensor(it, output, index);
  std::memset(desc, 0, sizeof *desc);
  desc->dtype = static_cast<int>(t.type);
  desc->dims_size = static_cast<int>(std::min<size_t>(t.shape.size(), 8));
  for (int i = 0; i < desc->dims_size; ++i) desc->dims[i] = t.shape[static_cast<size_t>(i)];
  desc->scale = t.quant.scale.empty() ? 0.0f : t.quant.scale[0];
  desc->zero_point = t.quant.zero_point.empty() ? 0 : static_cast<int32_t>(t.quant.zero_point[0]);
  int64_t n = autopilot::tflite::ElementCount(t.shape);
  desc->bytes = static_cast<size_t>(n < 0 ? 0 : n) * autopilot::tflite::DTypeSize(t.type);
  return 0;
}

int vboard_tflm_ops(int handle, int* codes, int max) {
  const Interpreter& it = *Handles().at(static_cast<size_t>(handle)).interpreter;
  std::set<int> seen;
  int n = 0;
  for (const auto& op : it.model().subgraphs.at(0).operators) {
    if (seen.insert(op.builtin_code).second && n < max) codes[n++] = op.builtin_code;
  }
  return n;
}

size_t vboard_tflm_activation_bytes(int handle) {
  const Interpreter& it = *Handles().at(static_cast<size_t>(handle)).interpreter;
  const auto& model = it.model();
  size_t total = 0;
  for (const auto& t : model.subgraphs.at(0).tensors) {
    bool constant = t.buffer != 0 && t.buffer < model.buffers.size() && !model.buffers[t.buffer].data.empty();
    if (constant) continue;
    int64_t n = autopilot::tflite::ElementCount(t.shape);
    total += (static_cast<size_t>(n < 0 ? 0 : n) * autopilot::tflite::DTypeSize(t.type) + 15u) / 16u * 16u;
  }
  return total;
}

int vboard_tflm_invoke(int handle, const unsigned char* const* inputs, unsigned char* const* outputs,
                       char* err, size_t err_len) {
  try {
    Interpreter& it = *Handles().at(static_cast<size_t>(handle)).interpreter;
    for (size_t i = 0; i < it.InputCount(); ++i) {
      vboard_tensor_desc d;
      vboard_tflm_desc(handle, 0, static_cast<int>(i), &d);
      auto r = it.SetInputBytes(i, std::span<const uint8_t>(inputs[i], d.bytes));
      if (!r) {
        SetError(err, err_len, r.error().message);
        return 1;
      }
    }
    it.Invoke();
    for (size_t i = 0; i < it.OutputCount(); ++i) {
      auto bytes = it.TensorBytes(it.OutputIndex(i));
      std::memcpy(outputs[i], bytes.data(), bytes.size());
    }
    return 0;
  } catch (const std::exception& e) {
    SetError(err, err_len, e.what());
    return 1;
  }
}

}  // extern "C"
