#include "autopilot/tflite/model_validate.h"

#include <cmath>
#include <string>

#include "autopilot/tflite/quant_math.h"

namespace autopilot::tflite {
namespace {

constexpr const char* kSchema = "ml.schema_mismatch";
constexpr const char* kDtype = "ml.dtype_mismatch";

std::string ShapeText(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

Result<void> CheckShape(const Tensor& t, const std::string& where) {
  for (int32_t d : t.shape) {
    if (d < 0)
      return Error{kSchema, where + " has a negative dimension in shape " + ShapeText(t.shape)};
  }
  const int64_t n = ElementCount(t.shape);
  if (n < 0)
    return Error{kSchema, where + " has shape " + ShapeText(t.shape) + " whose size overflows"};
  if (n * static_cast<int64_t>(DTypeSize(t.type)) > kMaxTensorBytes) {
    return Error{kSchema, where + " with shape " + ShapeText(t.shape) + " is larger than 256 MiB"};
  }
  return Ok();
}

Result<void> CheckBuffer(const Tensor& t, const Model& m, const std::string& where) {
  if (t.buffer >= m.buffers.size()) {
    return Error{kSchema, where + " refers to buffer " + std::to_string(t.buffer) +
                              " but the model has " + std::to_string(m.buffers.size()) +
                              " buffers"};
  }
  const auto& data = m.buffers[t.buffer].data;
  const size_t need = static_cast<size_t>(ElementCount(t.shape)) * DTypeSize(t.type);
  if (!data.empty() && data.size() < need) {
    return Error{kSchema, where + " has shape " + ShapeText(t.shape) + " of " + DTypeName(t.type) +
                              " (" + std::to_string(need) + " bytes) but its buffer " +
                              std::to_string(t.buffer) + " holds " + std::to_string(data.size()) +
                              " bytes"};
  }
  return Ok();
}

Result<void> CheckQuantization(const Tensor& t, const std::string& where) {
  const Quantization& q = t.quant;
  if (!q.zero_point.empty() && q.zero_point.size() != q.scale.size()) {
    return Error{kSchema, where + " has " + std::to_string(q.scale.size()) + " scales but " +
                              std::to_string(q.zero_point.size()) + " zero points"};
  }
  for (float s : q.scale) {
    if (!std::isfinite(s)) return Error{kSchema, where + " has a non-finite quantization scale"};
  }
  if (q.scale.size() > 1) {
    const int32_t qd = q.quantized_dimension;
    if (qd < 0 || static_cast<size_t>(qd) >= t.shape.size()) {
      return Error{kSchema, where + " has quantized_dimension " + std::to_string(qd) +
                                " outside its rank " + std::to_string(t.shape.size())};
    }
    if (static_cast<size_t>(t.shape[static_cast<size_t>(qd)]) != q.scale.size()) {
      return Error{kSchema, where + " has " + std::to_string(q.scale.size()) +
                                " per-channel scales but dimension " + std::to_string(qd) + " is " +
                                std::to_string(t.shape[static_cast<size_t>(qd)])};
    }
  }
  if (t.type != DType::kInt8 && t.type != DType::kUInt8) return Ok();
  if (q.scale.empty()) {
    return Error{kDtype,
                 where + " is " + DTypeName(t.type) + " but has no quantization parameters"};
  }
  for (float s : q.scale) {
    if (s <= 0.0f) {
      return Error{kDtype,
                   where + " has a quantization scale " + std::to_string(s) + " (must be > 0)"};
    }
  }
  const QuantRange r = TypeRange(t.type);
  for (int64_t zp : q.zero_point) {
    if (zp < r.min || zp > r.max) {
      return Error{kDtype, where + " has zero point " + std::to_string(zp) + " outside the " +
                               DTypeName(t.type) + " range"};
    }
  }
  return Ok();
}

Result<void> CheckTensor(const Tensor& t, const Model& m, const std::string& where) {
  const auto code = static_cast<int>(t.type);
  if (code < 0 || code > static_cast<int>(DType::kFloat64)) {
    return Error{kSchema, where + " has unknown type code " + std::to_string(code)};
  }
  if (auto r = CheckShape(t, where); !r) return r;
  if (auto r = CheckBuffer(t, m, where); !r) return r;
  return CheckQuantization(t, where);
}

// Every index in `idx` names a tensor of the subgraph; -1 (an omitted input) only if allowed.
Result<void> CheckIndexes(const std::vector<int32_t>& idx, size_t n, bool allow_omitted,
                          const std::string& where) {
  for (size_t k = 0; k < idx.size(); ++k) {
    const int32_t i = idx[k];
    if (allow_omitted && i == -1) continue;
    if (i < 0 || static_cast<size_t>(i) >= n) {
      return Error{kSchema, where + " " + std::to_string(k) + " refers to tensor " +
                                std::to_string(i) + " but the subgraph has " + std::to_string(n) +
                                " tensors"};
    }
  }
  return Ok();
}

}  // namespace

Result<void> ValidateModel(const Model& model) {
  for (size_t s = 0; s < model.subgraphs.size(); ++s) {
    const SubGraph& sg = model.subgraphs[s];
    const std::string sgw = "subgraph " + std::to_string(s);
    const size_t n = sg.tensors.size();
    for (size_t i = 0; i < n; ++i) {
      const Tensor& t = sg.tensors[i];
      const std::string where = sgw + " tensor " + std::to_string(i) + " '" + t.name + "'";
      if (auto r = CheckTensor(t, model, where); !r) return r;
    }
    if (auto r = CheckIndexes(sg.inputs, n, false, sgw + " input"); !r) return r;
    if (auto r = CheckIndexes(sg.outputs, n, false, sgw + " output"); !r) return r;
    for (size_t o = 0; o < sg.operators.size(); ++o) {
      const Operator& op = sg.operators[o];
      const std::string where =
          sgw + " operator " + std::to_string(o) + " (" + OpName(op.builtin_code) + ")";
      if (auto r = CheckIndexes(op.inputs, n, true, where + " input"); !r) return r;
      if (auto r = CheckIndexes(op.outputs, n, false, where + " output"); !r) return r;
    }
  }
  return Ok();
}

}  // namespace autopilot::tflite
