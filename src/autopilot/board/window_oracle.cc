#include "autopilot/board/window_oracle.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>

#include "autopilot/features/pipeline.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace {

// Windows a live capture may take a little early or late (a loop that notices the trigger one
// reading later) still count as the right window.
constexpr long kEarliestShift = -2;
constexpr long kLatestShift = 3;
// Reports may trail the Invoke a little (printing after a delay).
constexpr int64_t kGraceUs = 300000;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

/// The window columns of every stream row, raw (in the stream's units).
Result<features::Readings> StreamReadings(const config::DatasetSettings& d, const SensorStream& stream) {
  std::vector<int> cols;
  for (const auto& c : d.feature_columns) {
    int i = stream.Column(c);
    if (i < 0) {
      return Error{"env.misconfigured", stream.path + ": the window column '" + c + "' is not in the stream (it has " +
                                            util::Join(stream.columns, ", ") + ")"};
    }
    cols.push_back(i);
  }
  features::Readings out;
  out.reserve(stream.rows.size());
  for (const auto& r : stream.rows) {
    std::vector<double> v;
    v.reserve(cols.size());
    for (int c : cols) v.push_back(r.values[static_cast<size_t>(c)]);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<double> Quantize(const WindowPlan& p, const std::vector<double>& f) {
  std::vector<double> q;
  if (!p.input_quantized || p.input_scale <= 0) return q;
  q.reserve(f.size());
  for (double v : f) {
    q.push_back(std::clamp(std::round(v / p.input_scale) + static_cast<double>(p.input_zero_point), p.input_min,
                           p.input_max));
  }
  return q;
}

/// Does an Invoke's input equal these features (one quantization step, or 0.01 for floats)?
bool Matches(const InvokeRecord& r, const WindowPlan& p, const std::vector<double>& f, const std::vector<double>& q) {
  if (r.in.size() != f.size()) return false;
  for (size_t k = 0; k < f.size(); ++k) {
    if (p.input_quantized ? std::fabs(r.in[k] - q[k]) > 1.0 : std::fabs(r.in[k] - f[k]) > 0.01) return false;
  }
  return true;
}

/// The Invoke's input as real values (dequantized when the tensor is quantized).
std::vector<double> RealInput(const InvokeRecord& r, const WindowPlan& p) {
  if (!p.input_quantized) return r.in;
  std::vector<double> v;
  v.reserve(r.in.size());
  for (double x : r.in) v.push_back((x - static_cast<double>(p.input_zero_point)) * p.input_scale);
  return v;
}

bool Near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (std::fabs(a[k] - b[k]) > tol) return false;
  }
  return true;
}

/// Why an input differs from the expected window, as far as it can be told.
std::string Explain(const InvokeRecord& r, const config::DatasetSettings& d, const features::Readings& readings,
                    const WindowPlan& p, const WindowExpectation& e) {
  if (r.in.size() != e.features.size()) {
    return "the input has " + std::to_string(r.in.size()) + " values, the window has " +
           std::to_string(e.features.size());
  }
  const std::vector<double> got = RealInput(r, p);
  const double tol = p.input_quantized ? 1.5 * p.input_scale : 0.01;
  size_t k = 0;
  while (k < got.size() && std::fabs(got[k] - e.features[k]) <= tol) ++k;
  std::string where;
  if (k < got.size()) {
    where = "input[" + std::to_string(k) + "] (" + (k < p.feature_names.size() ? p.feature_names[k] : "?") +
            ") is " + Num(got[k]) + ", expected " + Num(e.features[k]);
  }
  const size_t channels = d.feature_columns.size();
  const auto n = static_cast<size_t>(d.window.samples);
  const bool flat = d.window.stats.empty();
  std::string why;
  // Not normalised: the raw readings of the window.
  config::DatasetSettings raw = d;
  raw.normalize.clear();
  if (auto f = features::WindowFeatures(raw, readings, e.window_row); f && f->size() == got.size()) {
    // Raw values beyond the input's range were clipped by the quantization: compare the others.
    const double lo = p.input_quantized ? (p.input_min - static_cast<double>(p.input_zero_point)) * p.input_scale : -1e300;
    const double hi = p.input_quantized ? (p.input_max - static_cast<double>(p.input_zero_point)) * p.input_scale : 1e300;
    size_t inside = 0, same = 0, clipped_right = 0;
    for (size_t j = 0; j < got.size(); ++j) {
      if ((*f)[j] > lo && (*f)[j] < hi) {
        ++inside;
        same += std::fabs(got[j] - (*f)[j]) <= std::max(tol, 0.02);
      } else {
        clipped_right += std::fabs(got[j] - std::clamp((*f)[j], lo, hi)) <= std::max(tol, 0.02);
      }
    }
    if (inside > 0 && same == inside && clipped_right == got.size() - inside) {
      why = "the values are the raw readings: each must be (x - offset) / scale";
    }
  }
  // Another flattening order.
  if (why.empty() && flat) {
    config::DatasetSettings other = d;
    other.window.order = d.window.order == "channel_major" ? "sample_major" : "channel_major";
    if (auto f = features::WindowFeatures(other, readings, e.window_row); f && Near(got, *f, tol)) {
      why = "the readings are flattened " + other.window.order + "; the model was trained " + d.window.order;
    }
  }
  // Channels swapped: each expected channel found under another index.
  if (why.empty() && flat && d.window.order != "channel_major" && got.size() == n * channels) {
    std::vector<int> from(channels, -1);
    for (size_t c = 0; c < channels; ++c) {
      for (size_t j = 0; j < channels && from[c] < 0; ++j) {
        bool same = true;
        for (size_t i = 0; i < n && same; ++i) same = std::fabs(got[i * channels + j] - e.features[i * channels + c]) <= tol;
        if (same) from[c] = static_cast<int>(j);
      }
    }
    bool permuted = std::all_of(from.begin(), from.end(), [](int j) { return j >= 0; });
    bool identity = true;
    for (size_t c = 0; c < channels; ++c) identity = identity && from[c] == static_cast<int>(c);
    if (permuted && !identity) {
      std::vector<std::string> got_order(channels);
      for (size_t c = 0; c < channels; ++c) got_order[static_cast<size_t>(from[c])] = d.feature_columns[c];
      why = "the channels are in the order " + util::Join(got_order, ", ") + "; the model expects " +
            util::Join(d.feature_columns, ", ");
    }
  }
  // Too few readings: the first m readings are right, the rest are not the next ones.
  if (why.empty() && flat && d.window.order != "channel_major" && got.size() == n * channels) {
    size_t m = k / channels;
    if (m > 0 && m < n) {
      why = "only the first " + std::to_string(m) + " of the " + std::to_string(n) +
            " readings are the window's: the sketch captures too few readings (the window is " +
            std::to_string(n) + " readings at " + Num(d.window.rate_hz) + " Hz)";
    }
  }
  // Not waiting for the trigger: the input is a window that starts elsewhere.
  if (why.empty()) {
    for (size_t s = 0; s + n <= readings.size(); ++s) {
      auto f = features::WindowFeatures(d, readings, s);
      if (!f || !Near(got, *f, tol)) continue;
      long delta = static_cast<long>(s) - static_cast<long>(e.window_row);
      if (delta < 0 && d.window.trigger.kind != "none") {
        why = "it is the window starting " + std::to_string(-delta) + " readings before the one after the trigger (" +
              features::TriggerCondition(d) + "): the sketch does not wait for the trigger";
      } else {
        why = "it is the window starting at reading " + std::to_string(s) + ", " + std::to_string(std::labs(delta)) +
              " readings " + (delta < 0 ? "before" : "after") + " the expected one";
      }
      break;
    }
  }
  if (why.empty()) return where;
  return where.empty() ? why : where + ": " + why;
}

/// Serial lines in [from, to).
std::vector<std::string> LinesBetween(const RunLog& log, int64_t from, int64_t to) {
  std::vector<std::string> out;
  for (const auto& l : log.serial) {
    if (l.t_us >= from && l.t_us < to) out.push_back(l.text);
  }
  return out;
}

int64_t NextInvokeAfter(const RunLog& log, int64_t t, int64_t cap) {
  for (const auto& n : log.invokes) {
    if (n.t_us > t) return std::min(cap, n.t_us);
  }
  return cap;
}

}  // namespace

Result<WindowPlan> ExpectWindows(const config::DatasetSettings& d, const SensorStream& stream,
                                 const std::string& model_file, const std::vector<std::string>& classes) {
  if (d.feature_kind != "window") return Error{"harness.bug", "ExpectWindows needs dataset.features kind window"};
  auto readings = StreamReadings(d, stream);
  if (!readings) return readings.error();
  auto model = tflite::LoadModel(model_file);
  if (!model) return model.error();
  auto it = tflite::Interpreter::Create(std::move(*model));
  if (!it) return it.error();
  const auto& in = it->TensorInfo(it->InputIndex(0));
  WindowPlan plan;
  plan.feature_names = config::WindowFeatureNames(d);
  plan.readings = *readings;
  plan.input_quantized = (in.type == tflite::DType::kInt8 || in.type == tflite::DType::kUInt8) && !in.quant.scale.empty();
  if (plan.input_quantized) {
    plan.input_scale = in.quant.scale[0];
    plan.input_zero_point = in.quant.zero_point.empty() ? 0 : in.quant.zero_point[0];
  }
  plan.input_min = in.type == tflite::DType::kInt8 ? -128 : 0;
  plan.input_max = in.type == tflite::DType::kInt8 ? 127 : 255;
  const bool none = d.window.trigger.kind == "none";
  const auto n = static_cast<size_t>(d.window.samples);
  size_t pos = 0;
  while (pos < readings->size()) {
    size_t start = 0;
    auto f = features::StreamWindow(d, *readings, pos, &start);
    if (!f) break;
    WindowExpectation e;
    e.window_row = start;
    e.trigger_row = none ? start : start - 1;
    e.trigger_us = static_cast<int64_t>(std::llround(stream.rows[e.trigger_row].t_ms * 1000));
    e.window_end_us = static_cast<int64_t>(std::llround(stream.rows[start + n - 1].t_ms * 1000));
    e.label = stream.rows[start + n / 2].label;
    e.features = *f;
    e.quantized = Quantize(plan, e.features);
    std::vector<float> x(e.features.begin(), e.features.end());
    if (auto set = it->SetInputFloat(0, x); !set) return set.error();
    it->Invoke();
    auto scores = it->OutputValues(0, true);
    size_t best = static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
    e.expected_class = best < classes.size() ? classes[best] : "class" + std::to_string(best);
    plan.windows.push_back(std::move(e));
    // A live capture looks for the next trigger after its window; without a trigger every start
    // is a window the sketch may take.
    pos = none ? start + 1 : start + n;
  }
  return plan;
}

std::vector<SampleVerdict> JudgeWindows(const RunLog& log, const config::DatasetSettings& d, const WindowPlan& plan,
                                        const std::vector<std::string>& classes) {
  std::vector<SampleVerdict> out;
  const features::Readings* readings = &plan.readings;
  const std::vector<std::string> no_emojis;
  const int64_t end_of_run = std::numeric_limits<int64_t>::max() / 2;
  if (log.setup_done_us < 0) {
    SampleVerdict v;
    v.verdict = "semantic.no_inference";
    v.detail = "setup() never returned";
    out.push_back(v);
    return out;
  }
  const int64_t t0 = log.setup_done_us;

  if (d.window.trigger.kind == "none") {
    // Every Invoke is a sample: its input must be some window of the stream.
    size_t index = 0;
    for (const auto& r : log.invokes) {
      if (!r.ok) continue;
      SampleVerdict v;
      v.index = index++;
      v.invoked = true;
      const WindowExpectation* hit = nullptr;
      for (const auto& e : plan.windows) {
        if (Matches(r, plan, e.features, e.quantized)) {
          hit = &e;
          break;
        }
      }
      const int64_t seg_end = NextInvokeAfter(log, r.t_us, end_of_run);
      v.reported = ReportedClassOfLines(LinesBetween(log, r.t_us, seg_end), classes, no_emojis);
      if (hit) {
        v.input_ok = true;
        v.expected = hit->expected_class;
      } else if (!plan.windows.empty()) {
        v.detail = Explain(r, d, *readings, plan, plan.windows.front());
      }
      if (!v.input_ok) v.verdict = "semantic.wrong_input";
      else if (v.reported.empty()) v.verdict = "semantic.no_result";
      else if (util::ToLower(v.reported) != util::ToLower(v.expected)) v.verdict = "semantic.wrong_output";
      else v.verdict = "pass";
      out.push_back(v);
    }
    if (out.empty()) {
      SampleVerdict v;
      v.verdict = "semantic.no_inference";
      v.detail = "no Invoke() while the stream ran";
      out.push_back(v);
    }
    return out;
  }

  for (size_t i = 0; i < plan.windows.size(); ++i) {
    const WindowExpectation& e = plan.windows[i];
    SampleVerdict v;
    v.index = i;
    v.expected = e.expected_class;
    const int64_t from = t0 + e.trigger_us;
    const int64_t to = i + 1 < plan.windows.size() ? t0 + plan.windows[i + 1].trigger_us : end_of_run;
    // The right window, or one a few readings early or late.
    std::vector<std::pair<std::vector<double>, std::vector<double>>> candidates;
    candidates.emplace_back(e.features, e.quantized);
    for (long s = kEarliestShift; s <= kLatestShift; ++s) {
      long start = static_cast<long>(e.window_row) + s;
      if (s == 0 || start < 0) continue;
      if (auto f = features::WindowFeatures(d, *readings, static_cast<size_t>(start))) {
        candidates.emplace_back(*f, Quantize(plan, *f));
      }
    }
    const InvokeRecord* first_wrong = nullptr;
    std::string any_report;
    for (const auto& r : log.invokes) {
      if (!r.ok || r.t_us < from || r.t_us >= to) continue;
      v.invoked = true;
      bool match = false;
      for (const auto& [f, q] : candidates) match = match || Matches(r, plan, f, q);
      const int64_t seg_end = NextInvokeAfter(log, r.t_us, to + kGraceUs);
      std::string rep = ReportedClassOfLines(LinesBetween(log, r.t_us, seg_end), classes, no_emojis);
      if (!rep.empty()) any_report = rep;
      if (match && !v.input_ok) {
        v.input_ok = true;
        v.reported = rep;
      } else if (!match && !first_wrong) {
        first_wrong = &r;
      }
    }
    if (!v.input_ok) v.reported = any_report;
    if (!v.input_ok && first_wrong) v.detail = Explain(*first_wrong, d, *readings, plan, e);
    if (!v.invoked) {
      v.verdict = "semantic.no_inference";
      v.detail = "no Invoke() between the trigger at " + Num(static_cast<double>(e.trigger_us) / 1000.0) +
                 " ms and the next window";
    } else if (!v.input_ok) {
      v.verdict = "semantic.wrong_input";
    } else if (v.reported.empty()) {
      v.verdict = "semantic.no_result";
    } else if (util::ToLower(v.reported) != util::ToLower(v.expected)) {
      v.verdict = "semantic.wrong_output";
    } else {
      v.verdict = "pass";
    }
    out.push_back(v);
  }
  return out;
}

std::string ReportedClassOfLines(const std::vector<std::string>& lines, const std::vector<std::string>& classes,
                                 const std::vector<std::string>& emojis) {
  // Score lines: "punch: 0.93", "flex = 0.07" — the class at the start of the line, a number after.
  std::vector<std::optional<double>> score(classes.size());
  size_t scored = 0;
  for (const auto& line : lines) {
    std::string t = util::ToLower(util::Trim(line));
    for (size_t c = 0; c < classes.size(); ++c) {
      std::string name = util::ToLower(classes[c]);
      if (!util::StartsWith(t, name)) continue;
      std::string rest = util::Trim(t.substr(name.size()));
      if (rest.empty() || (rest[0] != ':' && rest[0] != '=')) continue;
      rest = util::Trim(rest.substr(1));
      char* end = nullptr;
      double v = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) continue;
      if (!score[c]) ++scored;
      score[c] = v;
    }
  }
  if (scored >= 2) {
    size_t best = classes.size();
    for (size_t c = 0; c < classes.size(); ++c) {
      if (score[c] && (best == classes.size() || *score[c] > *score[best])) best = c;
    }
    return classes[best];
  }
  std::string last;
  for (const auto& line : lines) {
    std::string c = ReportedClass(line, classes, emojis);
    if (!c.empty()) last = c;
  }
  return last;
}

}  // namespace autopilot::board
