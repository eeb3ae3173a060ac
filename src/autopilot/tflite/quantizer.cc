#include "autopilot/tflite/quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite {
namespace {

struct Range {
  float min = std::numeric_limits<float>::max();
  float max = std::numeric_limits<float>::lowest();
  bool seen = false;
};

// Asymmetric int8 parameters covering [min, max] with zero exactly representable.
Quantization ActivationParams(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  if (hi - lo < 1e-8f) hi = lo + 1e-8f;
  const double scale = (static_cast<double>(hi) - lo) / 255.0;
  const double zp_real = -128.0 - lo / scale;
  const auto zp = static_cast<int64_t>(std::clamp(std::round(zp_real), -128.0, 127.0));
  Quantization q;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {zp};
  return q;
}

std::vector<float> FloatData(const Model& m, const Tensor& t) {
  const auto& d = m.buffers[t.buffer].data;
  std::vector<float> v(d.size() / 4);
  std::memcpy(v.data(), d.data(), v.size() * 4);
  return v;
}

template <typename V>
std::vector<uint8_t> Bytes(const std::vector<V>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(V));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

int32_t Find(std::vector<int32_t>& parent, int32_t i) {
  while (parent[static_cast<size_t>(i)] != i) i = parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
  return i;
}

}  // namespace

Result<IoType> ParseIoType(const std::string& s) {
  if (s == "int8") return IoType::kInt8;
  if (s == "uint8") return IoType::kUInt8;
  if (s == "float" || s == "float32") return IoType::kFloat;
  return Error{errc::kUsage, "--io must be int8, uint8 or float, not '" + s + "'"};
}

Result<Model> QuantizeModel(const Model& fm, const std::vector<std::vector<float>>& rep, IoType io) {
  if (rep.empty()) return Error{"ml.conversion_config", "the representative dataset has no rows"};
  auto interp = Interpreter::Create(fm);
  if (!interp) return interp.error();
  const SubGraph& sg = fm.subgraphs[0];
  for (const Tensor& t : sg.tensors) {
    if (t.type != DType::kFloat32 && t.type != DType::kInt32) {
      return Error{"ml.conversion_config", "tensor '" + t.name + "' is " + DTypeName(t.type) +
                                               ": the input to quantize must be a float model"};
    }
  }
  if (interp->InputCount() != 1) return Error{"ml.conversion_config", "only single-input models can be calibrated"};
  const size_t n = sg.tensors.size();
  auto is_const = [&](size_t i) { return !fm.buffers[sg.tensors[i].buffer].data.empty(); };

  // 1. Calibrate: min/max of every activation over the representative rows.
  std::vector<Range> ranges(n);
  for (size_t r = 0; r < rep.size(); ++r) {
    if (auto s = interp->SetInputFloat(0, rep[r]); !s) {
      return Error{"ml.conversion_config", "representative row " + std::to_string(r + 1) + ": " + s.error().message};
    }
    interp->Invoke();
    for (size_t i = 0; i < n; ++i) {
      if (is_const(i) || sg.tensors[i].type != DType::kFloat32) continue;
      for (double v : interp->TensorValues(static_cast<int32_t>(i), false)) {
        ranges[i].min = std::min(ranges[i].min, static_cast<float>(v));
        ranges[i].max = std::max(ranges[i].max, static_cast<float>(v));
        ranges[i].seen = true;
      }
    }
  }

  // 2. Tensors TFLite requires to share parameters (copies and pools) form one group.
  std::vector<int32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto join = [&](int32_t a, int32_t b) { parent[static_cast<size_t>(Find(parent, a))] = Find(parent, b); };
  std::vector<Quantization> fixed(n);  // outputs with parameters fixed by the kernel
  for (const Operator& op : sg.operators) {
    switch (op.builtin_code) {
      case op::kReshape: case op::kMaxPool2D: case op::kAveragePool2D: case op::kPad:
        join(op.inputs[0], op.outputs[0]);
        break;
      case op::kConcatenation:
        for (int32_t i : op.inputs) join(i, op.outputs[0]);
        break;
      case op::kSoftmax: case op::kLogistic:
        fixed[static_cast<size_t>(op.outputs[0])] = QuantParams(1.0f / 256, -128);
        break;
      case op::kTanh:
        fixed[static_cast<size_t>(op.outputs[0])] = QuantParams(1.0f / 128, 0);
        break;
      default:
        break;
    }
  }
  std::vector<Range> group(n);
  std::vector<Quantization> group_fixed(n);
  for (size_t i = 0; i < n; ++i) {
    const auto root = static_cast<size_t>(Find(parent, static_cast<int32_t>(i)));
    if (ranges[i].seen) {
      group[root].min = std::min(group[root].min, ranges[i].min);
      group[root].max = std::max(group[root].max, ranges[i].max);
      group[root].seen = true;
    }
    if (!fixed[i].Empty()) group_fixed[root] = fixed[i];
  }
  std::vector<Quantization> act(n);
  for (size_t i = 0; i < n; ++i) {
    if (is_const(i) || sg.tensors[i].type != DType::kFloat32) continue;
    const auto root = static_cast<size_t>(Find(parent, static_cast<int32_t>(i)));
    if (!group_fixed[root].Empty()) act[i] = group_fixed[root];
    else if (group[root].seen) act[i] = ActivationParams(group[root].min, group[root].max);
    else act[i] = ActivationParams(0, 1);
  }

  // 3. Rewrite tensors: weights per channel, biases int32, other constants per tensor.
  Model qm = fm;
  SubGraph& qs = qm.subgraphs[0];
  std::vector<int> role(n, 0);  // 1 weight (per-channel dim in wdim), 2 bias
  std::vector<int> wdim(n, 0);
  std::vector<int32_t> bias_owner_in(n, -1), bias_owner_w(n, -1);
  for (const Operator& op : sg.operators) {
    const bool conv = op.builtin_code == op::kConv2D || op.builtin_code == op::kDepthwiseConv2D ||
                      op.builtin_code == op::kFullyConnected;
    if (!conv) continue;
    const auto w = static_cast<size_t>(op.inputs[1]);
    role[w] = 1;
    wdim[w] = op.builtin_code == op::kDepthwiseConv2D ? 3 : 0;
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const auto b = static_cast<size_t>(op.inputs[2]);
      role[b] = 2;
      bias_owner_in[b] = op.inputs[0];
      bias_owner_w[b] = op.inputs[1];
    }
  }
  auto set_buffer = [&](size_t i, std::vector<uint8_t> bytes) {
    qm.buffers.push_back({std::move(bytes)});
    qs.tensors[i].buffer = static_cast<uint32_t>(qm.buffers.size() - 1);
  };
  for (size_t i = 0; i < n; ++i) {
    Tensor& t = qs.tensors[i];
    if (!is_const(i) || t.type != DType::kFloat32 || role[i] == 2) continue;
    const std::vector<float> v = FloatData(fm, sg.tensors[i]);
    if (role[i] == 1) {
      const int dim = wdim[i];
      const int channels = t.shape[static_cast<size_t>(dim)];
      int64_t inner = 1;
      for (size_t d = static_cast<size_t>(dim) + 1; d < t.shape.size(); ++d) inner *= t.shape[d];
      std::vector<float> scale(static_cast<size_t>(channels), 0.0f);
      for (size_t k = 0; k < v.size(); ++k) {
        const auto c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
        scale[c] = std::max(scale[c], std::fabs(v[k]));
      }
      for (auto& s : scale) s = s > 0 ? s / 127.0f : 1.0f;
      std::vector<int8_t> q(v.size());
      for (size_t k = 0; k < v.size(); ++k) {
        const auto c = static_cast<size_t>((static_cast<int64_t>(k) / inner) % channels);
        q[k] = static_cast<int8_t>(std::clamp(std::round(v[k] / scale[c]), -127.0f, 127.0f));
      }
      t.type = DType::kInt8;
      t.quant = Quantization{};
      t.quant.scale = scale;
      t.quant.zero_point.assign(scale.size(), 0);
      t.quant.quantized_dimension = dim;
      set_buffer(i, Bytes(q));
    } else {
      float lo = 0, hi = 0;
      for (float f : v) {
        lo = std::min(lo, f);
        hi = std::max(hi, f);
      }
      t.type = DType::kInt8;
      t.quant = ActivationParams(lo, hi);
      std::vector<int8_t> q(v.size());
      for (size_t k = 0; k < v.size(); ++k) {
        q[k] = static_cast<int8_t>(std::clamp<float>(std::round(v[k] / t.quant.scale[0]) + static_cast<float>(t.quant.zero_point[0]), -128, 127));
      }
      set_buffer(i, Bytes(q));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    Tensor& t = qs.tensors[i];
    if (role[i] == 2 && t.type == DType::kFloat32) {
      const std::vector<float> v = FloatData(fm, sg.tensors[i]);
      const float in_scale = act[static_cast<size_t>(bias_owner_in[i])].scale[0];
      const Tensor& w = qs.tensors[static_cast<size_t>(bias_owner_w[i])];
      std::vector<int32_t> q(v.size());
      std::vector<float> scale(v.size());
      for (size_t c = 0; c < v.size(); ++c) {
        scale[c] = in_scale * w.quant.scale[w.quant.scale.size() > 1 ? c : 0];
        q[c] = static_cast<int32_t>(std::round(static_cast<double>(v[c]) / scale[c]));
      }
      t.type = DType::kInt32;
      t.quant = Quantization{};
      t.quant.scale = scale;
      t.quant.zero_point.assign(scale.size(), 0);
      set_buffer(i, Bytes(q));
    } else if (!act[i].Empty()) {
      t.type = DType::kInt8;
      t.quant = act[i];
    }
  }
  // Integer kernels have their own op versions (the converter's choices for int8).
  for (Operator& op : qs.operators) {
    switch (op.builtin_code) {
      case op::kFullyConnected: op.version = 4; break;
      case op::kConv2D: case op::kDepthwiseConv2D: op.version = 3; break;
      case op::kReshape: op.version = 1; break;
      default: op.version = 2; break;
    }
  }

  // 4. Edges: float or uint8 I/O through QUANTIZE / DEQUANTIZE.
  auto add_tensor = [&](Tensor t) {
    qs.tensors.push_back(std::move(t));
    return static_cast<int32_t>(qs.tensors.size() - 1);
  };
  if (io != IoType::kInt8) {
    std::vector<Operator> front, back;
    for (int32_t& in : qs.inputs) {
      Tensor outer = qs.tensors[static_cast<size_t>(in)];
      outer.name += io == IoType::kFloat ? "" : "_uint8";
      if (io == IoType::kFloat) {
        outer.type = DType::kFloat32;
        outer.quant = Quantization{};
      } else {
        outer.type = DType::kUInt8;
        outer.quant.zero_point[0] += 128;
      }
      qs.tensors[static_cast<size_t>(in)].name += "_int8";
      const int32_t o = add_tensor(outer);
      Operator q;
      q.builtin_code = op::kQuantize;
      q.version = io == IoType::kFloat ? 1 : 2;
      q.inputs = {o};
      q.outputs = {in};
      front.push_back(q);
      in = o;
    }
    for (int32_t& out : qs.outputs) {
      Tensor outer = qs.tensors[static_cast<size_t>(out)];
      if (io == IoType::kFloat) {
        outer.type = DType::kFloat32;
        outer.quant = Quantization{};
      } else {
        outer.type = DType::kUInt8;
        outer.quant.zero_point[0] += 128;
        outer.name += "_uint8";
      }
      qs.tensors[static_cast<size_t>(out)].name += "_int8";
      const int32_t o = add_tensor(outer);
      Operator q;
      q.builtin_code = io == IoType::kFloat ? op::kDequantize : op::kQuantize;
      q.version = 2;
      q.inputs = {out};
      q.outputs = {o};
      back.push_back(q);
      out = o;
    }
    qs.operators.insert(qs.operators.begin(), front.begin(), front.end());
    qs.operators.insert(qs.operators.end(), back.begin(), back.end());
  }
  for (Signature& sig : qm.signatures) {
    for (size_t k = 0; k < sig.inputs.size() && k < qs.inputs.size(); ++k) sig.inputs[k].tensor_index = static_cast<uint32_t>(qs.inputs[k]);
    for (size_t k = 0; k < sig.outputs.size() && k < qs.outputs.size(); ++k) sig.outputs[k].tensor_index = static_cast<uint32_t>(qs.outputs[k]);
  }
  qm.description = "autopilot model quantize (full integer int8)";
  // Unused float buffers of the replaced constants are dropped by compacting the buffer list.
  std::vector<bool> used(qm.buffers.size(), false);
  used[0] = true;
  for (const Tensor& t : qs.tensors) used[t.buffer] = true;
  for (const Metadata& m : qm.metadata) used[m.buffer] = true;
  std::vector<uint32_t> remap(qm.buffers.size(), 0);
  std::vector<Buffer> kept;
  for (size_t b = 0; b < qm.buffers.size(); ++b) {
    if (!used[b]) continue;
    remap[b] = static_cast<uint32_t>(kept.size());
    kept.push_back(std::move(qm.buffers[b]));
  }
  qm.buffers = std::move(kept);
  for (Tensor& t : qs.tensors) t.buffer = remap[t.buffer];
  for (Metadata& m : qm.metadata) m.buffer = remap[m.buffer];
  // The result must run: check it with the interpreter before anyone writes it out.
  auto check = Interpreter::Create(qm);
  if (!check) return Error{check.error().code, "quantized model is not runnable: " + check.error().message};
  return qm;
}

}  // namespace autopilot::tflite
