#include "autopilot/tflite/trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "autopilot/tflite/model_builder.h"
#include "autopilot/util/strings.h"

namespace autopilot::tflite {
namespace {

struct Layer {
  int in = 0, out = 0;
  std::vector<float> w, b;            // w[o * in + i]
  std::vector<float> gw, gb;          // gradients
  std::vector<float> mw, vw, mb, vb;  // Adam moments
};

double UniformDraw(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  for (auto& l : util::Split(s, '\n')) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

}  // namespace

std::vector<std::string> ModelFeatures(const Model& model) {
  return Lines(MetadataString(model, "autopilot.features"));
}
std::vector<std::string> ModelLabels(const Model& model) {
  return Lines(MetadataString(model, "autopilot.labels"));
}

Result<TrainResult> TrainMlp(const std::vector<std::vector<float>>& x, const std::vector<int>& y,
                             const std::vector<std::string>& feature_specs,
                             const std::vector<std::string>& classes, const TrainOptions& opt) {
  if (x.empty() || x.size() != y.size()) return Error{errc::kData, "no training rows"};
  const int n_in = static_cast<int>(x[0].size());
  const int n_classes = static_cast<int>(classes.size());
  if (n_in == 0 || n_classes < 2) return Error{errc::kData, "need at least one feature and two classes"};
  for (int h : opt.hidden) {
    if (h <= 0 || h > 4096) return Error{errc::kUsage, "hidden layer sizes must be 1..4096"};
  }
  // Standardize features (folded into the first layer afterwards).
  std::vector<double> mean(static_cast<size_t>(n_in), 0.0), sd(static_cast<size_t>(n_in), 0.0);
  for (const auto& row : x) for (int i = 0; i < n_in; ++i) mean[static_cast<size_t>(i)] += row[static_cast<size_t>(i)];
  for (auto& m : mean) m /= static_cast<double>(x.size());
  for (const auto& row : x)
    for (int i = 0; i < n_in; ++i) {
      const double d = row[static_cast<size_t>(i)] - mean[static_cast<size_t>(i)];
      sd[static_cast<size_t>(i)] += d * d;
    }
  // A (nearly) constant feature carries no information: scaling it by 1/sd would fold huge
  // weights into the first layer, and per-channel int8 quantization would then round every other
  // weight of those channels to zero. Leave it unscaled.
  for (auto& s : sd) {
    s = std::sqrt(s / static_cast<double>(x.size()));
    if (s < 1e-6) s = 1.0;
  }
  std::vector<std::vector<float>> xs(x.size(), std::vector<float>(static_cast<size_t>(n_in)));
  for (size_t r = 0; r < x.size(); ++r)
    for (size_t i = 0; i < static_cast<size_t>(n_in); ++i)
      xs[r][i] = static_cast<float>((x[r][i] - mean[i]) / sd[i]);

  std::mt19937_64 rng(opt.seed);
  std::vector<int> sizes{n_in};
  sizes.insert(sizes.end(), opt.hidden.begin(), opt.hidden.end());
  sizes.push_back(n_classes);
  std::vector<Layer> layers;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    Layer L;
    L.in = sizes[l];
    L.out = sizes[l + 1];
    const double limit = std::sqrt(6.0 / (L.in + L.out));  // Glorot uniform, as Keras Dense
    L.w.resize(static_cast<size_t>(L.in * L.out));
    for (auto& w : L.w) w = static_cast<float>((UniformDraw(rng) * 2 - 1) * limit);
    L.b.assign(static_cast<size_t>(L.out), 0.0f);
    L.gw.assign(L.w.size(), 0);
    L.gb.assign(L.b.size(), 0);
    L.mw.assign(L.w.size(), 0);
    L.vw.assign(L.w.size(), 0);
    L.mb.assign(L.b.size(), 0);
    L.vb.assign(L.b.size(), 0);
    layers.push_back(std::move(L));
  }
  const size_t nl = layers.size();
  std::vector<std::vector<float>> act(nl + 1), delta(nl + 1);
  auto forward = [&](const std::vector<float>& in) {
    act[0] = in;
    for (size_t l = 0; l < nl; ++l) {
      const Layer& L = layers[l];
      act[l + 1].assign(static_cast<size_t>(L.out), 0);
      for (int o = 0; o < L.out; ++o) {
        float s = L.b[static_cast<size_t>(o)];
        for (int i = 0; i < L.in; ++i) s += L.w[static_cast<size_t>(o * L.in + i)] * act[l][static_cast<size_t>(i)];
        act[l + 1][static_cast<size_t>(o)] = (l + 1 < nl) ? std::max(0.0f, s) : s;
      }
    }
    auto& z = act[nl];
    const float mx = *std::max_element(z.begin(), z.end());
    float sum = 0;
    for (auto& v : z) sum += (v = std::exp(v - mx));
    for (auto& v : z) v /= sum;
  };

  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  int step = 0;
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    for (size_t i = order.size(); i > 1; --i) {  // own Fisher-Yates: portable across libraries
      const auto j = static_cast<size_t>(UniformDraw(rng) * static_cast<double>(i));
      std::swap(order[i - 1], order[std::min(j, i - 1)]);
    }
    for (size_t start = 0; start < order.size(); start += static_cast<size_t>(opt.batch)) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(opt.batch));
      for (auto& L : layers) {
        std::fill(L.gw.begin(), L.gw.end(), 0.0f);
        std::fill(L.gb.begin(), L.gb.end(), 0.0f);
      }
      for (size_t k = start; k < end; ++k) {
        forward(xs[order[k]]);
        delta[nl] = act[nl];
        delta[nl][static_cast<size_t>(y[order[k]])] -= 1.0f;  // softmax + cross-entropy
        for (size_t l = nl; l-- > 0;) {
          Layer& L = layers[l];
          delta[l].assign(static_cast<size_t>(L.in), 0.0f);
          for (int o = 0; o < L.out; ++o) {
            const float d = delta[l + 1][static_cast<size_t>(o)];
            L.gb[static_cast<size_t>(o)] += d;
            for (int i = 0; i < L.in; ++i) {
              L.gw[static_cast<size_t>(o * L.in + i)] += d * act[l][static_cast<size_t>(i)];
              delta[l][static_cast<size_t>(i)] += d * L.w[static_cast<size_t>(o * L.in + i)];
            }
          }
          if (l > 0) {
            for (int i = 0; i < L.in; ++i) {
              if (act[l][static_cast<size_t>(i)] <= 0) delta[l][static_cast<size_t>(i)] = 0;
            }
          }
        }
      }
      ++step;
      const float scale = 1.0f / static_cast<float>(end - start);
      const float c1 = 1 - std::pow(b1, static_cast<float>(step)), c2 = 1 - std::pow(b2, static_cast<float>(step));
      auto adam = [&](std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m, std::vector<float>& v) {
        for (size_t i = 0; i < p.size(); ++i) {
          const float gi = g[i] * scale;
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          p[i] -= opt.learning_rate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
        }
      };
      for (auto& L : layers) {
        adam(L.w, L.gw, L.mw, L.vw);
        adam(L.b, L.gb, L.mb, L.vb);
      }
    }
  }
  size_t correct = 0;
  for (size_t r = 0; r < xs.size(); ++r) {
    forward(xs[r]);
    const auto pred = std::max_element(act[nl].begin(), act[nl].end()) - act[nl].begin();
    if (pred == y[r]) ++correct;
  }
  // Fold the standardization into layer 0: w' = w / sd, b' = b - sum(w * mean / sd).
  Layer& first = layers[0];
  for (int o = 0; o < first.out; ++o) {
    double b = first.b[static_cast<size_t>(o)];
    for (int i = 0; i < first.in; ++i) {
      float& w = first.w[static_cast<size_t>(o * first.in + i)];
      b -= static_cast<double>(w) * mean[static_cast<size_t>(i)] / sd[static_cast<size_t>(i)];
      w = static_cast<float>(w / sd[static_cast<size_t>(i)]);
    }
    first.b[static_cast<size_t>(o)] = static_cast<float>(b);
  }

  ModelBuilder mb;
  int32_t cur = mb.AddTensor("input", DType::kFloat32, {1, n_in});
  const int32_t input = cur;
  for (size_t l = 0; l < nl; ++l) {
    const Layer& L = layers[l];
    const std::string name = "dense_" + std::to_string(l);
    const int32_t w = mb.AddConstant(name + "/kernel", DType::kFloat32, {L.out, L.in}, L.w);
    const int32_t b = mb.AddConstant(name + "/bias", DType::kFloat32, {L.out}, L.b);
    const int32_t out = mb.AddTensor(l + 1 < nl ? name + "/relu" : "logits", DType::kFloat32, {1, L.out});
    OpOptions o;
    o.activation = l + 1 < nl ? Activation::kRelu : Activation::kNone;
    mb.AddOp(op::kFullyConnected, {cur, w, b}, {out}, o);
    cur = out;
  }
  const int32_t probs = mb.AddTensor("output", DType::kFloat32, {1, n_classes});
  mb.AddOp(op::kSoftmax, {cur}, {probs});
  mb.SetInputs({input});
  mb.SetOutputs({probs});
  mb.AddMetadata("autopilot.features", util::Join(feature_specs, "\n"));
  mb.AddMetadata("autopilot.labels", util::Join(classes, "\n"));
  TrainResult result;
  result.model = mb.Finish();
  result.model.description = "autopilot model train (float32 MLP)";
  result.train_accuracy = static_cast<double>(correct) / static_cast<double>(xs.size());
  return result;
}

}  // namespace autopilot::tflite
