// The quantized convolutions' fast kernels (quant_conv.h) against TFLite's reference kernels
// written here from their definition as plain loops: every CONV_2D and DEPTHWISE_CONV_2D output
// must be bit-identical, over int8 (per-channel) and uint8 (per-tensor) models of many shapes —
// strides, dilations, padding, groups, depth multipliers, batches, channel counts off the
// kernels' vector widths, a filter computed by the graph.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/tflite/quant_conv.h"
#include "autopilot/tflite/quant_math.h"
#include "autopilot/tflite/quantizer.h"
#include "test_models.h"

namespace autopilot::tflite {
namespace {

// ---- the reference --------------------------------------------------------------------------

int32_t Stored(const std::span<const uint8_t> bytes, DType type, size_t i) {
  return type == DType::kInt8 ? int32_t{static_cast<int8_t>(bytes[i])} : int32_t{bytes[i]};
}

/// TFLite's reference CONV_2D / DEPTHWISE_CONV_2D of operator `op` on the interpreter's current
/// tensors: Σ (input + input offset) · (filter + filter offset) + bias, then
/// MultiplyByQuantizedMultiplier with input scale × filter scale / output scale, plus the output
/// zero point, clamped to the fused activation's range. Returns the output's bytes.
std::vector<uint8_t> ReferenceConv(const Interpreter& interp, const Operator& op) {
  const bool depthwise = op.builtin_code == op::kDepthwiseConv2D;
  const Tensor &ti = interp.TensorInfo(op.inputs[0]), &tw = interp.TensorInfo(op.inputs[1]),
               &to = interp.TensorInfo(op.outputs[0]);
  const auto in = interp.TensorBytes(op.inputs[0]);
  const auto w = interp.TensorBytes(op.inputs[1]);
  std::vector<int32_t> bias(static_cast<size_t>(to.shape[3]), 0);
  if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
    const auto b = interp.TensorBytes(op.inputs[2]);
    std::memcpy(bias.data(), b.data(), b.size());
  }
  const int batches = ti.shape[0], ih = ti.shape[1], iw = ti.shape[2], ic = ti.shape[3];
  const int fh = tw.shape[1], fw = tw.shape[2], fd = depthwise ? 1 : tw.shape[3];
  const int oh = to.shape[1], ow = to.shape[2], oc = to.shape[3];
  const OpOptions& o = op.options;
  auto pad = [](int stride, int dilation, int image, int filter, int out) {
    return std::max(0, (out - 1) * stride + (filter - 1) * dilation + 1 - image) / 2;
  };
  const int pad_h = pad(o.stride_h, o.dilation_h, ih, fh, oh);
  const int pad_w = pad(o.stride_w, o.dilation_w, iw, fw, ow);
  const int32_t in_offset = -static_cast<int32_t>(ti.quant.zero_point[0]);
  const int32_t w_offset = tw.quant.PerChannel() ? 0 : -static_cast<int32_t>(tw.quant.zero_point[0]);
  const auto out_zp = static_cast<int32_t>(to.quant.zero_point[0]);
  const QuantRange act = QuantizedActivationRange(o.activation, to.type, to.quant.scale[0], out_zp);
  const int per_group = oc / (ic / fd);
  std::vector<uint8_t> out(static_cast<size_t>(ElementCount(to.shape)));
  for (int b = 0; b < batches; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < oc; ++c) {
          int32_t acc = 0;
          for (int ky = 0; ky < fh; ++ky)
            for (int kx = 0; kx < fw; ++kx) {
              const int iy = y * o.stride_h - pad_h + ky * o.dilation_h;
              const int ix = x * o.stride_w - pad_w + kx * o.dilation_w;
              if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
              const size_t pixel = static_cast<size_t>(((b * ih + iy) * iw + ix) * ic);
              for (int k = 0; k < fd; ++k) {
                const int channel = depthwise ? c / o.depth_multiplier : c / per_group * fd + k;
                const size_t wi = depthwise ? static_cast<size_t>((ky * fw + kx) * oc + c)
                                            : static_cast<size_t>(((c * fh + ky) * fw + kx) * fd + k);
                acc += (Stored(in, ti.type, pixel + static_cast<size_t>(channel)) + in_offset) *
                       (Stored(w, tw.type, wi) + w_offset);
              }
            }
          acc += bias[static_cast<size_t>(c)];
          const float ws = tw.quant.scale[tw.quant.PerChannel() ? static_cast<size_t>(c) : 0];
          const QuantizedMultiplier m = QuantizeMultiplier(
              static_cast<double>(ti.quant.scale[0]) * static_cast<double>(ws) / static_cast<double>(to.quant.scale[0]));
          const int32_t v = MultiplyByQuantizedMultiplier(acc, m.multiplier, m.shift) + out_zp;
          out[static_cast<size_t>(((b * oh + y) * ow + x) * oc + c)] =
              static_cast<uint8_t>(std::clamp(v, act.min, act.max));
        }
  return out;
}

/// Runs `inputs` through the model and checks every convolution's output against the
/// reference; returns how many convolution outputs were compared.
size_t ExpectConvsExact(const Model& model, const std::vector<std::vector<uint8_t>>& inputs) {
  auto interp = Interpreter::Create(model);
  EXPECT_TRUE(interp.ok()) << interp.error().message;
  if (!interp.ok()) return 0;
  size_t compared = 0;
  for (const auto& bytes : inputs) {
    EXPECT_TRUE(interp->SetInputBytes(0, bytes).ok());
    interp->Invoke();
    for (const Operator& op : interp->model().subgraphs[0].operators) {
      if (op.builtin_code != op::kConv2D && op.builtin_code != op::kDepthwiseConv2D) continue;
      const auto got = interp->TensorBytes(op.outputs[0]);
      const auto want = ReferenceConv(*interp, op);
      EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), want)
          << "output '" << interp->TensorInfo(op.outputs[0]).name << "'";
      ++compared;
    }
  }
  return compared;
}

// ---- quantized models built directly --------------------------------------------------------

struct ConvCase {
  std::string name;
  bool depthwise = false;
  std::vector<int32_t> in;  // NHWC
  int out_c = 0, fh = 3, fw = 3;
  int filter_depth = 0;  // CONV_2D: 0 = all input channels (groups otherwise)
  OpOptions o;
};

Quantization Q(float scale, int64_t zp) {
  return QuantParams(scale, zp);
}

int OutSize(Padding p, int image, int filter, int stride, int dilation) {
  const int effective = (filter - 1) * dilation + 1;
  return p == Padding::kSame ? (image + stride - 1) / stride : (image + stride - effective) / stride;
}

/// One convolution over `type` (int8: per-channel symmetric filter; uint8: per-tensor filter with
/// a zero point), random weights, bias and zero points from `seed`. With `computed_filter` the
/// filter is a RESHAPE of a constant, so the graph computes it on every invoke.
Model ConvModel(const ConvCase& k, DType type, uint32_t seed, bool computed_filter = false) {
  std::mt19937 rng(seed);
  auto uniform = [&](int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); };
  const bool s8 = type == DType::kInt8;
  ModelBuilder b;
  const float in_scale = 0.02f, out_scale = 0.05f + 0.01f * static_cast<float>(uniform(0, 10));
  const int32_t in = b.AddTensor("input", type, k.in, Q(in_scale, s8 ? uniform(-20, 20) : uniform(100, 150)));
  const int ic = k.in[3];
  const int depth = k.depthwise ? 1 : (k.filter_depth ? k.filter_depth : ic);
  std::vector<int32_t> wshape = k.depthwise ? std::vector<int32_t>{1, k.fh, k.fw, k.out_c}
                                            : std::vector<int32_t>{k.out_c, k.fh, k.fw, depth};
  const size_t nw = static_cast<size_t>(ElementCount(wshape));
  std::vector<uint8_t> wbytes(nw);
  for (auto& v : wbytes) v = static_cast<uint8_t>(s8 ? uniform(-127, 127) : uniform(0, 255));
  Quantization wq;
  if (s8) {
    for (int c = 0; c < k.out_c; ++c) {
      wq.scale.push_back(0.002f + 0.0005f * static_cast<float>(uniform(0, 20)));
      wq.zero_point.push_back(0);
    }
    wq.quantized_dimension = k.depthwise ? 3 : 0;
  } else {
    wq = Q(0.004f, uniform(100, 150));
  }
  int32_t wt = b.AddConstantBytes("filter", type, wshape, wbytes, wq);
  if (computed_filter) {
    const int32_t shape = b.AddConstant("filter/shape", DType::kInt32, {4}, wshape);
    const int32_t reshaped = b.AddTensor("filter/reshaped", type, wshape, wq);
    OpOptions r;
    r.new_shape = wshape;
    b.AddOp(op::kReshape, {wt, shape}, {reshaped}, r);
    wt = reshaped;
  }
  std::vector<int32_t> bias(static_cast<size_t>(k.out_c));
  for (auto& v : bias) v = uniform(-3000, 3000);
  const int32_t bt = b.AddConstant("bias", DType::kInt32, {k.out_c}, bias, Q(in_scale * 0.004f, 0));
  const int oh = OutSize(k.o.padding, k.in[1], k.fh, k.o.stride_h, k.o.dilation_h);
  const int ow = OutSize(k.o.padding, k.in[2], k.fw, k.o.stride_w, k.o.dilation_w);
  const int32_t out = b.AddTensor("output", type, {k.in[0], oh, ow, k.out_c},
                                  Q(out_scale, s8 ? uniform(-30, 30) : uniform(90, 160)));
  b.AddOp(k.depthwise ? op::kDepthwiseConv2D : op::kConv2D, {in, wt, bt}, {out}, k.o);
  b.SetInputs({in});
  b.SetOutputs({out});
  return b.Finish();
}

std::vector<std::vector<uint8_t>> RandomBytes(const Model& m, size_t rows, uint32_t seed) {
  const SubGraph& sg = m.subgraphs[0];
  const auto n = static_cast<size_t>(ElementCount(sg.tensors[static_cast<size_t>(sg.inputs[0])].shape));
  std::mt19937 rng(seed);
  std::vector<std::vector<uint8_t>> out(rows, std::vector<uint8_t>(n));
  for (auto& row : out)
    for (auto& v : row) v = static_cast<uint8_t>(rng());
  return out;
}

std::vector<ConvCase> Cases() {
  std::vector<ConvCase> cs;
  auto conv = [&](std::string name, std::vector<int32_t> in, int oc, int fh, int fw, Padding p,
                  int sh, int sw, int dh = 1, int dw = 1, Activation a = Activation::kRelu6) {
    ConvCase k;
    k.name = std::move(name);
    k.in = std::move(in);
    k.out_c = oc;
    k.fh = fh;
    k.fw = fw;
    k.o.padding = p;
    k.o.stride_h = sh;
    k.o.stride_w = sw;
    k.o.dilation_h = dh;
    k.o.dilation_w = dw;
    k.o.activation = a;
    return k;
  };
  cs.push_back(conv("conv3x3_same", {1, 9, 11, 16}, 32, 3, 3, Padding::kSame, 1, 1));
  cs.push_back(conv("conv3x3_s2_even_rgb", {1, 12, 10, 3}, 8, 3, 3, Padding::kSame, 2, 2));
  cs.push_back(conv("conv5x3_valid_stride", {1, 10, 9, 5}, 7, 5, 3, Padding::kValid, 2, 1, 1, 1, Activation::kNone));
  cs.push_back(conv("conv_dilated", {1, 9, 9, 6}, 5, 3, 3, Padding::kSame, 1, 1, 2, 3, Activation::kRelu));
  cs.push_back(conv("conv1x1", {1, 7, 5, 40}, 33, 1, 1, Padding::kSame, 1, 1));
  cs.push_back(conv("conv1x1_batch2", {2, 3, 4, 24}, 18, 1, 1, Padding::kValid, 1, 1, 1, 1, Activation::kNone));
  cs.push_back(conv("conv_wide_depth", {1, 4, 4, 200}, 3, 3, 3, Padding::kSame, 1, 1));
  {
    ConvCase k = conv("conv_grouped", {1, 6, 7, 8}, 6, 3, 3, Padding::kSame, 1, 1);
    k.filter_depth = 4;  // 2 groups of 3 output channels
    cs.push_back(k);
  }
  auto dw = [&](std::string name, std::vector<int32_t> in, int mult, int fh, int fw, Padding p,
                int sh, int sw, int dh = 1, int dwl = 1, Activation a = Activation::kRelu6) {
    ConvCase k = conv(std::move(name), in, in[3] * mult, fh, fw, p, sh, sw, dh, dwl, a);
    k.depthwise = true;
    k.o.depth_multiplier = mult;
    return k;
  };
  cs.push_back(dw("dw3x3_same", {1, 10, 9, 32}, 1, 3, 3, Padding::kSame, 1, 1));
  cs.push_back(dw("dw3x3_s2_even", {1, 12, 12, 48}, 1, 3, 3, Padding::kSame, 2, 2));
  cs.push_back(dw("dw_odd_channels", {1, 7, 8, 20}, 1, 3, 3, Padding::kSame, 1, 2, 1, 1, Activation::kNone));
  cs.push_back(dw("dw_multiplier", {1, 6, 6, 5}, 3, 3, 3, Padding::kValid, 1, 1, 1, 1, Activation::kRelu));
  cs.push_back(dw("dw5x5_dilated", {1, 11, 10, 16}, 1, 5, 5, Padding::kSame, 1, 1, 2, 1));
  cs.push_back(dw("dw_batch2", {2, 5, 6, 17}, 2, 3, 2, Padding::kSame, 2, 1));
  return cs;
}

TEST(QuantConv, RequantizeQ31IsMultiplyByQuantizedMultiplier) {
  std::mt19937 rng(5);
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> accs = {0, 1, -1, 2, -2, kMin, kMax, kMin + 1, kMax - 1, 1 << 30, -(1 << 30)};
  for (int e = 0; e < 31; ++e) {
    for (int32_t d : {-1, 0, 1}) {
      accs.push_back((1 << e) + d);
      accs.push_back(-(1 << e) + d);
      accs.push_back((3 << e >> 1) + d);  // ties of the rounding divisions
      accs.push_back(-(3 << e >> 1) + d);
    }
  }
  for (int i = 0; i < 20000; ++i) accs.push_back(static_cast<int32_t>(rng()) >> (rng() % 31));
  std::vector<std::pair<int32_t, int>> multipliers = {{kMin, 0}, {kMax, 0}, {1 << 30, -31}, {kMax, 3}};
  for (int i = 0; i < 60; ++i) {
    const double real = std::ldexp(0.5 + 0.5 * static_cast<double>(rng()) / 4294967296.0, static_cast<int>(rng() % 40) - 34);
    const QuantizedMultiplier q = QuantizeMultiplier(real);
    multipliers.emplace_back(q.multiplier, q.shift);
  }
  size_t checked = 0;
  for (const auto& [m, shift] : multipliers) {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    for (int32_t acc : accs) {
      // A left shift that overflows is outside TFLite's contract (valid scales never do it).
      if (left > 0 && (acc > (kMax >> left) || acc < (kMin >> left))) continue;
      ASSERT_EQ(RequantizeQ31(acc, m, left, right), MultiplyByQuantizedMultiplier(acc, m, shift))
          << "acc " << acc << " multiplier " << m << " shift " << shift;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1'000'000u);
}

TEST(QuantConv, EveryShapeMatchesTheReferenceBitForBit) {
  uint32_t seed = 1;
  for (const ConvCase& k : Cases()) {
    for (DType type : {DType::kInt8, DType::kUInt8}) {
      SCOPED_TRACE(k.name + (type == DType::kInt8 ? "/int8" : "/uint8"));
      const Model m = ConvModel(k, type, seed++);
      // Several inputs through one interpreter: the kernels' buffers are reused.
      EXPECT_EQ(ExpectConvsExact(m, RandomBytes(m, 3, seed++)), 3u);
    }
  }
}

TEST(QuantConv, AFilterTheGraphComputesIsPackedOnEveryInvoke) {
  for (const ConvCase& k : Cases()) {
    if (k.name != "conv3x3_same" && k.name != "dw3x3_same") continue;
    SCOPED_TRACE(k.name);
    const Model m = ConvModel(k, DType::kInt8, 77, true);
    ASSERT_EQ(m.subgraphs[0].operators.size(), 2u);
    EXPECT_EQ(ExpectConvsExact(m, RandomBytes(m, 2, 78)), 2u);
  }
}

TEST(QuantConv, QuantizedMobileNetBlockMatchesTheReference) {
  const Model f = testing::MobileNetBlock();
  for (IoType io : {IoType::kInt8, IoType::kUInt8}) {
    auto q = QuantizeModel(f, testing::RandomRows(f, 16, 1), io);
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(ExpectConvsExact(*q, RandomBytes(*q, 2, 9)), 6u);
  }
}

TEST(QuantConv, MobileNetV1BodyHasTheStandardLayers) {
  const Model m = testing::MobileNetV1Body();
  const SubGraph& sg = m.subgraphs[0];
  EXPECT_EQ(sg.operators.size(), 27u);
  const Tensor& out = sg.tensors[static_cast<size_t>(sg.outputs[0])];
  EXPECT_EQ(out.shape, (std::vector<int32_t>{1, 10, 10, 1024}));
  EXPECT_EQ(testing::ConvMacs(m), 1'055'206'336);
}

}  // namespace
}  // namespace autopilot::tflite
