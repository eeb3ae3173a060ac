#pragma once
// The quantized convolutions' fast kernels (CONV_2D, DEPTHWISE_CONV_2D over int8 or uint8), exact
// like TFLite's reference kernels: integer sums (in another order) and the reference's Q31
// requantization. CONV_2D is an im2col + blocked int16 GEMM, DEPTHWISE_CONV_2D accumulates
// channel vectors over the filter window of a zero-padded copy of the input.
//
// Inputs and filters are shifted by their zero points into int16 once (the im2col rows, the
// padded depthwise input, the packed filter), so padding is a plain zero and every inner loop is
// an int16 × int16 → int32 multiply-add the compiler vectorizes (pmaddwd, or AVX-VNNI's vpdpwssd,
// for the GEMM's dot products). The three loops that carry the work are compiled for AVX-VNNI,
// AVX2 and the baseline x86-64, and the first use picks what the CPU has: the same integer
// arithmetic in each, so results do not depend on the CPU.
//
// Header-only: interpreter.cc is its one user, and everything that builds the interpreter (the
// core library, the Python extension) compiles its sources, not a list of ours.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace autopilot::tflite {

/// A quantized convolution as Prepare sees it: geometry, offsets and the per-channel output stage.
struct QuantConvPlan {
  bool depthwise = false;
  int in_h = 0, in_w = 0, in_c = 0;
  int filter_h = 0, filter_w = 0;
  int out_h = 0, out_w = 0, out_c = 0;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_h = 0, pad_w = 0;
  int groups = 1;            // CONV_2D: input channels / filter depth
  int depth_multiplier = 1;  // DEPTHWISE_CONV_2D
  int32_t in_offset = 0, filter_offset = 0, out_offset = 0;
  int32_t act_min = 0, act_max = 0;
  // The output stage of every output channel: MultiplyByQuantizedMultiplier's multiplier and its
  // shift split into a left and a right shift (one value expands to all channels).
  std::vector<int32_t> mult, left_shift, right_shift;

  /// Fills the output stage from Prepare's multipliers and shifts (one, or one per channel).
  void SetOutputStage(const std::vector<int32_t>& multipliers, const std::vector<int>& shifts);
  /// Output channels of one group (CONV_2D) or all of them (DEPTHWISE_CONV_2D).
  int GroupChannels() const { return depthwise ? out_c : out_c / groups; }
  /// Filter values per output channel of CONV_2D (window × depth) padded for the GEMM.
  int PaddedDepth() const;
  /// Channels of the padded buffers: the output channels (a group's, for CONV_2D) rounded up.
  int PaddedChannels() const;
  /// int16 values of the packed filter (PackQuantConvFilter).
  size_t PackedFilterSize() const;
};

/// Reusable buffers of the kernels (one set per interpreter; grown, never shrunk).
struct QuantConvScratch {
  std::vector<int16_t> filter;  // the packed filter when it is not a constant
  std::vector<int16_t> input;   // im2col rows (CONV_2D) or the padded input (DEPTHWISE_CONV_2D)
  std::vector<int32_t> acc;     // accumulators of the rows being requantized
  std::vector<int32_t> bias;    // the bias of every output channel (0 without one)
};

/// TFLite's MultiplyByQuantizedMultiplier (quant_math.h) with the shift split in two, inline for
/// the kernels' loops and in a form compilers vectorize; equal to it for every input (a test
/// checks). The reference's SaturatingRoundingDoublingHighMul, (ab + nudge) / 2^31 truncated
/// with nudge = 2^30 for ab >= 0 and 1 - 2^30 below, equals floor((ab + 2^30) / 2^31) in both
/// cases; the low 32 bits of that quotient are bits 31..62 of ab + 2^30 (a logical shift gives
/// them as well as an arithmetic one).
[[gnu::always_inline]] inline int32_t RequantizeQ31(int32_t acc, int32_t multiplier, int32_t left_shift,
                                                    int32_t right_shift) {
  const auto x = static_cast<int32_t>(static_cast<uint32_t>(acc) << left_shift);
  const int64_t ab = int64_t{x} * multiplier;
  auto high = static_cast<int32_t>(static_cast<uint64_t>(ab + (int64_t{1} << 30)) >> 31);
  // The one product that does not fit: INT32_MIN², saturated as in the reference.
  if (x == std::numeric_limits<int32_t>::min() && multiplier == x) high = std::numeric_limits<int32_t>::max();
  // RoundingDivideByPOT: halves away from zero.
  const auto mask = static_cast<int32_t>((uint32_t{1} << right_shift) - 1);
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right_shift) + ((high & mask) > threshold ? 1 : 0);
}

namespace quant_conv {

// The GEMM's register tile: kTileRows output pixels × kTileCols output channels.
inline constexpr int kTileRows = 4;
inline constexpr int kTileCols = 2;
// Filter depths and depthwise channels are padded to a multiple of one AVX2 int16 vector.
inline constexpr int kVector = 16;

inline int RoundUp(int v, int m) {
  return (v + m - 1) / m * m;
}

/// dst[k] = src[k] + offset as int16, for n values.
template <typename T>
void Widen(const T* src, int n, int32_t offset, int16_t* dst) {
  for (int k = 0; k < n; ++k) dst[k] = static_cast<int16_t>(static_cast<int32_t>(src[k]) + offset);
}

// ---- the three kernels (always inlined into their per-CPU instances below) -------------------

/// c[r * cols + j] = Σ_k a[r][k] · b[j][k] for the kTileRows rows of `a` and `cols` (a multiple of
/// kTileCols) rows of `b`, both `blocks` × kVector values long. One tile keeps its eight sums in
/// registers; the k loop's trip count is a multiple of the vector width, so it vectorizes whole.
[[gnu::always_inline]] inline void GemmRows(const int16_t* a, const int16_t* b, int blocks, int cols,
                                            int32_t* c) {
  const int depth = blocks * kVector;
  const int16_t *a0 = a, *a1 = a + depth, *a2 = a + 2 * depth, *a3 = a + 3 * depth;
  for (int j = 0; j < cols; j += kTileCols) {
    const int16_t* b0 = b + static_cast<std::ptrdiff_t>(j) * depth;
    const int16_t* b1 = b0 + depth;
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
    for (int k = 0; k < depth; ++k) {
      const int32_t w0 = b0[k], w1 = b1[k];
      s00 += a0[k] * w0;
      s01 += a0[k] * w1;
      s10 += a1[k] * w0;
      s11 += a1[k] * w1;
      s20 += a2[k] * w0;
      s21 += a2[k] * w1;
      s30 += a3[k] * w0;
      s31 += a3[k] * w1;
    }
    c[j] = s00;
    c[j + 1] = s01;
    c[cols + j] = s10;
    c[cols + j + 1] = s11;
    c[2 * cols + j] = s20;
    c[2 * cols + j + 1] = s21;
    c[3 * cols + j] = s30;
    c[3 * cols + j + 1] = s31;
  }
}

/// The output stage of `rows` pixels × `channels` channels: accumulator + bias, requantized with
/// each channel's multiplier, offset and clamped, stored as the output's bytes (int8 values are
/// stored by their two's-complement byte). Channel j of a row is p's channel `first + j`.
[[gnu::always_inline]] inline void RequantizeRows(const QuantConvPlan& p, const int32_t* acc,
                                                  int acc_stride, const int32_t* bias, int rows,
                                                  int channels, int first, uint8_t* out,
                                                  int out_stride) {
  const int32_t* mult = p.mult.data() + first;
  const int32_t* left = p.left_shift.data() + first;
  const int32_t* right = p.right_shift.data() + first;
  for (int r = 0; r < rows; ++r) {
    const int32_t* a = acc + static_cast<std::ptrdiff_t>(r) * acc_stride;
    uint8_t* o = out + static_cast<std::ptrdiff_t>(r) * out_stride;
    for (int j = 0; j < channels; ++j) {
      const int32_t v = RequantizeQ31(a[j] + bias[j], mult[j], left[j], right[j]) + p.out_offset;
      o[j] = static_cast<uint8_t>(std::clamp(v, p.act_min, p.act_max));
    }
  }
}

/// acc[c] = Σ_t window[offset[t] + c] · taps[t][c] over kTaps taps: a compile-time count, so the
/// tap loop unrolls inside the vectorized channel loop and the sums stay in registers.
template <int kTaps>
[[gnu::always_inline]] inline void DepthwisePixel(const int16_t* window, const std::ptrdiff_t* offset,
                                                  const int16_t* taps, int blocks, int32_t* acc) {
  const int channels = blocks * kVector;
  const int16_t* px[kTaps];
  const int16_t* w[kTaps];
  for (int t = 0; t < kTaps; ++t) {
    px[t] = window + offset[t];
    w[t] = taps + static_cast<std::ptrdiff_t>(t) * channels;
  }
  for (int c = 0; c < channels; ++c) {
    int32_t sum = 0;
#pragma GCC unroll 16
    for (int t = 0; t < kTaps; ++t) sum += px[t][c] * w[t][c];
    acc[c] = sum;
  }
}

/// The accumulators of output row `y` (out_w pixels × `channels` values): the padded input
/// `image` (rows of `row_stride` values, zero where TFLite pads) times the packed taps, whose
/// positions in the image are `offset` from the window's corner.
[[gnu::always_inline]] inline void DepthwiseRow(const QuantConvPlan& p, const int16_t* image,
                                                int row_stride, const int16_t* taps,
                                                const std::ptrdiff_t* offset, int channels, int y,
                                                int32_t* acc) {
  const int blocks = channels / kVector, n_taps = p.filter_h * p.filter_w;
  for (int x = 0; x < p.out_w; ++x) {
    const int16_t* window = image + static_cast<std::ptrdiff_t>(y) * p.stride_h * row_stride +
                            static_cast<std::ptrdiff_t>(x) * p.stride_w * channels;
    int32_t* a = acc + static_cast<std::ptrdiff_t>(x) * channels;
    if (n_taps == 9) {  // 3×3, MobileNet's
      DepthwisePixel<9>(window, offset, taps, blocks, a);
      continue;
    }
    // Any other window: one tap at a time into the accumulator row.
    for (int t = 0; t < n_taps; ++t) {
      const int16_t* px = window + offset[t];
      const int16_t* w = taps + static_cast<std::ptrdiff_t>(t) * channels;
      if (t == 0) {
        for (int c = 0; c < blocks * kVector; ++c) a[c] = px[c] * w[c];
      } else {
        for (int c = 0; c < blocks * kVector; ++c) a[c] += px[c] * w[c];
      }
    }
  }
}

// ---- one instance of each kernel per instruction set, picked once -------------------------

using GemmFn = void (*)(const int16_t*, const int16_t*, int, int, int32_t*);
using RequantizeFn = void (*)(const QuantConvPlan&, const int32_t*, int, const int32_t*, int, int,
                              int, uint8_t*, int);
using DepthwiseFn = void (*)(const QuantConvPlan&, const int16_t*, int, const int16_t*,
                             const std::ptrdiff_t*, int, int, int32_t*);

struct Kernels {
  GemmFn gemm;
  RequantizeFn requantize;
  DepthwiseFn depthwise;
};

// The instances: each compiles the inlined body for its target (a wrapper per target because
// GCC's target_clones cannot name AVX-VNNI, and dispatch on CPU features rather than models).
#define AUTOPILOT_QUANT_CONV_KERNELS(suffix, target)                                                \
  target inline void Gemm##suffix(const int16_t* a, const int16_t* b, int blocks, int cols,         \
                                  int32_t* c) {                                                     \
    GemmRows(a, b, blocks, cols, c);                                                                \
  }                                                                                                 \
  target inline void Requantize##suffix(const QuantConvPlan& p, const int32_t* acc, int acc_stride, \
                                        const int32_t* bias, int rows, int channels, int first,     \
                                        uint8_t* out, int out_stride) {                             \
    RequantizeRows(p, acc, acc_stride, bias, rows, channels, first, out, out_stride);               \
  }                                                                                                 \
  target inline void Depthwise##suffix(const QuantConvPlan& p, const int16_t* image,                \
                                       int row_stride, const int16_t* taps,                         \
                                       const std::ptrdiff_t* offset, int channels, int y,           \
                                       int32_t* acc) {                                              \
    DepthwiseRow(p, image, row_stride, taps, offset, channels, y, acc);                             \
  }

AUTOPILOT_QUANT_CONV_KERNELS(Baseline, )
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AUTOPILOT_QUANT_CONV_X86 1
AUTOPILOT_QUANT_CONV_KERNELS(Avx2, [[gnu::target("avx2")]])
AUTOPILOT_QUANT_CONV_KERNELS(AvxVnni, [[gnu::target("avx2,avxvnni")]])
#endif
#undef AUTOPILOT_QUANT_CONV_KERNELS

/// The instances for this CPU, chosen on first use.
inline const Kernels& ForThisCpu() {
  static const Kernels kernels = [] {
#ifdef AUTOPILOT_QUANT_CONV_X86
    __builtin_cpu_init();
    // AVX-VNNI's dot product only speeds up the GEMM; the other two loops are AVX2's.
    if (__builtin_cpu_supports("avxvnni")) return Kernels{GemmAvxVnni, RequantizeAvx2, DepthwiseAvx2};
    if (__builtin_cpu_supports("avx2")) return Kernels{GemmAvx2, RequantizeAvx2, DepthwiseAvx2};
#endif
    return Kernels{GemmBaseline, RequantizeBaseline, DepthwiseBaseline};
  }();
  return kernels;
}

// ---- CONV_2D: GEMM over im2col rows -------------------------------------------------------

/// One im2col row: the filter window of output pixel (y, x) over group `group`'s input channels,
/// shifted by the input offset, zero outside the image and past the window (to `depth`).
template <typename T>
void Im2colRow(const QuantConvPlan& p, const T* image, int group, int y, int x, int depth,
               int16_t* row) {
  const int fi = p.in_c / p.groups;
  const int in_y0 = y * p.stride_h - p.pad_h, in_x0 = x * p.stride_w - p.pad_w;
  int16_t* dst = row;
  for (int ky = 0; ky < p.filter_h; ++ky, dst += p.filter_w * fi) {
    const int iy = in_y0 + ky * p.dilation_h;
    if (iy < 0 || iy >= p.in_h) {
      std::fill(dst, dst + p.filter_w * fi, int16_t{0});
      continue;
    }
    const T* line = image + static_cast<std::ptrdiff_t>(iy) * p.in_w * p.in_c + group * fi;
    if (p.dilation_w == 1 && p.groups == 1) {
      // The valid taps of a filter row are one contiguous run of the image row.
      const int kx0 = std::clamp(-in_x0, 0, p.filter_w);
      const int kx1 = std::clamp(p.in_w - in_x0, kx0, p.filter_w);
      std::fill(dst, dst + kx0 * fi, int16_t{0});
      if (kx1 > kx0) {
        Widen(line + static_cast<std::ptrdiff_t>(in_x0 + kx0) * p.in_c, (kx1 - kx0) * fi, p.in_offset,
              dst + kx0 * fi);
      }
      std::fill(dst + kx1 * fi, dst + p.filter_w * fi, int16_t{0});
      continue;
    }
    for (int kx = 0; kx < p.filter_w; ++kx) {
      const int ix = in_x0 + kx * p.dilation_w;
      if (ix < 0 || ix >= p.in_w) {
        std::fill(dst + kx * fi, dst + (kx + 1) * fi, int16_t{0});
      } else {
        Widen(line + static_cast<std::ptrdiff_t>(ix) * p.in_c, fi, p.in_offset, dst + kx * fi);
      }
    }
  }
  std::fill(dst, row + depth, int16_t{0});
}

template <typename T>
void RunConv(const QuantConvPlan& p, int batches, const T* in, const int16_t* packed,
             const int32_t* bias, T* out, QuantConvScratch* s) {
  const Kernels& k = ForThisCpu();
  const int depth = p.PaddedDepth(), cols = p.PaddedChannels(), per_group = p.GroupChannels();
  const int pixels = p.out_h * p.out_w;
  s->input.resize(static_cast<size_t>(kTileRows) * static_cast<size_t>(depth));
  s->acc.resize(static_cast<size_t>(kTileRows) * static_cast<size_t>(cols));
  s->bias.assign(static_cast<size_t>(p.out_c), 0);
  if (bias) std::copy(bias, bias + p.out_c, s->bias.begin());
  auto* bytes = reinterpret_cast<uint8_t*>(out);
  for (int b = 0; b < batches; ++b) {
    const T* image = in + static_cast<std::ptrdiff_t>(b) * p.in_h * p.in_w * p.in_c;
    uint8_t* dst = bytes + static_cast<std::ptrdiff_t>(b) * pixels * p.out_c;
    for (int g = 0; g < p.groups; ++g) {
      const int16_t* filter = packed + static_cast<std::ptrdiff_t>(g) * cols * depth;
      const int first = g * per_group;
      for (int m = 0; m < pixels; m += kTileRows) {
        const int rows = std::min(kTileRows, pixels - m);
        for (int r = 0; r < kTileRows; ++r) {
          int16_t* row = s->input.data() + static_cast<std::ptrdiff_t>(r) * depth;
          if (r < rows) {
            Im2colRow(p, image, g, (m + r) / p.out_w, (m + r) % p.out_w, depth, row);
          } else {
            std::fill(row, row + depth, int16_t{0});
          }
        }
        k.gemm(s->input.data(), filter, depth / kVector, cols, s->acc.data());
        k.requantize(p, s->acc.data(), cols, s->bias.data() + first, rows, per_group, first,
                     dst + static_cast<std::ptrdiff_t>(m) * p.out_c + first, p.out_c);
      }
    }
  }
}

// ---- DEPTHWISE_CONV_2D: channel vectors over the window ---------------------------------------

template <typename T>
void RunDepthwise(const QuantConvPlan& p, int batches, const T* in, const int16_t* packed,
                  const int32_t* bias, T* out, QuantConvScratch* s) {
  const Kernels& k = ForThisCpu();
  const int channels = p.PaddedChannels();
  // The padded image covers every tap of every output pixel: rows from -pad_h on.
  const int rows = (p.out_h - 1) * p.stride_h + (p.filter_h - 1) * p.dilation_h + 1;
  const int cols = (p.out_w - 1) * p.stride_w + (p.filter_w - 1) * p.dilation_w + 1;
  const int row_stride = cols * channels;
  s->input.resize(static_cast<size_t>(rows) * static_cast<size_t>(row_stride));
  s->acc.resize(static_cast<size_t>(p.out_w) * static_cast<size_t>(channels));
  s->bias.assign(static_cast<size_t>(p.out_c), 0);
  if (bias) std::copy(bias, bias + p.out_c, s->bias.begin());
  // Output channel c reads input channel c / depth_multiplier: looked up, not divided, per pixel.
  std::vector<int> source(static_cast<size_t>(p.out_c));
  for (int c = 0; c < p.out_c; ++c) source[static_cast<size_t>(c)] = c / p.depth_multiplier;
  // Where each tap reads, from the window's corner.
  std::vector<std::ptrdiff_t> offset;
  for (int ky = 0; ky < p.filter_h; ++ky) {
    for (int kx = 0; kx < p.filter_w; ++kx) {
      offset.push_back(static_cast<std::ptrdiff_t>(ky) * p.dilation_h * row_stride +
                       static_cast<std::ptrdiff_t>(kx) * p.dilation_w * channels);
    }
  }
  auto* bytes = reinterpret_cast<uint8_t*>(out);
  for (int b = 0; b < batches; ++b) {
    const T* image = in + static_cast<std::ptrdiff_t>(b) * p.in_h * p.in_w * p.in_c;
    int16_t* padded = s->input.data();
    for (int py = 0; py < rows; ++py) {
      const int iy = py - p.pad_h;
      for (int px = 0; px < cols; ++px) {
        const int ix = px - p.pad_w;
        int16_t* dst = padded + static_cast<std::ptrdiff_t>(py) * row_stride +
                       static_cast<std::ptrdiff_t>(px) * channels;
        if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
          std::fill(dst, dst + channels, int16_t{0});
          continue;
        }
        const T* src = image + (static_cast<std::ptrdiff_t>(iy) * p.in_w + ix) * p.in_c;
        if (p.depth_multiplier == 1) {
          Widen(src, p.in_c, p.in_offset, dst);
        } else {
          for (int c = 0; c < p.out_c; ++c) {
            dst[c] = static_cast<int16_t>(static_cast<int32_t>(src[source[static_cast<size_t>(c)]]) +
                                          p.in_offset);
          }
        }
        std::fill(dst + p.out_c, dst + channels, int16_t{0});
      }
    }
    uint8_t* dst = bytes + static_cast<std::ptrdiff_t>(b) * p.out_h * p.out_w * p.out_c;
    for (int y = 0; y < p.out_h; ++y) {
      k.depthwise(p, padded, row_stride, packed, offset.data(), channels, y, s->acc.data());
      k.requantize(p, s->acc.data(), channels, s->bias.data(), p.out_w, p.out_c, 0,
                   dst + static_cast<std::ptrdiff_t>(y) * p.out_w * p.out_c, p.out_c);
    }
  }
}

}  // namespace quant_conv

inline void QuantConvPlan::SetOutputStage(const std::vector<int32_t>& multipliers,
                                          const std::vector<int>& shifts) {
  mult.resize(static_cast<size_t>(out_c));
  left_shift.resize(static_cast<size_t>(out_c));
  right_shift.resize(static_cast<size_t>(out_c));
  for (size_t c = 0; c < static_cast<size_t>(out_c); ++c) {
    const size_t k = multipliers.size() > 1 ? c : 0;
    mult[c] = multipliers[k];
    left_shift[c] = shifts[k] > 0 ? shifts[k] : 0;
    right_shift[c] = shifts[k] > 0 ? 0 : -shifts[k];
  }
}

inline int QuantConvPlan::PaddedDepth() const {
  return depthwise ? 0 : quant_conv::RoundUp(filter_h * filter_w * (in_c / groups), quant_conv::kVector);
}

inline int QuantConvPlan::PaddedChannels() const {
  return depthwise ? quant_conv::RoundUp(out_c, quant_conv::kVector)
                   : quant_conv::RoundUp(GroupChannels(), quant_conv::kTileCols);
}

inline size_t QuantConvPlan::PackedFilterSize() const {
  const auto channels = static_cast<size_t>(PaddedChannels());
  if (depthwise) return static_cast<size_t>(filter_h * filter_w) * channels;
  return static_cast<size_t>(groups) * channels * static_cast<size_t>(PaddedDepth());
}

/// The filter shifted by its zero point into int16 in the kernels' layout: CONV_2D rows of
/// PaddedDepth() per output channel (a group's channels rounded up to the GEMM tile),
/// DEPTHWISE_CONV_2D one row of PaddedChannels() per filter tap; padding is zero.
template <typename T>
void PackQuantConvFilter(const QuantConvPlan& p, const T* filter, int16_t* packed) {
  std::fill(packed, packed + p.PackedFilterSize(), int16_t{0});
  const int channels = p.PaddedChannels();
  if (p.depthwise) {
    // TFLite's [1, H, W, out] layout: one row per tap.
    for (int t = 0; t < p.filter_h * p.filter_w; ++t) {
      quant_conv::Widen(filter + static_cast<std::ptrdiff_t>(t) * p.out_c, p.out_c, p.filter_offset,
                        packed + static_cast<std::ptrdiff_t>(t) * channels);
    }
    return;
  }
  // TFLite's [out, H, W, in / groups] layout: each output channel's window is one GEMM row.
  const int window = p.filter_h * p.filter_w * (p.in_c / p.groups), depth = p.PaddedDepth();
  const int per_group = p.GroupChannels();
  for (int c = 0; c < p.out_c; ++c) {
    const int g = c / per_group, j = c % per_group;
    quant_conv::Widen(filter + static_cast<std::ptrdiff_t>(c) * window, window, p.filter_offset,
                      packed + (static_cast<std::ptrdiff_t>(g) * channels + j) * depth);
  }
}

/// Runs the convolution over `batches` images: `packed` from PackQuantConvFilter, `bias` int32 per
/// output channel or null; the output's bytes are written whole.
template <typename T>
void RunQuantConv(const QuantConvPlan& p, int batches, const T* in, const int16_t* packed,
                  const int32_t* bias, T* out, QuantConvScratch* scratch) {
  if (p.depthwise) {
    quant_conv::RunDepthwise(p, batches, in, packed, bias, out, scratch);
  } else {
    quant_conv::RunConv(p, batches, in, packed, bias, out, scratch);
  }
}

}  // namespace autopilot::tflite
