#include "autopilot/features/pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "autopilot/util/strings.h"

namespace autopilot::features {
namespace {

bool ParseNumber(const std::string& s, double* out) {
  const std::string t = util::Trim(s);
  if (t.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return *end == '\0' && std::isfinite(*out);
}

}  // namespace

Result<std::vector<Recording>> GroupRecordings(const tflite::Table& raw, const config::DatasetSettings& d,
                                               const std::string& file) {
  std::vector<int> cols;
  for (const auto& c : d.feature_columns) {
    const int i = raw.Column(c);
    if (i < 0) return Error{"data.schema", file + ": no column '" + c + "' (columns: " + util::Join(raw.header, ", ") + ")"};
    cols.push_back(i);
  }
  const int label = raw.Column(d.label);
  if (label < 0) return Error{"data.schema", file + ": no label column '" + d.label + "'"};
  int rec = -1;
  if (!d.window.recording.empty()) {
    rec = raw.Column(d.window.recording);
    if (rec < 0) return Error{"data.schema", file + ": no recording column '" + d.window.recording + "'"};
  }
  std::vector<Recording> out;
  std::map<std::string, size_t> by_id;
  for (size_t r = 0; r < raw.rows.size(); ++r) {
    const auto& row = raw.rows[r];
    const size_t line = r + 2;  // the header is line 1
    std::vector<double> values;
    for (size_t k = 0; k < cols.size(); ++k) {
      double v = 0;
      const auto at = static_cast<size_t>(cols[k]);
      if (at >= row.size() || !ParseNumber(row[at], &v)) {
        return Error{"data.schema", file + ":" + std::to_string(line) + ": '" + d.feature_columns[k] +
                                        "' is not a number: '" + (at < row.size() ? row[at] : std::string()) + "'"};
      }
      values.push_back(v);
    }
    const std::string lab = static_cast<size_t>(label) < row.size() ? util::Trim(row[static_cast<size_t>(label)]) : "";
    Recording* target = nullptr;
    if (rec >= 0) {
      const std::string id = static_cast<size_t>(rec) < row.size() ? util::Trim(row[static_cast<size_t>(rec)]) : "";
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        by_id[id] = out.size();
        out.push_back({id, lab, {}, line});
      } else if (out[it->second].label != lab) {
        return Error{"data.schema", file + ":" + std::to_string(line) + ": recording '" + id + "' changes label from '" +
                                        out[it->second].label + "' to '" + lab + "'"};
      }
      target = &out[by_id[id]];
    } else {
      if (out.empty() || out.back().label != lab) out.push_back({std::to_string(out.size()), lab, {}, line});
      target = &out.back();
    }
    target->readings.push_back(std::move(values));
  }
  return out;
}

double Normalize(const config::DatasetSettings& d, size_t column, double x) {
  if (column >= d.normalize.size()) return x;
  const auto& n = d.normalize[column];
  return (x - n.offset) / n.scale;
}

std::optional<std::vector<double>> ReadingFeatures(const config::DatasetSettings& d, const std::vector<double>& raw) {
  std::vector<double> f;
  if (d.feature_kind == "ratio") {
    double sum = 0;
    for (double x : raw) sum += x;
    if (sum <= 0) return std::nullopt;
    for (double x : raw) f.push_back(x / sum);
    return f;
  }
  for (size_t c = 0; c < raw.size(); ++c) f.push_back(Normalize(d, c, raw[c]));
  return f;
}

double TriggerValue(const config::DatasetSettings& d, const std::vector<double>& reading) {
  const auto& t = d.window.trigger;
  if (t.kind == "none") return 0;
  double acc = 0;
  for (const auto& name : t.channels) {
    for (size_t c = 0; c < d.feature_columns.size() && c < reading.size(); ++c) {
      if (d.feature_columns[c] != name) continue;
      acc += t.kind == "abs_sum" ? std::fabs(reading[c]) : reading[c] * reading[c];
    }
  }
  return t.kind == "magnitude" ? std::sqrt(acc) : acc;
}

std::optional<size_t> FindTrigger(const config::DatasetSettings& d, const Readings& readings, size_t from) {
  if (d.window.trigger.kind == "none") return from < readings.size() ? std::optional<size_t>(from) : std::nullopt;
  for (size_t i = from; i < readings.size(); ++i) {
    if (TriggerValue(d, readings[i]) >= d.window.trigger.threshold) return i;
  }
  return std::nullopt;
}

std::optional<std::vector<double>> WindowFeatures(const config::DatasetSettings& d, const Readings& readings,
                                                  size_t start) {
  const auto n = static_cast<size_t>(d.window.samples);
  const size_t channels = d.feature_columns.size();
  if (n == 0 || start + n > readings.size()) return std::nullopt;
  std::vector<double> f;
  if (!d.window.stats.empty()) {
    for (size_t c = 0; c < channels; ++c) {
      double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
      for (size_t i = start; i < start + n; ++i) {
        const double v = Normalize(d, c, readings[i][c]);
        sum += v;
        sq += v * v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      for (const auto& st : d.window.stats) {
        if (st == "mean") f.push_back(sum / static_cast<double>(n));
        else if (st == "min") f.push_back(lo);
        else if (st == "max") f.push_back(hi);
        else f.push_back(std::sqrt(sq / static_cast<double>(n)));  // rms
      }
    }
    return f;
  }
  f.reserve(n * channels);
  if (d.window.order == "channel_major") {
    for (size_t c = 0; c < channels; ++c)
      for (size_t i = start; i < start + n; ++i) f.push_back(Normalize(d, c, readings[i][c]));
  } else {
    for (size_t i = start; i < start + n; ++i)
      for (size_t c = 0; c < channels; ++c) f.push_back(Normalize(d, c, readings[i][c]));
  }
  return f;
}

std::optional<std::vector<double>> StreamWindow(const config::DatasetSettings& d, const Readings& stream, size_t from,
                                                size_t* window_start) {
  auto t = FindTrigger(d, stream, from);
  if (!t) return std::nullopt;
  const size_t start = d.window.trigger.kind == "none" ? *t : *t + 1;
  if (window_start) *window_start = start;
  return WindowFeatures(d, stream, start);
}

std::string TriggerCondition(const config::DatasetSettings& d) {
  const auto& t = d.window.trigger;
  if (t.kind == "none") return "";
  std::vector<std::string> terms;
  for (const auto& c : t.channels) terms.push_back(t.kind == "abs_sum" ? "|" + c + "|" : c + "²");
  const std::string sum = util::Join(terms, " + ");
  return (t.kind == "abs_sum" ? sum : "sqrt(" + sum + ")") + " >= " + util::ShortNumber(t.threshold);
}

std::string Describe(const config::DatasetSettings& d, bool live) {
  const auto& cols = d.feature_columns;
  auto norms = [&] {
    std::vector<std::string> parts;
    for (size_t c = 0; c < cols.size() && c < d.normalize.size(); ++c) {
      const auto& n = d.normalize[c];
      const std::string shifted = n.offset == 0 ? cols[c]
                                  : n.offset < 0 ? "(" + cols[c] + " + " + util::ShortNumber(-n.offset) + ")"
                                                 : "(" + cols[c] + " - " + util::ShortNumber(n.offset) + ")";
      parts.push_back(cols[c] + " → " + shifted + " / " + util::ShortNumber(n.scale));
    }
    return parts;
  };
  if (d.feature_kind == "ratio") {
    const std::string sum = util::Join(cols, " + ");
    std::vector<std::string> parts;
    for (size_t i = 0; i < cols.size() && i < d.feature_names.size(); ++i) {
      parts.push_back(d.feature_names[i] + " = " + cols[i] + " / (" + sum + ")");
    }
    return util::Join(parts, ", ");
  }
  if (d.feature_kind == "columns") {
    auto n = norms();
    return "the values of " + util::Join(cols, ", ") + (n.empty() ? "" : ", normalised: " + util::Join(n, ", "));
  }
  const auto& w = d.window;
  std::string text = std::to_string(w.samples) + " consecutive readings of " + util::Join(cols, ", ") + " at " +
                     util::ShortNumber(w.rate_hz) + " Hz";
  if (!live) {
    text = "per recording" + (w.recording.empty() ? std::string(" (a run of rows with one label)")
                                                  : " (rows with the same '" + w.recording + "')") +
           ", its first " + std::to_string(w.samples) + " readings of " + util::Join(cols, ", ") + " (" +
           util::ShortNumber(w.rate_hz) + " Hz; each recording was captured from the trigger on), one output row per recording";
  } else if (w.trigger.kind != "none") {
    text += ", taken right after the first reading with " + TriggerCondition(d) +
            " (that reading itself is not part of the window)";
  }
  auto n = norms();
  if (!n.empty()) text += "; each value normalised: " + util::Join(n, ", ");
  if (!w.stats.empty()) {
    text += "; per channel the " + util::Join(w.stats, ", ") + " of the window, in the order " + d.feature_names.front() +
            ", " + d.feature_names[std::min<size_t>(1, d.feature_names.size() - 1)] + ", …";
  } else if (w.order == "channel_major") {
    text += "; flattened channel by channel: all " + std::to_string(w.samples) + " " + cols.front() +
            " values first, then " + (cols.size() > 1 ? cols[1] : cols.front()) + ", … (" +
            std::to_string(d.feature_names.size()) + " inputs)";
  } else {
    text += "; flattened reading by reading: " + util::Join(cols, ", ") + " of the first reading, then of the second, … (" +
            std::to_string(d.feature_names.size()) + " inputs: input[i * " + std::to_string(cols.size()) + " + k] is channel k of reading i)";
  }
  return text;
}

}  // namespace autopilot::features
