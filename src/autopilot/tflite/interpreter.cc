// Interpreter: Create() validates the model, then prepares every operator (checks and
// precomputed fixed-point parameters, as TFLite's Prepare does) through one table of kernels;
// Invoke() runs the kernels in order.

#include "autopilot/tflite/interpreter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <type_traits>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/model_validate.h"
#include "autopilot/tflite/quant_conv.h"
#include "autopilot/tflite/quant_math.h"

namespace autopilot::tflite {
namespace {

/// A quantized convolution prepared for the fast kernels (quant_conv.h): the plan, and the
/// packed filter when the filter is a constant (else it is packed on every invoke).
struct QuantConvOp {
  QuantConvPlan plan;
  std::vector<int16_t> filter;
};

/// Per-operator state computed once (TFLite's OpData).
struct OpState {
  const Operator* op = nullptr;
  int32_t code = 0;
  std::vector<int32_t> mult;  // output multipliers (per channel or one)
  std::vector<int> shift;
  QuantRange act{};          // quantized clamp range
  float fmin = 0, fmax = 0;  // float clamp range
  int32_t in_offset = 0, in2_offset = 0, filter_offset = 0, out_offset = 0;
  int32_t m1 = 0, m2 = 0;  // ADD input multipliers
  int s1 = 0, s2 = 0;
  int left_shift = 0;
  std::vector<float> exp_table;  // SOFTMAX
  std::vector<uint8_t> lut;      // LOGISTIC / TANH, indexed by the byte of the input
  int pad_h = 0, pad_w = 0;      // CONV / POOL
  std::vector<int32_t> pads;     // PAD: before/after per dimension
  std::vector<int32_t> axes;     // MEAN
  std::shared_ptr<const DetectionOptions> detect;  // TFLite_Detection_PostProcess
  std::vector<float> in_scales;  // CONCATENATION (uint8): per input, 0 = same as the output
  std::vector<int32_t> in_zps;
  int32_t mean_bias = 0;
  std::shared_ptr<const QuantConvOp> conv;  // quantized CONV_2D / DEPTHWISE_CONV_2D
};

/// The model and one storage per tensor.
struct Graph {
  Model model;
  std::vector<std::vector<uint8_t>> data;
  QuantConvScratch conv_scratch;  // buffers the quantized convolutions reuse

  const SubGraph& sg() const { return model.subgraphs[0]; }
  const Tensor& T(int32_t i) const { return sg().tensors[static_cast<size_t>(i)]; }
  template <typename V>
  V* D(int32_t i) {
    return reinterpret_cast<V*>(data[static_cast<size_t>(i)].data());
  }
  template <typename V>
  const V* D(int32_t i) const {
    return reinterpret_cast<const V*>(data[static_cast<size_t>(i)].data());
  }
  int64_t N(int32_t i) const { return ElementCount(T(i).shape); }
};

float Scale(const Tensor& t) {
  return t.quant.scale.empty() ? 0.0f : t.quant.scale[0];
}
int32_t Zp(const Tensor& t) {
  return t.quant.zero_point.empty() ? 0 : static_cast<int32_t>(t.quant.zero_point[0]);
}
bool Is8Bit(DType d) {
  return d == DType::kInt8 || d == DType::kUInt8;
}
int Dim(const Tensor& t, int i) {
  return t.shape[static_cast<size_t>(i)];
}
bool HasInput(const Operator& op, size_t i) {
  return op.inputs.size() > i && op.inputs[i] >= 0;
}

Error OpError(const std::string& code, const OpState& s, size_t index, const std::string& what) {
  return Error{code, "operator " + std::to_string(index) + " (" + OpName(s.code) + "): " + what};
}

// Checks shared by quantized tensors: parameters present, one per tensor unless allowed.
Result<void> NeedQuant(const Tensor& t, const std::string& role) {
  if (t.quant.scale.empty() || t.quant.scale[0] <= 0.0f) {
    return Error{"ml.dtype_mismatch", role + " tensor '" + t.name + "' is " + DTypeName(t.type) +
                                          " but has no quantization scale"};
  }
  return Ok();
}

/// Calls f(e, idx) for every index `idx` of `shape` in row-major order; `e` is its flat position.
template <typename F>
void ForEachIndex(const std::vector<int32_t>& shape, F&& f) {
  const size_t rank = shape.size();
  const int64_t n = ElementCount(shape);
  std::vector<int32_t> idx(rank, 0);
  for (int64_t e = 0; e < n; ++e) {
    f(e, static_cast<const std::vector<int32_t>&>(idx));
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// ---- accumulation: float kernels sum floats, quantized kernels int32 with zero-point offsets ----

template <typename T>
inline constexpr bool kIsFloat = std::is_same_v<T, float>;

/// Accumulator (and bias) type of a kernel over T.
template <typename T>
using Acc = std::conditional_t<kIsFloat<T>, float, int32_t>;

/// One input × weight term; quantized values are first shifted by their zero points.
template <typename T>
Acc<T> Product(T in, T w, const OpState& s) {
  if constexpr (kIsFloat<T>) {
    return in * w;
  } else {
    return (static_cast<int32_t>(w) + s.filter_offset) * (static_cast<int32_t>(in) + s.in_offset);
  }
}

/// The stored value of output channel c from its accumulator: clamped by the fused activation,
/// requantized with the channel's multiplier first when quantized.
template <typename T>
T Output(Acc<T> acc, const OpState& s, int c) {
  if constexpr (kIsFloat<T>) {
    return std::clamp(acc, s.fmin, s.fmax);
  } else {
    const size_t ch = s.mult.size() > 1 ? static_cast<size_t>(c) : 0;
    acc = MultiplyByQuantizedMultiplier(acc, s.mult[ch], s.shift[ch]) + s.out_offset;
    return static_cast<T>(std::clamp(acc, s.act.min, s.act.max));
  }
}

template <typename T>
const Acc<T>* Bias(Graph& g, const Operator& op) {
  return HasInput(op, 2) ? g.D<Acc<T>>(op.inputs[2]) : nullptr;
}

// ---- FULLY_CONNECTED ------------------------------------------------------------------------

template <typename T>
void EvalFc(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const Tensor& w = g.T(op.inputs[1]);
  const int n_out = Dim(w, 0), depth = Dim(w, 1);
  const int64_t batches = g.N(op.inputs[0]) / depth;
  const T* in = g.D<T>(op.inputs[0]);
  const T* wd = g.D<T>(op.inputs[1]);
  const Acc<T>* bias = Bias<T>(g, op);
  T* out = g.D<T>(op.outputs[0]);
  for (int64_t b = 0; b < batches; ++b) {
    for (int c = 0; c < n_out; ++c) {
      Acc<T> acc = 0;
      for (int k = 0; k < depth; ++k) acc += Product(in[b * depth + k], wd[c * depth + k], s);
      if (bias) acc += bias[c];
      out[b * n_out + c] = Output<T>(acc, s, c);
    }
  }
}

// ---- CONV_2D / DEPTHWISE_CONV_2D ------------------------------------------------------------

/// The quantized convolutions' fast path (quant_conv.h), exact like the plain loop below (integer
/// sums in another order, the same requantization).
template <typename T>
void EvalConvQuant(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const QuantConvOp& c = *s.conv;
  const int16_t* filter = c.filter.data();
  if (c.filter.empty()) {  // a filter computed by the graph: packed now
    g.conv_scratch.filter.resize(c.plan.PackedFilterSize());
    PackQuantConvFilter(c.plan, g.D<T>(op.inputs[1]), g.conv_scratch.filter.data());
    filter = g.conv_scratch.filter.data();
  }
  RunQuantConv(c.plan, Dim(g.T(op.inputs[0]), 0), g.D<T>(op.inputs[0]), filter, Bias<T>(g, op),
               g.D<T>(op.outputs[0]), &g.conv_scratch);
}

template <typename T, bool kDepthwise>
void EvalConv(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const Tensor &ti = g.T(op.inputs[0]), &tw = g.T(op.inputs[1]), &to = g.T(op.outputs[0]);
  const int batches = Dim(ti, 0), ih = Dim(ti, 1), iw = Dim(ti, 2), ic = Dim(ti, 3);
  const int fh = Dim(tw, 1), fw = Dim(tw, 2);
  const int oh = Dim(to, 1), ow = Dim(to, 2), oc = Dim(to, 3);
  const int filter_in = kDepthwise ? 1 : Dim(tw, 3);
  const OpOptions& o = op.options;
  const T* in = g.D<T>(op.inputs[0]);
  const T* wd = g.D<T>(op.inputs[1]);
  const Acc<T>* bias = Bias<T>(g, op);
  T* out = g.D<T>(op.outputs[0]);
  const int groups = kDepthwise ? 1 : ic / filter_in;
  const int per_group = oc / groups;
  for (int b = 0; b < batches; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < oc; ++c) {
          const int in_y0 = y * o.stride_h - s.pad_h, in_x0 = x * o.stride_w - s.pad_w;
          Acc<T> acc = 0;
          for (int ky = 0; ky < fh; ++ky) {
            const int iy = in_y0 + ky * o.dilation_h;
            if (iy < 0 || iy >= ih) continue;
            for (int kx = 0; kx < fw; ++kx) {
              const int ix = in_x0 + kx * o.dilation_w;
              if (ix < 0 || ix >= iw) continue;
              const T* pixel = in + ((b * ih + iy) * iw + ix) * ic;
              if constexpr (kDepthwise) {
                acc += Product(pixel[c / o.depth_multiplier], wd[(ky * fw + kx) * oc + c], s);
              } else {
                const int g0 = (c / per_group) * filter_in;
                for (int k = 0; k < filter_in; ++k) {
                  acc += Product(pixel[g0 + k], wd[((c * fh + ky) * fw + kx) * filter_in + k], s);
                }
              }
            }
          }
          if (bias) acc += bias[c];
          out[((b * oh + y) * ow + x) * oc + c] = Output<T>(acc, s, c);
        }
}

// ---- pooling --------------------------------------------------------------------------------

/// A pooled value from the window's max or sum over `count` elements.
template <typename T, bool kMax>
T PoolOutput(Acc<T> acc, int32_t count, const OpState& s) {
  if constexpr (kIsFloat<T>) {
    if (!kMax) acc = count > 0 ? acc / static_cast<float>(count) : 0.0f;
    return std::clamp(acc, s.fmin, s.fmax);
  } else {
    if (!kMax && count > 0) {
      acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
    return static_cast<T>(std::clamp(acc, s.act.min, s.act.max));
  }
}

template <typename T, bool kMax>
void EvalPool(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const Tensor &ti = g.T(op.inputs[0]), &to = g.T(op.outputs[0]);
  const int batches = Dim(ti, 0), ih = Dim(ti, 1), iw = Dim(ti, 2), ch = Dim(ti, 3);
  const int oh = Dim(to, 1), ow = Dim(to, 2);
  const OpOptions& o = op.options;
  const T* in = g.D<T>(op.inputs[0]);
  T* out = g.D<T>(op.outputs[0]);
  for (int b = 0; b < batches; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < ch; ++c) {
          const int y0 = y * o.stride_h - s.pad_h, x0 = x * o.stride_w - s.pad_w;
          const int fy0 = std::max(0, -y0), fy1 = std::min(o.filter_h, ih - y0);
          const int fx0 = std::max(0, -x0), fx1 = std::min(o.filter_w, iw - x0);
          Acc<T> acc = kMax ? static_cast<Acc<T>>(std::numeric_limits<T>::lowest()) : Acc<T>(0);
          int32_t count = 0;
          for (int fy = fy0; fy < fy1; ++fy)
            for (int fx = fx0; fx < fx1; ++fx) {
              const Acc<T> v = in[((b * ih + y0 + fy) * iw + x0 + fx) * ch + c];
              acc = kMax ? std::max(acc, v) : acc + v;
              ++count;
            }
          out[((b * oh + y) * ow + x) * ch + c] = PoolOutput<T, kMax>(acc, count, s);
        }
}

// ---- element-wise with broadcasting ---------------------------------------------------------

/// Row-major strides of `shape` aligned to the trailing dimensions of a rank-`rank` output;
/// broadcast (size-1) dimensions get stride 0.
std::vector<int64_t> BroadcastStrides(const std::vector<int32_t>& shape, size_t rank) {
  std::vector<int64_t> st(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t d = shape.size() - 1 - i, od = rank - 1 - i;
    st[od] = shape[d] == 1 ? 0 : stride;
    stride *= shape[d];
  }
  return st;
}

template <typename T, bool kMul>
T BinaryElement(T a, T b, const OpState& s) {
  if constexpr (kIsFloat<T>) {
    const float v = kMul ? a * b : a + b;
    return std::clamp(v, s.fmin, s.fmax);
  } else if constexpr (kMul) {
    const int32_t v1 = s.in_offset + a, v2 = s.in2_offset + b;
    const int32_t r = MultiplyByQuantizedMultiplier(v1 * v2, s.mult[0], s.shift[0]) + s.out_offset;
    return static_cast<T>(std::clamp(r, s.act.min, s.act.max));
  } else {
    const int32_t v1 = (s.in_offset + a) * (1 << s.left_shift);
    const int32_t v2 = (s.in2_offset + b) * (1 << s.left_shift);
    const int32_t x1 = MultiplyByQuantizedMultiplier(v1, s.m1, s.s1);
    const int32_t x2 = MultiplyByQuantizedMultiplier(v2, s.m2, s.s2);
    const int32_t r = MultiplyByQuantizedMultiplier(x1 + x2, s.mult[0], s.shift[0]) + s.out_offset;
    return static_cast<T>(std::clamp(r, s.act.min, s.act.max));
  }
}

template <typename T, bool kMul>
void EvalBinary(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const auto& out_shape = g.T(op.outputs[0]).shape;
  const auto sa = BroadcastStrides(g.T(op.inputs[0]).shape, out_shape.size());
  const auto sb = BroadcastStrides(g.T(op.inputs[1]).shape, out_shape.size());
  const T* a = g.D<T>(op.inputs[0]);
  const T* b = g.D<T>(op.inputs[1]);
  T* out = g.D<T>(op.outputs[0]);
  ForEachIndex(out_shape, [&](int64_t e, const std::vector<int32_t>& idx) {
    int64_t pa = 0, pb = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      pa += idx[d] * sa[d];
      pb += idx[d] * sb[d];
    }
    out[e] = BinaryElement<T, kMul>(a[pa], b[pb], s);
  });
}

// ---- activations ----------------------------------------------------------------------------

template <typename T>
void EvalSoftmaxQuant(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const Tensor& ti = g.T(op.inputs[0]);
  const int depth = ti.shape.back();
  const int64_t rows = g.N(op.inputs[0]) / depth;
  const T* in = g.D<T>(op.inputs[0]);
  T* out = g.D<T>(op.outputs[0]);
  const float out_scale = Scale(g.T(op.outputs[0]));
  for (int64_t r = 0; r < rows; ++r, in += depth, out += depth) {
    int32_t max_val = std::numeric_limits<T>::lowest();
    for (int j = 0; j < depth; ++j) max_val = std::max(max_val, static_cast<int32_t>(in[j]));
    // table[255 - d] = exp(-scale * beta * d): index 255 - max + x covers d = max - x.
    const float* table = s.exp_table.data() + 255 - max_val;
    float sum = 0.0f;
    for (int j = 0; j < depth; ++j) sum += table[in[j]];
    const float inv = 1.0f / (sum * out_scale);
    for (int j = 0; j < depth; ++j) {
      const float p = table[in[j]] * inv;
      int32_t q;
      if constexpr (std::is_same_v<T, uint8_t>) {
        q = static_cast<int32_t>(p + 0.5f) + s.out_offset;  // TFLite's non-ARM uint8 rounding
      } else {
        q = static_cast<int32_t>(std::round(p)) + s.out_offset;
      }
      out[j] = static_cast<T>(
          std::clamp<int32_t>(q, std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max()));
    }
  }
}

void EvalSoftmaxFloat(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const int depth = g.T(op.inputs[0]).shape.back();
  const int64_t rows = g.N(op.inputs[0]) / depth;
  const float* in = g.D<float>(op.inputs[0]);
  float* out = g.D<float>(op.outputs[0]);
  const float beta = op.options.beta;
  for (int64_t r = 0; r < rows; ++r, in += depth, out += depth) {
    float max_val = std::numeric_limits<float>::lowest();
    for (int j = 0; j < depth; ++j) max_val = std::max(max_val, in[j]);
    float sum = 0.0f;
    for (int j = 0; j < depth; ++j) {
      out[j] = std::exp((in[j] - max_val) * beta);
      sum += out[j];
    }
    for (int j = 0; j < depth; ++j) out[j] /= sum;
  }
}

/// Applies `f` to every element of the operator's first input into its first output.
template <typename In, typename Out, typename F>
void Map(Graph& g, const OpState& s, F&& f) {
  const int64_t n = g.N(s.op->inputs[0]);
  const In* in = g.D<In>(s.op->inputs[0]);
  Out* out = g.D<Out>(s.op->outputs[0]);
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

template <typename T>
void EvalLut(Graph& g, const OpState& s) {
  Map<T, T>(g, s, [&](T v) { return static_cast<T>(s.lut[static_cast<uint8_t>(v)]); });
}

/// Float LOGISTIC, TANH, or RELU/RELU6 (a clamp to the prepared range).
template <int32_t kCode>
void EvalUnaryFloat(Graph& g, const OpState& s) {
  Map<float, float>(g, s, [&](float v) {
    if constexpr (kCode == op::kLogistic) {
      return 1.0f / (1.0f + std::exp(-v));
    } else if constexpr (kCode == op::kTanh) {
      return std::tanh(v);
    } else {
      return std::clamp(v, s.fmin, s.fmax);
    }
  });
}

template <typename T>
void EvalReluQuant(Graph& g, const OpState& s) {
  Map<T, T>(g, s, [&](T x) {
    const int32_t v =
        s.out_offset + MultiplyByQuantizedMultiplier(x + s.in_offset, s.mult[0], s.shift[0]);
    return static_cast<T>(std::clamp(v, s.act.min, s.act.max));
  });
}

// ---- QUANTIZE / DEQUANTIZE / RESHAPE --------------------------------------------------------

template <typename Out>
void EvalQuantizeFloat(Graph& g, const OpState& s) {
  const Tensor& to = g.T(s.op->outputs[0]);
  const float scale = Scale(to);
  const int32_t zp = Zp(to);
  const QuantRange r = TypeRange(to.type);
  Map<float, Out>(g, s, [&](float x) {
    const int32_t q = static_cast<int32_t>(std::round(x / scale)) + zp;
    return static_cast<Out>(std::clamp(q, r.min, r.max));
  });
}

template <typename In, typename Out>
void EvalRequantize(Graph& g, const OpState& s) {
  const QuantRange r = TypeRange(g.T(s.op->outputs[0]).type);
  Map<In, Out>(g, s, [&](In x) {
    const int32_t v =
        MultiplyByQuantizedMultiplier(x + s.in_offset, s.mult[0], s.shift[0]) + s.out_offset;
    return static_cast<Out>(std::clamp(v, r.min, r.max));
  });
}

template <typename In>
void EvalDequantize(Graph& g, const OpState& s) {
  const Tensor& ti = g.T(s.op->inputs[0]);
  const double scale = static_cast<double>(Scale(ti));
  const int32_t zp = Zp(ti);
  Map<In, float>(g, s, [&](In x) { return static_cast<float>(scale * (x - zp)); });
}

void EvalCopy(Graph& g, const OpState& s) {
  auto& src = g.data[static_cast<size_t>(s.op->inputs[0])];
  auto& dst = g.data[static_cast<size_t>(s.op->outputs[0])];
  std::memcpy(dst.data(), src.data(), std::min(src.size(), dst.size()));
}

// ---- PAD / CONCATENATION / MEAN -------------------------------------------------------------

template <typename T>
void EvalPad(Graph& g, const OpState& s) {
  const Tensor &ti = g.T(s.op->inputs[0]), &to = g.T(s.op->outputs[0]);
  const T* in = g.D<T>(s.op->inputs[0]);
  T* out = g.D<T>(s.op->outputs[0]);
  const T fill = kIsFloat<T> ? T(0) : static_cast<T>(s.out_offset);
  ForEachIndex(to.shape, [&](int64_t e, const std::vector<int32_t>& idx) {
    bool inside = true;
    int64_t src = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      const int32_t id = idx[d] - s.pads[2 * d];
      if (id < 0 || id >= ti.shape[d]) inside = false;
      src = src * ti.shape[d] + id;
    }
    out[e] = inside ? in[src] : fill;
  });
}

/// CONCATENATION's walk: for each outer index, each input's chunk along the axis, in output
/// order: fn(input position, input tensor, outer index, chunk length).
template <typename F>
void ForEachConcatChunk(Graph& g, const OpState& s, F&& fn) {
  const Tensor& to = g.T(s.op->outputs[0]);
  const int axis = s.op->options.axis < 0 ? s.op->options.axis + static_cast<int>(to.shape.size())
                                          : s.op->options.axis;
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= to.shape[static_cast<size_t>(d)];
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < to.shape.size(); ++d) inner *= to.shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t k = 0; k < s.op->inputs.size(); ++k) {
      const int32_t idx = s.op->inputs[k];
      fn(k, idx, o, g.T(idx).shape[static_cast<size_t>(axis)] * inner);
    }
  }
}

template <typename T>
void EvalConcat(Graph& g, const OpState& s) {
  T* out = g.D<T>(s.op->outputs[0]);
  ForEachConcatChunk(g, s, [&](size_t, int32_t idx, int64_t o, int64_t chunk) {
    const T* in = g.D<T>(idx) + o * chunk;
    for (int64_t i = 0; i < chunk; ++i) {
      if constexpr (kIsFloat<T>) {
        *out++ = std::clamp(in[i], s.fmin, s.fmax);
      } else {
        *out++ = in[i];
      }
    }
  });
}

template <typename T>
void EvalMean(Graph& g, const OpState& s) {
  const Tensor &ti = g.T(s.op->inputs[0]), &to = g.T(s.op->outputs[0]);
  const size_t rank = ti.shape.size();
  std::vector<bool> reduced(rank, false);
  for (int32_t a : s.axes) reduced[static_cast<size_t>(a)] = true;
  const int64_t n_out = ElementCount(to.shape);
  int64_t count = 1;
  for (size_t d = 0; d < rank; ++d)
    if (reduced[d]) count *= ti.shape[d];
  std::vector<Acc<T>> acc(static_cast<size_t>(n_out), 0);
  const T* in = g.D<T>(s.op->inputs[0]);
  ForEachIndex(ti.shape, [&](int64_t e, const std::vector<int32_t>& idx) {
    int64_t dst = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (!reduced[d]) dst = dst * ti.shape[d] + idx[d];
    }
    acc[static_cast<size_t>(dst)] += in[e];
  });
  T* out = g.D<T>(s.op->outputs[0]);
  for (int64_t i = 0; i < n_out; ++i) {
    if constexpr (kIsFloat<T>) {
      out[i] = acc[static_cast<size_t>(i)] / static_cast<float>(count);
    } else {
      const QuantRange r = TypeRange(to.type);
      int32_t v = MultiplyByQuantizedMultiplier(acc[static_cast<size_t>(i)], s.mult[0], s.shift[0]);
      v += s.mean_bias;
      out[i] = static_cast<T>(std::clamp(v, r.min, r.max));
    }
  }
}

// ---- Prepare --------------------------------------------------------------------------------

using EvalFn = void (*)(Graph&, const OpState&);

/// What an operator's Prepare works on: the operator, its first input and output, and the state
/// it fills for Eval.
struct PrepareContext {
  const Graph& g;
  const Operator& op;
  size_t index;
  OpState& s;
  const Tensor& in;
  const Tensor& out;
  DType t;  // type of the first input
  bool q;   // the first input is int8/uint8

  Error Fail(const std::string& code, const std::string& what) const {
    return OpError(code, s, index, what);
  }
  bool Has(size_t i) const { return HasInput(op, i); }
  const Tensor& Input(size_t i) const { return g.T(op.inputs[i]); }
  int64_t N(int32_t tensor) const { return g.N(tensor); }
  bool SameShapeCount() const { return N(op.inputs[0]) == N(op.outputs[0]); }
  bool SameQuant(const Tensor& a, const Tensor& b) const {
    return Scale(a) == Scale(b) && Zp(a) == Zp(b);
  }

  /// Input and output share one supported type, with quantization parameters when 8-bit.
  Result<void> SameType() const {
    if (out.type != t) {
      return Fail("ml.dtype_mismatch",
                  "input is " + DTypeName(t) + " but output is " + DTypeName(out.type));
    }
    if (t != DType::kFloat32 && !q) {
      return Fail("ml.dtype_mismatch", DTypeName(t) + " tensors are not supported");
    }
    if (q) {
      if (auto r = NeedQuant(in, "input"); !r) return r.error();
      if (auto r = NeedQuant(out, "output"); !r) return r.error();
    }
    return Ok();
  }
};

/// The Eval a Prepare picked (a struct because Result of a function pointer trips -Wshadow).
struct Eval {
  EvalFn fn = nullptr;
};

using PrepareFn = Result<Eval> (*)(PrepareContext&);

/// The Eval for a tensor type: float32, int8 or uint8.
Eval ByType(DType t, EvalFn f32, EvalFn i8, EvalFn u8) {
  return {t == DType::kFloat32 ? f32 : t == DType::kInt8 ? i8 : u8};
}

QuantizedMultiplier Ratio(float num, float den) {
  return QuantizeMultiplier(static_cast<double>(num) / static_cast<double>(den));
}

// Output multipliers of a convolution-like op: input_scale * filter_scale[c] / output_scale.
void ConvMultipliers(const Tensor& in, const Tensor& w, const Tensor& out, OpState* s) {
  for (float fs : w.quant.scale) {
    const double real =
        static_cast<double>(Scale(in)) * static_cast<double>(fs) / static_cast<double>(Scale(out));
    QuantizedMultiplier q = QuantizeMultiplier(real);
    s->mult.push_back(q.multiplier);
    s->shift.push_back(q.shift);
  }
  s->in_offset = -Zp(in);
  s->filter_offset = w.quant.PerChannel() ? 0 : -Zp(w);
  s->out_offset = Zp(out);
  s->act = QuantizedActivationRange(s->op->options.activation, out.type, Scale(out), Zp(out));
}

int ComputeOutSize(Padding p, int image, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  if (stride <= 0) return 0;
  return p == Padding::kSame ? (image + stride - 1) / stride
                             : (image + stride - effective) / stride;
}
int ComputePadding(int stride, int dilation, int in, int filter, int out) {
  const int effective = (filter - 1) * dilation + 1;
  const int total = std::max(0, (out - 1) * stride + effective - in);
  return total / 2;
}

Result<Eval> PrepareFullyConnected(PrepareContext& c) {
  if (!c.Has(1)) return c.Fail("ml.shape_mismatch", "needs input and weights");
  if (auto r = c.SameType(); !r) return r.error();
  const Tensor& w = c.Input(1);
  if (w.shape.size() != 2) return c.Fail("ml.shape_mismatch", "weights must be 2-D");
  const int depth = w.shape[1], n_out = w.shape[0];
  const int64_t n_in = c.N(c.op.inputs[0]);
  if (depth <= 0 || n_in % depth != 0) {
    return c.Fail("ml.shape_mismatch", "input size is not a multiple of the weights' depth");
  }
  if (c.N(c.op.outputs[0]) != n_in / depth * n_out) {
    return c.Fail("ml.shape_mismatch", "output size does not match batches x units");
  }
  const bool has_bias = c.Has(2);
  if (has_bias && c.N(c.op.inputs[2]) != n_out) {
    return c.Fail("ml.shape_mismatch", "bias size != units");
  }
  if (!c.q) {
    if (w.type != DType::kFloat32) {
      return c.Fail("ml.dtype_mismatch",
                    "float FC needs float weights (hybrid models are not supported)");
    }
    if (has_bias && c.Input(2).type != DType::kFloat32) {
      return c.Fail("ml.dtype_mismatch", "float FC needs a float bias");
    }
    return Eval{EvalFc<float>};
  }
  if (w.type != c.t) {
    return c.Fail("ml.dtype_mismatch", DTypeName(c.t) + " FC needs " + DTypeName(c.t) +
                                           " weights, got " + DTypeName(w.type));
  }
  if (auto r = NeedQuant(w, "weights"); !r) return r.error();
  if (w.quant.PerChannel() && (w.quant.quantized_dimension != 0 || c.t != DType::kInt8)) {
    return c.Fail("ml.dtype_mismatch", "per-channel weights must be int8 along dimension 0");
  }
  if (has_bias && c.Input(2).type != DType::kInt32) {
    return c.Fail("ml.dtype_mismatch", "quantized FC needs an int32 bias");
  }
  ConvMultipliers(c.in, w, c.out, &c.s);
  return ByType(c.t, nullptr, EvalFc<int8_t>, EvalFc<uint8_t>);
}

template <bool kDepthwise>
Result<Eval> PrepareConv(PrepareContext& c) {
  if (!c.Has(1)) return c.Fail("ml.shape_mismatch", "needs input and filter");
  if (auto r = c.SameType(); !r) return r.error();
  const Tensor &in = c.in, &out = c.out, &w = c.Input(1);
  if (in.shape.size() != 4 || w.shape.size() != 4 || out.shape.size() != 4) {
    return c.Fail("ml.shape_mismatch", "input, filter and output must be 4-D (NHWC)");
  }
  const OpOptions& o = c.op.options;
  if (o.stride_w <= 0 || o.stride_h <= 0 || o.dilation_w <= 0 || o.dilation_h <= 0) {
    return c.Fail("ml.shape_mismatch", "strides and dilations must be positive");
  }
  const int oc = out.shape[3], ic = in.shape[3];
  if (kDepthwise) {
    if (w.shape[0] != 1 || w.shape[3] != oc || o.depth_multiplier <= 0 ||
        ic * o.depth_multiplier != oc) {
      return c.Fail("ml.shape_mismatch", "depthwise filter must be [1,H,W,in*multiplier]");
    }
  } else if (w.shape[0] != oc || w.shape[3] <= 0 || ic % w.shape[3] != 0 ||
             oc % (ic / w.shape[3]) != 0) {
    return c.Fail("ml.shape_mismatch", "filter must be [out,H,W,in]");
  }
  const int oh = ComputeOutSize(o.padding, in.shape[1], w.shape[1], o.stride_h, o.dilation_h);
  const int ow = ComputeOutSize(o.padding, in.shape[2], w.shape[2], o.stride_w, o.dilation_w);
  if (out.shape[0] != in.shape[0] || out.shape[1] != oh || out.shape[2] != ow) {
    return c.Fail("ml.shape_mismatch", "output shape does not match the convolution");
  }
  c.s.pad_h = ComputePadding(o.stride_h, o.dilation_h, in.shape[1], w.shape[1], oh);
  c.s.pad_w = ComputePadding(o.stride_w, o.dilation_w, in.shape[2], w.shape[2], ow);
  const bool has_bias = c.Has(2);
  if (has_bias && c.N(c.op.inputs[2]) != oc) {
    return c.Fail("ml.shape_mismatch", "bias size != output channels");
  }
  if (!c.q) {
    if (w.type != DType::kFloat32) {
      return c.Fail("ml.dtype_mismatch", "float convolution needs float weights");
    }
    return Eval{EvalConv<float, kDepthwise>};
  }
  if (w.type != c.t) return c.Fail("ml.dtype_mismatch", "filter type must equal the input type");
  if (auto r = NeedQuant(w, "filter"); !r) return r.error();
  if (w.quant.PerChannel() &&
      (w.quant.quantized_dimension != (kDepthwise ? 3 : 0) || c.t != DType::kInt8)) {
    return c.Fail("ml.dtype_mismatch", "per-channel filter must be int8 along the output channel");
  }
  if (has_bias && c.Input(2).type != DType::kInt32) {
    return c.Fail("ml.dtype_mismatch", "quantized convolution needs an int32 bias");
  }
  ConvMultipliers(in, w, out, &c.s);
  auto conv = std::make_shared<QuantConvOp>();
  QuantConvPlan& p = conv->plan;
  p.depthwise = kDepthwise;
  p.in_h = in.shape[1];
  p.in_w = in.shape[2];
  p.in_c = ic;
  p.filter_h = w.shape[1];
  p.filter_w = w.shape[2];
  p.out_h = oh;
  p.out_w = ow;
  p.out_c = oc;
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.dilation_h = o.dilation_h;
  p.dilation_w = o.dilation_w;
  p.pad_h = c.s.pad_h;
  p.pad_w = c.s.pad_w;
  p.groups = kDepthwise ? 1 : ic / w.shape[3];
  p.depth_multiplier = kDepthwise ? o.depth_multiplier : 1;
  p.in_offset = c.s.in_offset;
  p.filter_offset = c.s.filter_offset;
  p.out_offset = c.s.out_offset;
  p.act_min = c.s.act.min;
  p.act_max = c.s.act.max;
  p.SetOutputStage(c.s.mult, c.s.shift);
  if (!c.g.model.buffers[w.buffer].data.empty()) {
    conv->filter.resize(p.PackedFilterSize());
    if (c.t == DType::kInt8) {
      PackQuantConvFilter(p, c.g.D<int8_t>(c.op.inputs[1]), conv->filter.data());
    } else {
      PackQuantConvFilter(p, c.g.D<uint8_t>(c.op.inputs[1]), conv->filter.data());
    }
  }
  c.s.conv = std::move(conv);
  return ByType(c.t, nullptr, EvalConvQuant<int8_t>, EvalConvQuant<uint8_t>);
}

template <bool kMax>
Result<Eval> PreparePool(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  const Tensor &in = c.in, &out = c.out;
  const OpOptions& o = c.op.options;
  if (in.shape.size() != 4 || out.shape.size() != 4) {
    return c.Fail("ml.shape_mismatch", "pooling needs 4-D tensors");
  }
  if (o.stride_w <= 0 || o.stride_h <= 0 || o.filter_w <= 0 || o.filter_h <= 0) {
    return c.Fail("ml.shape_mismatch", "filter and stride must be positive");
  }
  const int oh = ComputeOutSize(o.padding, in.shape[1], o.filter_h, o.stride_h, 1);
  const int ow = ComputeOutSize(o.padding, in.shape[2], o.filter_w, o.stride_w, 1);
  if (out.shape[0] != in.shape[0] || out.shape[1] != oh || out.shape[2] != ow ||
      out.shape[3] != in.shape[3]) {
    return c.Fail("ml.shape_mismatch", "output shape does not match the pooling");
  }
  c.s.pad_h = ComputePadding(o.stride_h, 1, in.shape[1], o.filter_h, oh);
  c.s.pad_w = ComputePadding(o.stride_w, 1, in.shape[2], o.filter_w, ow);
  if (c.q) {
    if (!c.SameQuant(in, out)) {
      return c.Fail("ml.dtype_mismatch",
                    "quantized pooling needs equal input and output parameters");
    }
    c.s.act = QuantizedActivationRange(o.activation, c.t, Scale(out), Zp(out));
  }
  return ByType(c.t, EvalPool<float, kMax>, EvalPool<int8_t, kMax>, EvalPool<uint8_t, kMax>);
}

// Checks shared by ADD and MUL: two inputs of one type whose broadcast is the output shape.
Result<void> CheckBroadcast(PrepareContext& c) {
  if (!c.Has(1)) return c.Fail("ml.shape_mismatch", "needs two inputs");
  if (auto r = c.SameType(); !r) return r.error();
  const Tensor &in = c.in, &in2 = c.Input(1), &out = c.out;
  if (in2.type != c.t) return c.Fail("ml.dtype_mismatch", "both inputs must have the same type");
  const size_t rank = std::max(in.shape.size(), in2.shape.size());
  if (out.shape.size() != rank || rank > 6) {
    return c.Fail("ml.shape_mismatch", "output rank does not match the broadcast");
  }
  for (size_t i = 0; i < rank; ++i) {
    auto dim = [&](const Tensor& x) {
      return i + x.shape.size() >= rank ? x.shape[i + x.shape.size() - rank] : 1;
    };
    const int a = dim(in), b = dim(in2);
    if (a != b && a != 1 && b != 1)
      return c.Fail("ml.shape_mismatch", "inputs cannot be broadcast");
    if (out.shape[i] != std::max(a, b)) {
      return c.Fail("ml.shape_mismatch", "output shape does not match the broadcast");
    }
  }
  if (!c.q) return Ok();
  if (auto r = NeedQuant(in2, "second input"); !r) return r.error();
  c.s.in_offset = -Zp(in);
  c.s.in2_offset = -Zp(in2);
  c.s.out_offset = Zp(out);
  c.s.act = QuantizedActivationRange(c.op.options.activation, c.t, Scale(out), Zp(out));
  return Ok();
}

Result<Eval> PrepareAdd(PrepareContext& c) {
  if (auto r = CheckBroadcast(c); !r) return r.error();
  if (!c.q) return Eval{EvalBinary<float, false>};
  const float s1 = Scale(c.in), s2 = Scale(c.Input(1));
  c.s.left_shift = 20;
  const double twice_max = static_cast<double>(2.0f * std::max(s1, s2));
  const QuantizedMultiplier a = QuantizeMultiplier(static_cast<double>(s1) / twice_max);
  const QuantizedMultiplier b = QuantizeMultiplier(static_cast<double>(s2) / twice_max);
  const QuantizedMultiplier o = QuantizeMultiplier(
      twice_max / static_cast<double>(static_cast<float>(1 << c.s.left_shift) * Scale(c.out)));
  c.s.m1 = a.multiplier;
  c.s.s1 = a.shift;
  c.s.m2 = b.multiplier;
  c.s.s2 = b.shift;
  c.s.mult = {o.multiplier};
  c.s.shift = {o.shift};
  return ByType(c.t, nullptr, EvalBinary<int8_t, false>, EvalBinary<uint8_t, false>);
}

Result<Eval> PrepareMul(PrepareContext& c) {
  if (auto r = CheckBroadcast(c); !r) return r.error();
  if (!c.q) return Eval{EvalBinary<float, true>};
  const double real = static_cast<double>(Scale(c.in)) * static_cast<double>(Scale(c.Input(1))) /
                      static_cast<double>(Scale(c.out));
  const QuantizedMultiplier m = QuantizeMultiplier(real);
  c.s.mult = {m.multiplier};
  c.s.shift = {m.shift};
  return ByType(c.t, nullptr, EvalBinary<int8_t, true>, EvalBinary<uint8_t, true>);
}

Result<Eval> PrepareSoftmax(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  if (c.in.shape.empty() || !c.SameShapeCount() || c.in.shape.back() <= 0) {
    return c.Fail("ml.shape_mismatch", "output must have the input's shape");
  }
  if (!c.q) return Eval{EvalSoftmaxFloat};
  const int32_t want_zp = c.t == DType::kInt8 ? -128 : 0;
  if (Zp(c.out) != want_zp || std::fabs(Scale(c.out) - 1.0f / 256) > 0.001f / 256) {
    return c.Fail(
        "ml.dtype_mismatch",
        "quantized softmax output must have scale 1/256 and zero point " + std::to_string(want_zp));
  }
  c.s.out_offset = Zp(c.out);
  c.s.exp_table.resize(256);
  const float scale = -Scale(c.in) * c.op.options.beta;
  for (int v = 0; v <= 255; ++v) {
    c.s.exp_table[static_cast<size_t>(255 - v)] = std::exp(scale * static_cast<float>(v));
  }
  return ByType(c.t, nullptr, EvalSoftmaxQuant<int8_t>, EvalSoftmaxQuant<uint8_t>);
}

// LOGISTIC and TANH: float directly, 8-bit through a 256-entry table of the function.
template <int32_t kCode>
Result<Eval> PrepareSigmoidLike(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  if (!c.SameShapeCount()) return c.Fail("ml.shape_mismatch", "output must have the input's shape");
  if (!c.q) return Eval{EvalUnaryFloat<kCode>};
  const QuantRange r = TypeRange(c.t);
  const float in_scale = Scale(c.in), inverse = 1.0f / Scale(c.out);
  const int32_t in_zp = Zp(c.in), out_zp = Zp(c.out);
  c.s.lut.resize(256);
  for (int32_t v = r.min; v <= r.max; ++v) {
    const float x = in_scale * static_cast<float>(v - in_zp);
    const float y = kCode == op::kLogistic ? 1.0f / (1.0f + std::exp(-x)) : std::tanh(x);
    const float rescaled = std::round(y * inverse);
    const int32_t qv =
        std::clamp(static_cast<int32_t>(rescaled + static_cast<float>(out_zp)), r.min, r.max);
    c.s.lut[static_cast<uint8_t>(v)] = static_cast<uint8_t>(qv);
  }
  return ByType(c.t, nullptr, EvalLut<int8_t>, EvalLut<uint8_t>);
}

template <int32_t kCode>
Result<Eval> PrepareRelu(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  if (!c.SameShapeCount()) return c.Fail("ml.shape_mismatch", "output must have the input's shape");
  const Activation a = kCode == op::kRelu ? Activation::kRelu : Activation::kRelu6;
  if (!c.q) {
    FloatActivationRange(a, &c.s.fmin, &c.s.fmax);
    return Eval{EvalUnaryFloat<kCode>};
  }
  const QuantizedMultiplier m = Ratio(Scale(c.in), Scale(c.out));
  c.s.mult = {m.multiplier};
  c.s.shift = {m.shift};
  c.s.in_offset = -Zp(c.in);
  c.s.out_offset = Zp(c.out);
  c.s.act = QuantizedActivationRange(a, c.t, Scale(c.out), Zp(c.out));
  return ByType(c.t, nullptr, EvalReluQuant<int8_t>, EvalReluQuant<uint8_t>);
}

Result<Eval> PrepareQuantize(PrepareContext& c) {
  const DType ot = c.out.type;
  if (!c.SameShapeCount()) return c.Fail("ml.shape_mismatch", "output must have the input's shape");
  if (!Is8Bit(ot)) {
    return c.Fail("ml.dtype_mismatch", "output must be int8 or uint8, got " + DTypeName(ot));
  }
  if (auto r = NeedQuant(c.out, "output"); !r) return r.error();
  if (c.t == DType::kFloat32) {
    return Eval{ot == DType::kInt8 ? EvalQuantizeFloat<int8_t> : EvalQuantizeFloat<uint8_t>};
  }
  if (!c.q) {
    return c.Fail("ml.dtype_mismatch",
                  "input must be float32, int8 or uint8, got " + DTypeName(c.t));
  }
  if (auto r = NeedQuant(c.in, "input"); !r) return r.error();
  const QuantizedMultiplier m = Ratio(Scale(c.in), Scale(c.out));
  c.s.mult = {m.multiplier};
  c.s.shift = {m.shift};
  c.s.in_offset = -Zp(c.in);
  c.s.out_offset = Zp(c.out);
  if (c.t == DType::kInt8) {
    return Eval{ot == DType::kInt8 ? EvalRequantize<int8_t, int8_t>
                                   : EvalRequantize<int8_t, uint8_t>};
  }
  return Eval{ot == DType::kInt8 ? EvalRequantize<uint8_t, int8_t>
                                 : EvalRequantize<uint8_t, uint8_t>};
}

Result<Eval> PrepareDequantize(PrepareContext& c) {
  if (!c.SameShapeCount()) return c.Fail("ml.shape_mismatch", "output must have the input's shape");
  if (!c.q || c.out.type != DType::kFloat32) {
    return c.Fail("ml.dtype_mismatch", "needs an int8/uint8 input and a float32 output");
  }
  if (auto r = NeedQuant(c.in, "input"); !r) return r.error();
  return ByType(c.t, nullptr, EvalDequantize<int8_t>, EvalDequantize<uint8_t>);
}

Result<Eval> PrepareReshape(PrepareContext& c) {
  if (c.out.type != c.t)
    return c.Fail("ml.dtype_mismatch", "output type must equal the input type");
  if (!c.SameShapeCount())
    return c.Fail("ml.shape_mismatch", "reshape must keep the element count");
  if (c.q && !c.SameQuant(c.in, c.out)) {
    return c.Fail("ml.dtype_mismatch", "reshape needs equal input and output quantization");
  }
  return Eval{EvalCopy};
}

Result<Eval> PreparePad(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  if (!c.Has(1)) return c.Fail("ml.shape_mismatch", "needs paddings");
  const Tensor& pt = c.Input(1);
  const size_t rank = c.in.shape.size();
  const auto& pb = c.g.data[static_cast<size_t>(c.op.inputs[1])];
  if (pt.type != DType::kInt32 || pt.buffer == 0 ||
      c.N(c.op.inputs[1]) != static_cast<int64_t>(2 * rank) || pb.size() != 8 * rank) {
    return c.Fail("ml.shape_mismatch", "paddings must be a constant int32 [rank,2] tensor");
  }
  std::vector<int32_t>& pads = c.s.pads;
  pads.resize(2 * rank);
  std::memcpy(pads.data(), pb.data(), pb.size());
  if (c.out.shape.size() != rank) {
    return c.Fail("ml.shape_mismatch", "output rank must equal input rank");
  }
  for (size_t d = 0; d < rank; ++d) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0 ||
        c.out.shape[d] != c.in.shape[d] + pads[2 * d] + pads[2 * d + 1]) {
      return c.Fail("ml.shape_mismatch", "output shape does not match the paddings");
    }
  }
  if (c.q && !c.SameQuant(c.in, c.out)) {
    return c.Fail("ml.dtype_mismatch", "quantized PAD needs equal input and output quantization");
  }
  c.s.out_offset = Zp(c.out);
  return ByType(c.t, EvalPad<float>, EvalPad<int8_t>, EvalPad<uint8_t>);
}

/// uint8 CONCATENATION whose inputs are quantized unlike the output: each such input is requantized
/// as TFLite's ConcatenationWithScaling does it, in float: round(q * s + b) + zp_out, with
/// s = scale_in / scale_out and b = -zp_in * s, clamped to [0, 255].
void EvalConcatScaled(Graph& g, const OpState& s) {
  uint8_t* out = g.D<uint8_t>(s.op->outputs[0]);
  ForEachConcatChunk(g, s, [&](size_t k, int32_t idx, int64_t o, int64_t chunk) {
    const uint8_t* in = g.D<uint8_t>(idx) + o * chunk;
    if (s.in_scales[k] == 0.0f) {
      std::copy(in, in + chunk, out);
    } else {
      const float scale = s.in_scales[k];
      const float bias = -static_cast<float>(s.in_zps[k]) * scale;
      for (int64_t i = 0; i < chunk; ++i) {
        const int32_t v = static_cast<int32_t>(std::round(static_cast<float>(in[i]) * scale + bias)) + s.out_offset;
        out[i] = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
    }
    out += chunk;
  });
}

Result<Eval> PrepareConcatenation(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  const int rank = static_cast<int>(c.out.shape.size());
  const int axis = c.op.options.axis < 0 ? c.op.options.axis + rank : c.op.options.axis;
  if (axis < 0 || axis >= rank) return c.Fail("ml.shape_mismatch", "axis out of range");
  int64_t total = 0;
  for (int32_t idx : c.op.inputs) {
    if (idx < 0) return c.Fail("ml.shape_mismatch", "missing input");
    const Tensor& x = c.g.T(idx);
    if (x.type != c.t || static_cast<int>(x.shape.size()) != rank) {
      return c.Fail("ml.shape_mismatch", "inputs must share type and rank");
    }
    for (int d = 0; d < rank; ++d) {
      if (d != axis && x.shape[static_cast<size_t>(d)] != c.out.shape[static_cast<size_t>(d)]) {
        return c.Fail("ml.shape_mismatch", "inputs differ outside the axis");
      }
    }
    total += x.shape[static_cast<size_t>(axis)];
    const bool same = !c.q || c.SameQuant(x, c.out);
    // As in TFLite: uint8 inputs are requantized to the output's parameters; int8 ones must
    // share them (TFLite's int8 kernel refuses rescaling).
    if (!same && c.t != DType::kUInt8) {
      return c.Fail("ml.dtype_mismatch", "quantized int8 inputs must share the output's quantization");
    }
    c.s.in_scales.push_back(same ? 0.0f : Scale(x) * (1.0f / Scale(c.out)));
    c.s.in_zps.push_back(same ? 0 : Zp(x));
  }
  if (total != c.out.shape[static_cast<size_t>(axis)]) {
    return c.Fail("ml.shape_mismatch", "output size along the axis");
  }
  const bool rescale = std::any_of(c.s.in_scales.begin(), c.s.in_scales.end(), [](float v) { return v != 0.0f; });
  if (rescale) {
    c.s.out_offset = Zp(c.out);
    return Eval{EvalConcatScaled};
  }
  return ByType(c.t, EvalConcat<float>, EvalConcat<int8_t>, EvalConcat<uint8_t>);
}

Result<Eval> PrepareMean(PrepareContext& c) {
  if (auto r = c.SameType(); !r) return r.error();
  if (!c.Has(1)) return c.Fail("ml.shape_mismatch", "needs axes");
  const Tensor& at = c.Input(1);
  const auto& ab = c.g.data[static_cast<size_t>(c.op.inputs[1])];
  if (at.type != DType::kInt32 || at.buffer == 0) {
    return c.Fail("ml.shape_mismatch", "axes must be a constant int32 tensor");
  }
  const int rank = static_cast<int>(c.in.shape.size());
  std::set<int32_t> axes;
  for (size_t i = 0; i < ab.size() / 4; ++i) {
    int32_t a;
    std::memcpy(&a, ab.data() + 4 * i, 4);
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return c.Fail("ml.shape_mismatch", "axis out of range");
    axes.insert(a);
  }
  c.s.axes.assign(axes.begin(), axes.end());
  int64_t kept = 1, count = 1;
  for (int d = 0; d < rank; ++d) {
    if (axes.count(d)) {
      count *= c.in.shape[static_cast<size_t>(d)];
    } else {
      kept *= c.in.shape[static_cast<size_t>(d)];
    }
  }
  if (c.N(c.op.outputs[0]) != kept || count <= 0) {
    return c.Fail("ml.shape_mismatch", "output shape does not match the reduction");
  }
  if (!c.q) return Eval{EvalMean<float>};
  // Integer mean as TFLite's quantized mean: sum * in_scale / (count * out_scale) + bias.
  const float real = Scale(c.in) / (static_cast<float>(count) * Scale(c.out));
  const QuantizedMultiplier m = QuantizeMultiplier(static_cast<double>(real));
  c.s.mult = {m.multiplier};
  c.s.shift = {m.shift};
  float temp = static_cast<float>(Zp(c.in)) * Scale(c.in) / Scale(c.out);
  temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
  c.s.mean_bias = Zp(c.out) - static_cast<int32_t>(temp);
  return ByType(c.t, nullptr, EvalMean<int8_t>, EvalMean<uint8_t>);
}

/// One builtin operator the interpreter runs: its Prepare (which checks the operator, fills
/// the OpState and picks the Eval for the tensor types) and the TFLM resolver method that
/// registers the same operator on a board.
// ---- TFLite_Detection_PostProcess (custom) ---------------------------------------------------

/// A float or uint8 tensor as floats (uint8: scale × (q − zero point), as TFLite dequantizes).
std::vector<float> AsFloats(Graph& g, int32_t idx) {
  const Tensor& t = g.T(idx);
  const size_t n = static_cast<size_t>(g.N(idx));
  std::vector<float> out(n);
  if (t.type == DType::kFloat32) {
    std::memcpy(out.data(), g.D<float>(idx), n * sizeof(float));
  } else {
    const uint8_t* q = g.D<uint8_t>(idx);
    const float scale = Scale(t);
    const float zp = static_cast<float>(Zp(t));
    for (size_t i = 0; i < n; ++i) out[i] = scale * (static_cast<float>(q[i]) - zp);
  }
  return out;
}

void EvalDetection(Graph& g, const OpState& s) {
  const Operator& op = *s.op;
  const Tensor& enc = g.T(op.inputs[0]);
  const Tensor& cls = g.T(op.inputs[1]);
  const std::vector<float> boxes = AsFloats(g, op.inputs[0]);
  const std::vector<float> scores = AsFloats(g, op.inputs[1]);
  const std::vector<float> anchors = AsFloats(g, op.inputs[2]);
  DetectionInputs in;
  in.box_encodings = boxes.data();
  in.box_code = enc.shape[2];
  in.class_scores = scores.data();
  in.num_classes_with_background = cls.shape[2];
  in.anchors = anchors.data();
  in.num_anchors = enc.shape[1];
  RunDetectionPostProcess(*s.detect, in, g.D<float>(op.outputs[0]), g.D<float>(op.outputs[1]),
                          g.D<float>(op.outputs[2]), g.D<float>(op.outputs[3]));
}

Result<Eval> PrepareDetection(PrepareContext& c) {
  if (c.op.inputs.size() != 3 || c.op.outputs.size() != 4) {
    return c.Fail("ml.shape_mismatch", "needs 3 inputs (box encodings, class predictions, anchors) and 4 outputs");
  }
  for (size_t i = 0; i < 3; ++i) {
    if (!c.Has(i)) return c.Fail("ml.shape_mismatch", "missing input " + std::to_string(i));
    const DType t = c.Input(i).type;
    if (t != DType::kFloat32 && t != DType::kUInt8) {
      return c.Fail("ml.dtype_mismatch", "inputs must be float32 or uint8 (TFLite's kernel), input " +
                                             std::to_string(i) + " is " + DTypeName(t));
    }
  }
  const Tensor& enc = c.Input(0);
  const Tensor& cls = c.Input(1);
  const Tensor& anc = c.Input(2);
  auto opts = ParseDetectionOptions(c.op.custom_options);
  if (!opts) return c.Fail(opts.error().code, opts.error().message);
  if (enc.shape.size() != 3 || enc.shape[0] != 1 || enc.shape[2] < 4) {
    return c.Fail("ml.shape_mismatch", "box encodings must be [1, anchors, >= 4]");
  }
  const int32_t anchors = enc.shape[1];
  if (cls.shape.size() != 3 || cls.shape[0] != 1 || cls.shape[1] != anchors) {
    return c.Fail("ml.shape_mismatch", "class predictions must be [1, anchors, classes]");
  }
  const int32_t offset = cls.shape[2] - opts->num_classes;
  if (offset != 0 && offset != 1) {
    return c.Fail("ml.shape_mismatch", "class predictions have " + std::to_string(cls.shape[2]) +
                                           " columns for num_classes " + std::to_string(opts->num_classes) +
                                           " (one more is the background column)");
  }
  if (anc.shape.size() != 2 || anc.shape[0] != anchors || anc.shape[1] != 4) {
    return c.Fail("ml.shape_mismatch", "anchors must be [anchors, 4]");
  }
  for (int32_t o : c.op.outputs) {
    if (c.g.T(o).type != DType::kFloat32) return c.Fail("ml.dtype_mismatch", "outputs must be float32");
  }
  c.s.detect = std::make_shared<const DetectionOptions>(*opts);
  return Eval{EvalDetection};
}

/// The output shapes TFLite's kernel gives the operator at allocation (the real SSD models
/// declare them as [], to be resized): boxes [1, N, 4], classes and scores [1, N], count [1].
Result<void> ResizeDetectionOutputs(SubGraph* sg, const Operator& op) {
  auto opts = ParseDetectionOptions(op.custom_options);
  if (!opts) return opts.error();
  if (op.outputs.size() != 4) {
    return Error{"ml.shape_mismatch", std::string(kDetectionPostProcess) + " needs 4 outputs"};
  }
  const int32_t n = opts->OutputRows();
  const std::vector<std::vector<int32_t>> shapes = {{1, n, 4}, {1, n}, {1, n}, {1}};
  for (size_t i = 0; i < 4; ++i) {
    if (op.outputs[i] < 0) return Error{"ml.shape_mismatch", std::string(kDetectionPostProcess) + " output missing"};
    sg->tensors[static_cast<size_t>(op.outputs[i])].shape = shapes[i];
  }
  return Ok();
}

struct OpKernel {
  int32_t op;
  const char* tflm_resolver;
  PrepareFn prepare;
};

constexpr OpKernel kKernels[] = {
    {op::kAdd, "AddAdd", PrepareAdd},
    {op::kAveragePool2D, "AddAveragePool2D", PreparePool<false>},
    {op::kConcatenation, "AddConcatenation", PrepareConcatenation},
    {op::kConv2D, "AddConv2D", PrepareConv<false>},
    {op::kDepthwiseConv2D, "AddDepthwiseConv2D", PrepareConv<true>},
    {op::kDequantize, "AddDequantize", PrepareDequantize},
    {op::kFullyConnected, "AddFullyConnected", PrepareFullyConnected},
    {op::kLogistic, "AddLogistic", PrepareSigmoidLike<op::kLogistic>},
    {op::kMaxPool2D, "AddMaxPool2D", PreparePool<true>},
    {op::kMean, "AddMean", PrepareMean},
    {op::kMul, "AddMul", PrepareMul},
    {op::kPad, "AddPad", PreparePad},
    {op::kQuantize, "AddQuantize", PrepareQuantize},
    {op::kRelu, "AddRelu", PrepareRelu<op::kRelu>},
    {op::kRelu6, "AddRelu6", PrepareRelu<op::kRelu6>},
    {op::kReshape, "AddReshape", PrepareReshape},
    {op::kSoftmax, "AddSoftmax", PrepareSoftmax},
    {op::kTanh, "AddTanh", PrepareSigmoidLike<op::kTanh>},
};

/// Custom operators the interpreter runs, by custom code.
constexpr OpKernel kDetectionKernel = {op::kCustom, "AddDetectionPostprocess", PrepareDetection};

const OpKernel* FindCustomKernel(const std::string& custom_code) {
  return custom_code == kDetectionPostProcess ? &kDetectionKernel : nullptr;
}

const OpKernel* FindKernel(int32_t code) {
  for (const OpKernel& k : kKernels) {
    if (k.op == code) return &k;
  }
  return nullptr;
}

struct Prepared {
  OpState state;
  EvalFn eval = nullptr;
};

// Checks every operator shares, then the operator's own Prepare.
Result<Prepared> Prepare(const Graph& g, const OpKernel& kernel, const Operator& op, size_t index) {
  Prepared p;
  OpState& s = p.state;
  s.op = &op;
  s.code = op.builtin_code;
  if (op.outputs.empty() || op.inputs.empty() || op.inputs[0] < 0) {
    return OpError("ml.shape_mismatch", s, index, "has no input or no output");
  }
  const Tensor& in = g.T(op.inputs[0]);
  PrepareContext c{g, op, index, s, in, g.T(op.outputs[0]), in.type, Is8Bit(in.type)};
  FloatActivationRange(op.options.activation, &s.fmin, &s.fmax);
  if (op.options.activation == Activation::kTanh || op.options.activation == Activation::kSignBit) {
    return c.Fail("ml.op_unsupported", "fused activation " + ActivationName(op.options.activation) +
                                           " is not supported");
  }
  auto eval = kernel.prepare(c);
  if (!eval) return eval.error();
  p.eval = eval->fn;
  return p;
}

}  // namespace

std::vector<SupportedOp> SupportedOpTable() {
  std::vector<SupportedOp> out;
  for (const OpKernel& k : kKernels) out.push_back({k.op, OpName(k.op), k.tflm_resolver});
  return out;
}

std::vector<std::string> SupportedOps() {
  std::vector<std::string> names;
  for (const OpKernel& k : kKernels) names.push_back(OpName(k.op));
  std::sort(names.begin(), names.end());
  return names;
}

std::string TflmResolverCall(int32_t builtin_code) {
  const OpKernel* k = FindKernel(builtin_code);
  return k ? k->tflm_resolver : "";
}

namespace {

// The tensor index of input i once it is known to exist and to take `count` values.
Result<int32_t> CheckedInput(const Graph& g, size_t i, size_t count) {
  if (i >= g.sg().inputs.size()) {
    return Error{"ml.shape_mismatch", "no input " + std::to_string(i)};
  }
  const int32_t idx = g.sg().inputs[i];
  const Tensor& t = g.T(idx);
  const int64_t n = ElementCount(t.shape);
  if (static_cast<int64_t>(count) != n) {
    return Error{"ml.shape_mismatch", "input '" + t.name + "' takes " + std::to_string(n) +
                                          " values, got " + std::to_string(count)};
  }
  return idx;
}

}  // namespace

struct Interpreter::Impl {
  Graph g;
  std::vector<Prepared> ops;
};

Interpreter::Interpreter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Interpreter::Interpreter(Interpreter&&) noexcept = default;
Interpreter& Interpreter::operator=(Interpreter&&) noexcept = default;
Interpreter::~Interpreter() = default;

Result<Interpreter> Interpreter::Create(Model model) {
  auto impl = std::make_unique<Impl>();
  Graph& g = impl->g;
  g.model = std::move(model);
  if (g.model.subgraphs.empty()) return Error{"ml.schema_mismatch", "model has no subgraph"};
  const SubGraph& sg = g.sg();
  if (g.model.subgraphs.size() > 1) {
    return Error{"ml.op_unsupported",
                 "models with more than one subgraph (control flow) are not supported"};
  }
  // Unsupported operators are all reported at once, by name.
  std::set<std::string> unsupported;
  std::vector<const OpKernel*> kernels;
  for (const Operator& op : sg.operators) {
    const OpKernel* k =
        op.builtin_code == op::kCustom ? FindCustomKernel(op.custom_code) : FindKernel(op.builtin_code);
    if (!k) {
      unsupported.insert(op.builtin_code == op::kCustom ? "CUSTOM:" + op.custom_code
                                                        : OpName(op.builtin_code));
    }
    kernels.push_back(k);
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& n : unsupported) list += (list.empty() ? "" : ", ") + n;
    return Error{"ml.op_unsupported",
                 "the model uses operators the autopilot interpreter does not support: " + list};
  }
  for (const Tensor& t : sg.tensors) {
    if (t.sparse)
      return Error{"ml.op_unsupported", "sparse tensor '" + t.name + "' is not supported"};
    if (t.quant.custom) {
      return Error{"ml.op_unsupported", "custom quantization of '" + t.name + "' is not supported"};
    }
  }
  // The kernels index tensors and read constant buffers without further checks.
  if (auto r = ValidateModel(g.model); !r) return r.error();
  for (const Operator& op : sg.operators) {
    if (op.builtin_code != op::kCustom || op.custom_code != kDetectionPostProcess) continue;
    if (auto r = ResizeDetectionOutputs(&g.model.subgraphs[0], op); !r) return r.error();
  }
  g.data.resize(sg.tensors.size());
  for (size_t i = 0; i < sg.tensors.size(); ++i) {
    const Tensor& t = sg.tensors[i];
    const size_t esize = DTypeSize(t.type);
    const int64_t n = ElementCount(t.shape);
    const auto& buf = g.model.buffers[t.buffer].data;
    if (!buf.empty()) {
      g.data[i] = buf;
    } else {
      g.data[i].assign(static_cast<size_t>(n) * std::max<size_t>(esize, 1), 0);
    }
  }
  for (size_t i = 0; i < sg.operators.size(); ++i) {
    auto p = Prepare(g, *kernels[i], sg.operators[i], i);
    if (!p) return p.error();
    impl->ops.push_back(std::move(*p));
  }
  // Operators point into the model; keep the pointers valid after the move into Impl.
  for (size_t i = 0; i < impl->ops.size(); ++i) impl->ops[i].state.op = &g.sg().operators[i];
  return Interpreter(std::move(impl));
}

const Model& Interpreter::model() const {
  return impl_->g.model;
}
size_t Interpreter::InputCount() const {
  return impl_->g.sg().inputs.size();
}
size_t Interpreter::OutputCount() const {
  return impl_->g.sg().outputs.size();
}
int32_t Interpreter::InputIndex(size_t i) const {
  return impl_->g.sg().inputs.at(i);
}
int32_t Interpreter::OutputIndex(size_t i) const {
  return impl_->g.sg().outputs.at(i);
}
const Tensor& Interpreter::TensorInfo(int32_t index) const {
  return impl_->g.T(index);
}

Result<void> Interpreter::SetInputBytes(size_t i, std::span<const uint8_t> bytes) {
  if (i >= InputCount()) return Error{"ml.shape_mismatch", "no input " + std::to_string(i)};
  auto& dst = impl_->g.data[static_cast<size_t>(InputIndex(i))];
  if (bytes.size() != dst.size()) {
    return Error{"ml.shape_mismatch", "input " + std::to_string(i) + " needs " +
                                          std::to_string(dst.size()) + " bytes, got " +
                                          std::to_string(bytes.size())};
  }
  std::memcpy(dst.data(), bytes.data(), bytes.size());
  return Ok();
}

Result<void> Interpreter::SetInputFloat(size_t i, std::span<const float> values) {
  auto checked = CheckedInput(impl_->g, i, values.size());
  if (!checked) return checked.error();
  const int32_t idx = *checked;
  const Tensor& t = TensorInfo(idx);
  auto& dst = impl_->g.data[static_cast<size_t>(idx)];
  if (t.type == DType::kFloat32) {
    std::memcpy(dst.data(), values.data(), values.size() * sizeof(float));
    return Ok();
  }
  if (!Is8Bit(t.type))
    return Error{"ml.dtype_mismatch", "input '" + t.name + "' is " + DTypeName(t.type)};
  if (auto r = NeedQuant(t, "input"); !r) return r.error();
  const QuantRange r = TypeRange(t.type);
  for (size_t k = 0; k < values.size(); ++k) {
    const int32_t q =
        std::clamp(static_cast<int32_t>(std::round(values[k] / Scale(t))) + Zp(t), r.min, r.max);
    if (t.type == DType::kInt8)
      dst[k] = static_cast<uint8_t>(static_cast<int8_t>(q));
    else
      dst[k] = static_cast<uint8_t>(q);
  }
  return Ok();
}

Result<void> Interpreter::SetInputRaw(size_t i, std::span<const double> values) {
  auto checked = CheckedInput(impl_->g, i, values.size());
  if (!checked) return checked.error();
  const int32_t idx = *checked;
  const Tensor& t = TensorInfo(idx);
  if (t.type == DType::kFloat32) {
    std::vector<float> f(values.begin(), values.end());
    return SetInputFloat(i, f);
  }
  if (!Is8Bit(t.type))
    return Error{"ml.dtype_mismatch", "input '" + t.name + "' is " + DTypeName(t.type)};
  const QuantRange r = TypeRange(t.type);
  auto& dst = impl_->g.data[static_cast<size_t>(idx)];
  for (size_t k = 0; k < values.size(); ++k) {
    const double v = values[k];
    if (v != std::floor(v) || v < r.min || v > r.max) {
      return Error{"ml.dtype_mismatch", "value " + std::to_string(v) + " is not a valid " +
                                            DTypeName(t.type) + " for input '" + t.name + "'"};
    }
    const auto q = static_cast<int32_t>(v);
    dst[k] = t.type == DType::kInt8 ? static_cast<uint8_t>(static_cast<int8_t>(q))
                                    : static_cast<uint8_t>(q);
  }
  return Ok();
}

void Interpreter::Invoke() {
  for (const Prepared& p : impl_->ops) p.eval(impl_->g, p.state);
}

std::span<const uint8_t> Interpreter::TensorBytes(int32_t index) const {
  return impl_->g.data.at(static_cast<size_t>(index));
}

std::vector<double> Interpreter::TensorValues(int32_t index, bool dequantize) const {
  const Tensor& t = TensorInfo(index);
  const auto& d = impl_->g.data.at(static_cast<size_t>(index));
  const int64_t n = ElementCount(t.shape);
  std::vector<double> out(static_cast<size_t>(n));
  const double scale = t.quant.scale.empty() ? 1.0 : static_cast<double>(Scale(t));
  const double zp = Zp(t);
  for (size_t k = 0; k < out.size(); ++k) {
    double v = 0;
    switch (t.type) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, d.data() + 4 * k, 4);
        v = f;
        break;
      }
      case DType::kInt32: {
        int32_t x;
        std::memcpy(&x, d.data() + 4 * k, 4);
        v = x;
        break;
      }
      case DType::kInt8:
        v = static_cast<int8_t>(d[k]);
        break;
      case DType::kUInt8:
        v = d[k];
        break;
      default:
        v = 0;
        break;
    }
    if (dequantize && t.type != DType::kFloat32 && !t.quant.scale.empty()) {
      v = static_cast<double>(static_cast<float>(scale * (v - zp)));
    }
    out[k] = v;
  }
  return out;
}

}  // namespace autopilot::tflite
