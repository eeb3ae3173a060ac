#include "autopilot/stage/contracts.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <set>

#include "autopilot/features/pipeline.h"
#include "autopilot/prompt/template.h"
#include "autopilot/stage/dp_checks.h"
#include "autopilot/stage/edge_facts.h"
#include "autopilot/stage/facts.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;

std::string Num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

/// "{1, 2, 3}", or the first values and the count of a long list.
std::string ListText(const std::vector<double>& v, size_t show = 8) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < v.size() && i < show; ++i) parts.push_back(Num(v[i]));
  std::string s = "{" + util::Join(parts, ", ");
  if (v.size() > show) s += ", … (" + std::to_string(v.size()) + " values)";
  return s + "}";
}

std::vector<double> ToDoubles(const json& a) {
  std::vector<double> out;
  if (!a.is_array()) return out;
  for (const auto& x : a) out.push_back(x.is_number() ? x.get<double>() : std::nan(""));
  return out;
}

bool Close(double got, double want, double abs_tol, double rel_tol) {
  if (std::isnan(got) || std::isnan(want)) return false;
  return std::fabs(got - want) <= abs_tol + rel_tol * std::fabs(want);
}

struct TypeInfo {
  std::string dtype;  ///< int8, uint8, float32
  std::string ctype;
  int min = 0, max = 0;
  bool quantized = false;
  double scale = 1;
  int zero_point = 0;
};

TypeInfo InfoOf(const tflite::Tensor& t) {
  TypeInfo i;
  i.dtype = util::ToLower(tflite::DTypeName(t.type));
  if (t.type == tflite::DType::kInt8) i = {"int8", "int8_t", -128, 127, true};
  if (t.type == tflite::DType::kUInt8) i = {"uint8", "uint8_t", 0, 255, true};
  if (t.type == tflite::DType::kFloat32) i = {"float32", "float", 0, 0, false};
  i.dtype = i.dtype.empty() ? util::ToLower(tflite::DTypeName(t.type)) : i.dtype;
  if (!t.quant.scale.empty()) i.scale = t.quant.scale[0];
  if (!t.quant.zero_point.empty()) i.zero_point = static_cast<int>(t.quant.zero_point[0]);
  return i;
}

/// The feature names as a contract states them (all, or the first and last of a long window).
std::string NamesText(const std::vector<std::string>& n) {
  if (n.size() <= 12) return util::Join(n, ", ");
  return n[0] + ", " + n[1] + ", … , " + n.back();
}

/// A CSV cell as a typed value: a number when it parses as one, else the text.
json Cell(const std::string& s) {
  const std::string t = util::Trim(s);
  if (t.empty()) return nullptr;
  char* end = nullptr;
  long long i = std::strtoll(t.c_str(), &end, 10);
  if (*end == '\0') return i;
  double d = std::strtod(t.c_str(), &end);
  if (*end == '\0' && std::isfinite(d)) return d;
  return t;
}

bool ParseDouble(const std::string& s, double* v) {
  const std::string t = util::Trim(s);
  if (t.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(t.c_str(), &end);
  return *end == '\0' && std::isfinite(*v);
}

std::string RowText(const std::vector<std::string>& header, const json& row) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < header.size() && i < row.size(); ++i) {
    const json& v = row[i];
    parts.push_back(header[i] + "=" + (v.is_string() ? v.get<std::string>() : v.is_null() ? "NaN" : Num(v.get<double>())));
  }
  return "{" + util::Join(parts, ", ") + "}";
}

/// The render context and the conditions of a stage's contract.
struct StageContext {
  json render;
  std::set<std::string> conditions;
};

Result<StageContext> ContextFor(const config::ProjectConfig& cfg, const std::string& stage, const ContractInputs& in) {
  StageContext c;
  const auto& d = cfg.dataset;
  const size_t n_cols = d.feature_columns.size();
  json features = {{"count", d.feature_names.size()},
                   {"names", NamesText(d.feature_names)},
                   {"last", d.feature_names.empty() ? 0 : d.feature_names.size() - 1}};
  if (stage == "sg") {
    auto model = tflite::LoadModel(in.int8_model);
    if (!model) return model.error();
    const auto& sg = model->subgraphs.at(0);
    if (sg.inputs.empty() || sg.outputs.empty()) return Error{"ml.schema_mismatch", in.int8_model + ": no inputs or outputs"};
    TypeInfo ii = InfoOf(sg.tensors.at(static_cast<size_t>(sg.inputs[0])));
    TypeInfo oi = InfoOf(sg.tensors.at(static_cast<size_t>(sg.outputs[0])));
    std::string raw;
    if (d.feature_kind == "window") {
      const int64_t total = d.window.samples * static_cast<int64_t>(n_cols);
      raw = std::to_string(d.window.samples) + " consecutive readings of " + util::Join(d.feature_columns, ", ") +
            ", reading by reading (" + std::to_string(total) + " values: raw[i * " + std::to_string(n_cols) +
            " + c] is column c of reading i) as the sensor returns them, before any scaling";
    } else {
      raw = "one reading's " + util::Join(d.feature_columns, ", ") + " (" + std::to_string(n_cols) +
            " values, as the sensor returns them)";
    }
    c.render = {{"raw", {{"description", raw}}},
                {"features", features},
                {"input", {{"dtype", ii.dtype}, {"ctype", ii.ctype}, {"min", ii.min}, {"max", ii.max}}},
                {"output", {{"dtype", oi.dtype}, {"ctype", oi.ctype}, {"min", oi.min}, {"max", oi.max}}}};
    if (ii.quantized) c.conditions.insert("input_quantized");
    if (oi.quantized) c.conditions.insert("output_quantized");
  } else if (stage == "dp") {
    json dp = DpFacts(cfg);
    std::string rules = dp["cleaning"]["rules"].get<std::string>();
    if (!rules.empty() && rules.back() == '.') rules.pop_back();
    std::string rows = "one row per input row";
    if (d.feature_kind == "window") {
      rows = "one row per recording (rows with the same " + d.window.recording + " are one recording; its first " +
             std::to_string(d.window.samples) + " readings make the window)";
    }
    features["rows"] = rows;
    c.render = {{"raw", {{"columns", dp["dataset"]["columns"]}}}, {"cleaning", rules}, {"features", features}};
  } else if (stage == "mc") {
    int64_t rows = 0;
    if (auto t = tflite::ReadCsv(in.representative_csv); t) rows = static_cast<int64_t>(t->rows.size());
    c.render = {{"data", {{"path", "representative.csv"}, {"rows", rows}}}, {"features", features}};
  } else if (stage == "psg" || stage == "tpusg") {
    auto model = tflite::LoadModel(cfg.edge.model.file);
    if (!model) return model.error();
    const auto& sg = model->subgraphs.at(0);
    if (sg.inputs.empty()) return Error{"ml.schema_mismatch", cfg.edge.model.file + ": no input"};
    const auto& t = sg.tensors.at(static_cast<size_t>(sg.inputs[0]));
    TypeInfo ii = InfoOf(t);
    if (t.shape.size() != 4) return Error{"ml.shape_mismatch", cfg.edge.model.file + ": the input is not [1, H, W, 3]"};
    auto roles = DetectionOutputRoles(cfg.edge.model.file);
    if (!roles) return roles.error();
    static const char* kRole[] = {"boxes [1, N, 4]", "classes [1, N]", "scores [1, N]", "count [1]"};
    std::vector<std::string> names;
    for (int r : *roles) names.push_back(kRole[r]);
    c.render = {{"input", {{"height", t.shape[1]}, {"width", t.shape[2]}, {"dtype", ii.dtype}}},
                {"outputs", {{"count", roles->size()}, {"roles", util::Join(names, ", ")}}}};
  } else {
    return Error{errc::kUsage, "no contracts for stage " + stage};
  }
  if (d.feature_kind != "window" || !d.window.recording.empty()) c.conditions.insert("rows_or_recordings");
  return c;
}

// --- references ---------------------------------------------------------------------------

struct CaseMaker {
  const config::ProjectConfig& cfg;
  const ContractFunction& fn;
  std::mt19937_64 rng;
  std::vector<ContractCase>* out;

  void Add(const std::string& label, json args, json expected, std::string call) {
    out->push_back({fn.name, label, std::move(args), std::move(expected), std::move(call)});
  }
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
  int64_t randoms() const { return cfg.contracts.random_cases; }
};

/// Raw readings of the project's dataset: per row, the feature columns (rows that do not parse
/// are skipped).
Result<tflite::Table> RawTable(const config::ProjectConfig& cfg, const ContractInputs& in) {
  const std::string path = in.raw_csv.empty() ? cfg.dataset.raw_csv : in.raw_csv;
  auto t = tflite::ReadCsv(path);
  if (!t) return t.error();
  if (t->rows.empty()) return Error{"data.schema", path + ": no rows"};
  return t;
}

Result<void> FeatureCases(CaseMaker& m, const ContractInputs& in) {
  const auto& d = m.cfg.dataset;
  auto table = RawTable(m.cfg, in);
  if (!table) return table.error();
  auto call = [](const std::vector<double>& raw) { return "compute_features(raw=" + ListText(raw) + ")"; };
  if (d.feature_kind == "window") {
    auto recs = features::GroupRecordings(*table, d, "raw.csv");
    if (!recs) return recs.error();
    const size_t n = static_cast<size_t>(d.window.samples);
    std::vector<double> lo(d.feature_columns.size(), 0), hi(d.feature_columns.size(), 1);
    bool first = true;
    int taken = 0;
    for (const auto& r : *recs) {
      for (const auto& reading : r.readings) {
        for (size_t c = 0; c < reading.size() && c < lo.size(); ++c) {
          lo[c] = first ? reading[c] : std::min(lo[c], reading[c]);
          hi[c] = first ? reading[c] : std::max(hi[c], reading[c]);
        }
        first = false;
      }
      if (taken >= 2 || r.readings.size() < n) continue;
      auto f = features::WindowFeatures(d, r.readings);
      if (!f) continue;
      std::vector<double> raw;
      for (size_t i = 0; i < n; ++i) raw.insert(raw.end(), r.readings[i].begin(), r.readings[i].end());
      m.Add("recording " + r.id, {{"raw", raw}}, *f, call(raw));
      ++taken;
    }
    for (int64_t k = 0; k < std::min<int64_t>(m.randoms(), 3); ++k) {
      features::Readings readings(n, std::vector<double>(lo.size()));
      std::vector<double> raw;
      for (auto& reading : readings) {
        for (size_t c = 0; c < lo.size(); ++c) reading[c] = m.Uniform(lo[c], hi[c] + 1e-9);
        raw.insert(raw.end(), reading.begin(), reading.end());
      }
      auto f = features::WindowFeatures(d, readings);
      if (f) m.Add("random " + std::to_string(k + 1), {{"raw", raw}}, *f, call(raw));
    }
    return {};
  }
  std::vector<int> cols;
  for (const auto& c : d.feature_columns) cols.push_back(table->Column(c));
  std::vector<std::vector<double>> raws;
  for (size_t i = 0; i < table->rows.size() && raws.size() < 3; i += std::max<size_t>(1, table->rows.size() / 3)) {
    std::vector<double> raw;
    bool ok = true;
    for (int c : cols) {
      double v = 0;
      ok = ok && c >= 0 && ParseDouble(table->rows[i][static_cast<size_t>(c)], &v);
      raw.push_back(v);
    }
    if (ok) raws.push_back(raw);
  }
  const size_t n = d.feature_columns.size();
  raws.push_back(std::vector<double>(n, 100));  // all equal
  std::vector<double> skew(n, 1);
  skew[0] = 4097;
  raws.push_back(skew);  // one channel dominant
  if (n > 1) {
    std::vector<double> zero(n, 37);
    zero[n - 1] = 0;
    raws.push_back(zero);  // one channel dark
  }
  for (int64_t k = 0; k < m.randoms(); ++k) {
    std::vector<double> raw(n);
    for (auto& v : raw) v = static_cast<double>(m.Int(0, 1023));
    raws.push_back(raw);
  }
  for (size_t i = 0; i < raws.size(); ++i) {
    auto f = features::ReadingFeatures(d, raws[i]);
    if (!f) continue;  // the features are undefined there (a ratio over a zero sum)
    m.Add(i < 3 ? "dataset row" : "case " + std::to_string(i + 1), {{"raw", raws[i]}}, *f, call(raws[i]));
  }
  return {};
}

void ArgmaxCases(CaseMaker& m) {
  auto add = [&](const std::string& label, const std::vector<double>& v) {
    size_t best = 0;
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i] > v[best]) best = i;
    }
    m.Add(label, {{"values", v}}, best, "argmax(values=" + ListText(v) + ", count=" + std::to_string(v.size()) + ")");
  };
  add("one value", {0.25});
  add("all equal", {0.5, 0.5, 0.5});
  add("largest last", {0.1, 0.2, 0.7});
  add("tie: the first", {0.1, 0.45, 0.45});
  add("all negative", {-3.5, -1.25, -2.0});
  add("largest first, then a zero", {2.0, 0.0, -1.0, 1.5});
  const size_t classes = std::max<size_t>(2, m.cfg.dataset.classes.size());
  for (int64_t k = 0; k < m.randoms(); ++k) {
    std::vector<double> v(k % 2 == 0 ? classes : 10);
    for (auto& x : v) x = std::round(m.Uniform(-10, 10) * 1000) / 1000;
    add("random " + std::to_string(k + 1), v);
  }
}

double RoundHalfAway(double x) { return x < 0 ? -std::floor(-x + 0.5) : std::floor(x + 0.5); }

void QuantizeCases(CaseMaker& m, const TypeInfo& t) {
  auto add = [&](const std::string& label, double x, double scale, int zp) {
    const double r = x / scale;
    const double q = std::clamp(RoundHalfAway(r) + zp, static_cast<double>(t.min), static_cast<double>(t.max));
    json expected = {{"q", q}};
    const double frac = std::fabs(r - std::trunc(r));
    if (std::fabs(frac - 0.5) < 1e-3) {  // a half: either neighbour is a correct rounding
      const double lo = static_cast<double>(t.min), hi = static_cast<double>(t.max);
      expected["alt"] = json::array({std::clamp(std::floor(r) + zp, lo, hi), std::clamp(std::ceil(r) + zp, lo, hi)});
    }
    m.Add(label, {{"x", x}, {"scale", scale}, {"zero_point", zp}}, expected,
          "quantize(x=" + Num(x) + ", scale=" + Num(scale) + ", zero_point=" + std::to_string(zp) + ")");
  };
  const double s = t.scale > 0 ? t.scale : 0.0039215689;
  const int zp = t.zero_point;
  add("zero", 0.0, s, zp);
  add("a multiple of the scale", 5 * s, s, zp);
  add("saturates high", 1000 * s * 256, s, zp);
  add("saturates low", -1000 * s * 256, s, zp);
  add("negative", -7.3 * s, s, zp);
  add("another scale and zero point", 0.8, 0.5, -3);
  for (int64_t k = 0; k < m.randoms(); ++k) {
    add("random " + std::to_string(k + 1), std::round(m.Uniform(-140, 140) * 1000) / 1000 * s, s, zp);
  }
}

void DequantizeCases(CaseMaker& m, const TypeInfo& t) {
  auto add = [&](const std::string& label, int q, double scale, int zp) {
    m.Add(label, {{"q", q}, {"scale", scale}, {"zero_point", zp}}, (q - zp) * scale,
          "dequantize(q=" + std::to_string(q) + ", scale=" + Num(scale) + ", zero_point=" + std::to_string(zp) + ")");
  };
  const double s = t.scale > 0 ? t.scale : 0.00390625;
  add("the minimum", t.min, s, t.zero_point);
  add("the maximum", t.max, s, t.zero_point);
  add("the zero point", t.zero_point, s, t.zero_point);
  add("another scale and zero point", t.min + 10, 0.25, t.min + 3);
  for (int64_t k = 0; k < m.randoms(); ++k) {
    add("random " + std::to_string(k + 1), static_cast<int>(m.Int(t.min, t.max)), s, t.zero_point);
  }
}

/// Whether the DP rules keep a raw row, and why not.
std::string DropReason(const config::DatasetSettings& d, const tflite::Table& t, const std::vector<std::string>& row) {
  int clear = t.Column("clear");
  int prox = t.Column("proximity");
  double v = 0;
  if (clear >= 0 && ParseDouble(row[static_cast<size_t>(clear)], &v) && v < static_cast<double>(d.min_clear)) {
    return "clear below " + std::to_string(d.min_clear);
  }
  if (prox >= 0 && ParseDouble(row[static_cast<size_t>(prox)], &v) && v > static_cast<double>(d.max_proximity)) {
    return "proximity above " + std::to_string(d.max_proximity);
  }
  for (const auto& c : d.feature_columns) {
    int i = t.Column(c);
    if (i >= 0 && !ParseDouble(row[static_cast<size_t>(i)], &v)) return c + " is not a number";
  }
  return "";
}

json TypedRow(const std::vector<std::string>& row) {
  json r = json::array();
  for (const auto& c : row) r.push_back(Cell(c));
  return r;
}

json Frame(const tflite::Table& t, const std::vector<std::vector<std::string>>& rows) {
  json out = json::array();
  for (const auto& r : rows) out.push_back(TypedRow(r));
  return {{"$df", {{"columns", t.header}, {"rows", out}}}};
}

Result<void> DpCases(CaseMaker& m, const ContractInputs& in, bool clean) {
  const auto& d = m.cfg.dataset;
  auto table = RawTable(m.cfg, in);
  if (!table) return table.error();
  const tflite::Table& t = *table;
  std::vector<std::vector<std::string>> sample;
  if (d.feature_kind == "window") {
    // Whole recordings: two complete ones, and (for clean) one cut short of a window.
    int rc = t.Column(d.window.recording);
    if (rc < 0) return Error{"data.schema", "no recording column " + d.window.recording};
    std::vector<std::string> ids;
    for (const auto& r : t.rows) {
      if (ids.empty() || ids.back() != r[static_cast<size_t>(rc)]) ids.push_back(r[static_cast<size_t>(rc)]);
      if (ids.size() > 3) break;
    }
    auto rows_of = [&](const std::string& id) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& r : t.rows) {
        if (r[static_cast<size_t>(rc)] == id) rows.push_back(r);
      }
      return rows;
    };
    std::vector<std::vector<std::string>> kept;
    for (size_t i = 0; i < ids.size() && i < 2; ++i) {
      auto rows = rows_of(ids[i]);
      if (static_cast<int64_t>(rows.size()) < d.window.samples) continue;
      kept.insert(kept.end(), rows.begin(), rows.end());
    }
    if (kept.empty()) return Error{"data.schema", "no recording of the dataset is long enough for a window"};
    std::vector<std::vector<std::string>> input = kept;
    if (clean && !ids.empty()) {
      auto rows = rows_of(ids[0]);
      rows.resize(static_cast<size_t>(std::max<int64_t>(1, d.window.samples - 1)));
      for (auto& r : rows) r[static_cast<size_t>(rc)] = r[static_cast<size_t>(rc)] + "_short";
      input.insert(input.end(), rows.begin(), rows.end());
    }
    if (clean) {
      json expected = json::array();
      for (const auto& r : kept) expected.push_back(TypedRow(r));
      m.Add("two recordings and one too short", {{"df", Frame(t, input)}}, {{"columns", t.header}, {"rows", expected}},
            "clean(df of " + std::to_string(input.size()) + " rows: 2 recordings of " + std::to_string(d.window.samples) +
                "+ readings and one of " + std::to_string(d.window.samples - 1) + ")");
      return {};
    }
    // features: write the kept rows as a CSV and let the reference group and window them.
    tflite::Table sub{t.header, kept};
    auto dir = util::MakeTempDir("autopilot-contract-");
    if (!dir) return dir.error();
    util::RemoveTreeOnExit cleanup(*dir);
    const std::string tmp = *dir + "/rows.csv";
    if (auto w = util::WriteFileAtomic(tmp, tflite::FormatCsv(sub)); !w) return w.error();
    auto rows = ExpectedDpRows(d, tmp);
    if (!rows) return rows.error();
    json expected = json::array();
    for (const auto& r : *rows) expected.push_back(r.features);
    m.Add("two recordings", {{"df", Frame(t, kept)}}, {{"columns", d.feature_names}, {"rows", expected}},
          "features(df of " + std::to_string(kept.size()) + " rows: 2 recordings)");
    return {};
  }
  // Rows of the dataset, spread over it, and the edge cases of each rule.
  std::vector<size_t> picks;
  const size_t want = static_cast<size_t>(std::min<int64_t>(std::max<int64_t>(m.randoms(), 4), 64));
  std::uniform_int_distribution<size_t> pick(0, t.rows.size() - 1);
  for (size_t k = 0; k < want; ++k) picks.push_back(pick(m.rng));
  std::vector<std::vector<std::string>> base;
  std::set<std::vector<std::string>> seen;
  for (size_t i : picks) {
    if (DropReason(d, t, t.rows[i]).empty() && seen.insert(t.rows[i]).second) base.push_back(t.rows[i]);
  }
  if (base.empty()) {
    for (const auto& r : t.rows) {
      if (DropReason(d, t, r).empty()) {
        base.push_back(r);
        break;
      }
    }
  }
  if (base.empty()) return Error{"data.schema", "no row of the dataset survives the cleaning rules"};
  if (!clean) {
    json expected = json::array();
    for (const auto& r : base) {
      std::vector<double> raw;
      for (const auto& c : d.feature_columns) {
        double v = 0;
        ParseDouble(r[static_cast<size_t>(t.Column(c))], &v);
        raw.push_back(v);
      }
      auto f = features::ReadingFeatures(d, raw);
      expected.push_back(f ? json(*f) : json(nullptr));
    }
    m.Add("rows of the dataset", {{"df", Frame(t, base)}}, {{"columns", d.feature_names}, {"rows", expected}},
          "features(df of " + std::to_string(base.size()) + " cleaned rows of the dataset)");
    return {};
  }
  std::vector<std::vector<std::string>> input = base;
  int clear = t.Column("clear");
  int prox = t.Column("proximity");
  auto variant = [&](int col, int64_t value) {
    auto r = base.front();
    r[static_cast<size_t>(col)] = std::to_string(value);
    return r;
  };
  if (clear >= 0) {
    input.push_back(variant(clear, d.min_clear - 1));  // too dark: dropped
    input.push_back(variant(clear, d.min_clear));      // at the limit: kept
  }
  if (prox >= 0) {
    input.push_back(variant(prox, d.max_proximity + 1));  // too far: dropped
    input.push_back(variant(prox, d.max_proximity));      // at the limit: kept
  }
  if (d.drop_duplicates) input.push_back(base.front());  // a duplicate: one copy stays
  json expected = json::array();
  std::set<std::vector<std::string>> kept_seen;
  for (const auto& r : input) {
    if (!DropReason(d, t, r).empty()) continue;
    if (d.drop_duplicates && !kept_seen.insert(r).second) continue;
    expected.push_back(TypedRow(r));
  }
  std::vector<std::string> what;
  if (clear >= 0) what.push_back("clear at and below the limit");
  if (prox >= 0) what.push_back("proximity at and above the limit");
  if (d.drop_duplicates) what.push_back("a duplicate");
  m.Add("dataset rows and the rules' edges", {{"df", Frame(t, input)}}, {{"columns", t.header}, {"rows", expected}},
        "clean(df of " + std::to_string(input.size()) + " rows" + (what.empty() ? "" : ", with " + util::Join(what, ", ")) + ")");
  return {};
}

Result<void> McCases(CaseMaker& m, const ContractInputs& in) {
  auto t = tflite::ReadCsv(in.representative_csv);
  if (!t) return t.error();
  auto x = tflite::ExtractFeatures(*t, m.cfg.dataset.feature_names);
  if (!x) return x.error();
  json rows = json::array();
  for (const auto& r : *x) rows.push_back(r);
  m.Add("representative.csv", json::object(), {{"rows", rows}, {"count", x->size()}},
        "representative_dataset() over representative.csv (" + std::to_string(x->size()) + " rows)");
  return {};
}

json Nd(const std::string& dtype, const std::vector<int64_t>& shape, const std::vector<double>& data) {
  return {{"$nd", {{"dtype", dtype}, {"shape", shape}, {"data", data}}}};
}

Result<void> PreprocessCases(CaseMaker& m) {
  auto model = tflite::LoadModel(m.cfg.edge.model.file);
  if (!model) return model.error();
  const auto& sg = model->subgraphs.at(0);
  const auto& t = sg.tensors.at(static_cast<size_t>(sg.inputs[0]));
  TypeInfo ii = InfoOf(t);
  json ref = {{"height", t.shape[1]}, {"width", t.shape[2]}, {"dtype", ii.dtype}, {"scale", ii.scale}, {"zero_point", ii.zero_point}};
  auto add = [&](const std::string& label, json frame, const std::string& text) {
    m.Add(label, {{"frame", {{"$frame", frame}}}}, {{"$reference", "edge_preprocess"}, {"model", ref}},
          "preprocess(frame=" + text + ")");
  };
  add("a 480x640 camera-size frame", {{"height", 480}, {"width", 640}, {"seed", m.Int(1, 1 << 30)}}, "random BGR 480x640");
  add("pure blue (BGR 255, 0, 0)", {{"height", 240}, {"width", 320}, {"fill", {255, 0, 0}}}, "BGR 240x320 filled with (255, 0, 0)");
  add("an odd size", {{"height", 37}, {"width", 53}, {"seed", m.Int(1, 1 << 30)}}, "random BGR 37x53");
  add("black", {{"height", 120}, {"width", 160}, {"fill", {0, 0, 0}}}, "BGR 120x160 all 0");
  return {};
}

Result<void> DecodeCases(CaseMaker& m) {
  int32_t rows = 0;
  auto roles = DetectionOutputRoles(m.cfg.edge.model.file, &rows);
  if (!roles) return roles.error();
  const int n = rows > 0 ? std::min<int32_t>(rows, 10) : 10;
  auto add = [&](const std::string& label, const std::vector<std::array<double, 4>>& boxes, const std::vector<double>& classes,
                 const std::vector<double>& scores, int count, double threshold) {
    std::vector<double> flat;
    for (const auto& b : boxes) flat.insert(flat.end(), b.begin(), b.end());
    json outputs = json::array();
    for (int r : *roles) {
      if (r == 0) outputs.push_back(Nd("float32", {1, n, 4}, flat));
      if (r == 1) outputs.push_back(Nd("float32", {1, n}, classes));
      if (r == 2) outputs.push_back(Nd("float32", {1, n}, scores));
      if (r == 3) outputs.push_back(Nd("float32", {1}, {static_cast<double>(count)}));
    }
    json expected = json::array();
    for (int i = 0; i < std::min(count, n); ++i) {
      // float32 as the model writes it: compare with the rounded values the driver gets.
      const double s = static_cast<float>(scores[static_cast<size_t>(i)]);
      if (s < static_cast<float>(threshold)) continue;
      json box = json::array();
      for (double v : boxes[static_cast<size_t>(i)]) box.push_back(static_cast<double>(static_cast<float>(v)));
      expected.push_back({static_cast<int>(classes[static_cast<size_t>(i)]), s, box});
    }
    std::vector<std::string> sc;
    for (int i = 0; i < n && i < 6; ++i) sc.push_back(Num(static_cast<float>(scores[static_cast<size_t>(i)])));
    m.Add(label, {{"outputs", outputs}, {"threshold", threshold}}, expected,
          "decode(outputs with count=" + std::to_string(count) + ", scores={" + util::Join(sc, ", ") + (n > 6 ? ", …" : "") +
              "}, threshold=" + Num(threshold) + ")");
  };
  const double thr = m.cfg.edge.threshold;
  auto make = [&](int count, bool at_threshold, const std::string& label, double threshold) {
    std::vector<std::array<double, 4>> boxes(static_cast<size_t>(n));
    std::vector<double> classes(static_cast<size_t>(n)), scores(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      double y0 = m.Uniform(0, 0.6), x0 = m.Uniform(0, 0.6);
      boxes[static_cast<size_t>(i)] = {y0, x0, y0 + m.Uniform(0.05, 0.4), x0 + m.Uniform(0.05, 0.4)};
      classes[static_cast<size_t>(i)] = static_cast<double>(m.Int(0, 80));
      // Scores fall like the post-processing sorts them; some are above the threshold after `count`.
      scores[static_cast<size_t>(i)] = std::round(m.Uniform(0.05, 0.99) * 1000) / 1000;
    }
    std::sort(scores.begin(), scores.begin() + std::min(count, n), std::greater<double>());
    if (count < n) scores[static_cast<size_t>(count)] = 0.97;  // valid-looking, but past count
    if (at_threshold && count > 1) scores[1] = threshold;
    add(label, boxes, classes, scores, count, threshold);
  };
  make(std::max(1, n / 2), true, "count below the rows, a score at the threshold", thr);
  make(n, false, "every row valid", thr);
  make(0, false, "no detections", thr);
  make(std::max(1, n - 2), false, "another threshold", thr < 0.25 ? 0.6 : 0.2);
  for (int64_t k = 0; k < std::min<int64_t>(m.randoms(), 4); ++k) {
    make(static_cast<int>(m.Int(1, n)), false, "random " + std::to_string(k + 1), thr);
  }
  return {};
}

// --- judging ---------------------------------------------------------------------------------

struct NdArray {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<double> data;
};

bool DecodeNd(const json& v, NdArray* out) {
  if (!v.is_object() || !v.contains("$nd")) return false;
  const json& a = v["$nd"];
  out->dtype = a.value("dtype", "");
  out->shape.clear();
  for (const auto& s : a.value("shape", json::array())) out->shape.push_back(s.get<int64_t>());
  out->data.clear();
  if (a.contains("data")) {
    out->data = ToDoubles(a["data"]);
    return true;
  }
  if (!a.contains("hex") || !a["hex"].is_string()) return false;
  const std::string& hex = a["hex"].get_ref<const std::string&>();
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<char>(std::strtol(hex.substr(i, 2).c_str(), nullptr, 16)));
  auto each = [&](size_t width, auto read) {
    for (size_t i = 0; i + width <= bytes.size(); i += width) out->data.push_back(read(bytes.data() + i));
  };
  if (out->dtype == "uint8") each(1, [](const char* p) { return static_cast<double>(static_cast<uint8_t>(*p)); });
  else if (out->dtype == "int8") each(1, [](const char* p) { return static_cast<double>(static_cast<int8_t>(*p)); });
  else if (out->dtype == "float32") each(4, [](const char* p) { float f; std::memcpy(&f, p, 4); return static_cast<double>(f); });
  else if (out->dtype == "float64") each(8, [](const char* p) { double f; std::memcpy(&f, p, 8); return f; });
  else if (out->dtype == "int32") each(4, [](const char* p) { int32_t f; std::memcpy(&f, p, 4); return static_cast<double>(f); });
  else if (out->dtype == "int64") each(8, [](const char* p) { int64_t f; std::memcpy(&f, p, 8); return static_cast<double>(f); });
  else return false;
  return true;
}

std::string ShapeText(const std::vector<int64_t>& s) {
  std::vector<std::string> p;
  for (auto v : s) p.push_back(std::to_string(v));
  return "[" + util::Join(p, ", ") + "]";
}

/// A short description of what came back, for a message.
std::string Describe(const json& v) {
  NdArray nd;
  if (DecodeNd(v, &nd)) return nd.dtype + " array " + ShapeText(nd.shape);
  if (v.is_object() && v.contains("$df")) return "a DataFrame of " + std::to_string(v["$df"]["rows"].size()) + " rows";
  if (v.is_object() && v.contains("$repr")) return v["$repr"].get<std::string>();
  if (v.is_object() && v.contains("$gen")) return "a generator";
  if (v.is_null()) return "None";
  std::string s = v.dump();
  return s.size() > 160 ? s.substr(0, 160) + "…" : s;
}

/// The rows of a returned DataFrame projected on `columns` (by name); "" or why not.
std::string Project(const json& v, const std::vector<std::string>& columns, std::vector<json>* rows) {
  if (!v.is_object() || !v.contains("$df")) return "returned " + Describe(v) + ", not a pandas DataFrame";
  const json& df = v["$df"];
  std::vector<std::string> have;
  for (const auto& c : df["columns"]) have.push_back(c.is_string() ? c.get<std::string>() : c.dump());
  std::vector<size_t> idx;
  for (const auto& c : columns) {
    auto it = std::find(have.begin(), have.end(), c);
    if (it == have.end()) return "the result has no column '" + c + "' (it has " + util::Join(have, ", ") + ")";
    idx.push_back(static_cast<size_t>(it - have.begin()));
  }
  for (const auto& r : df["rows"]) {
    json p = json::array();
    for (size_t i : idx) p.push_back(i < r.size() ? r[i] : json(nullptr));
    rows->push_back(p);
  }
  return "";
}

bool SameCell(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return Close(a.get<double>(), b.get<double>(), 1e-9, 1e-9);
  if (a.is_string() && b.is_string()) return a == b;
  if (a.is_null() && b.is_null()) return true;
  // A label read back as a number (pandas parses "1" as 1).
  if (a.is_string() && b.is_number()) return a.get<std::string>() == Num(b.get<double>());
  if (a.is_number() && b.is_string()) return b.get<std::string>() == Num(a.get<double>());
  return false;
}

/// "" when the case passes, else what is wrong.
std::string JudgeCase(const ContractFunction& fn, const ContractCase& c, const CaseResult& r) {
  const json& v = r.value;
  const std::string& ref = fn.reference;
  if (ref == "features") {
    auto want = ToDoubles(c.expected);
    auto got = ToDoubles(v);
    if (got.size() != want.size()) return "expected " + std::to_string(want.size()) + " features, got " + std::to_string(got.size());
    for (size_t i = 0; i < want.size(); ++i) {
      if (!Close(got[i], want[i], 1e-4, 1e-3)) {
        return "expected " + ListText(want) + ", got " + ListText(got) + " (first difference at features[" + std::to_string(i) + "])";
      }
    }
    return "";
  }
  if (ref == "argmax") {
    if (!v.is_number()) return "returned " + Describe(v);
    if (v.get<double>() != c.expected.get<double>()) return "expected " + c.expected.dump() + ", got " + Num(v.get<double>());
    return "";
  }
  if (ref == "quantize") {
    if (!v.is_number()) return "returned " + Describe(v);
    const double got = v.get<double>();
    if (got == c.expected["q"].get<double>()) return "";
    for (const auto& alt : c.expected.value("alt", json::array())) {
      if (got == alt.get<double>()) return "";
    }
    return "expected " + Num(c.expected["q"].get<double>()) + ", got " + Num(got);
  }
  if (ref == "dequantize") {
    if (!v.is_number()) return "returned " + Describe(v);
    if (!Close(v.get<double>(), c.expected.get<double>(), 1e-6, 1e-5)) {
      return "expected " + Num(c.expected.get<double>()) + ", got " + Num(v.get<double>());
    }
    return "";
  }
  if (ref == "dp_clean") {
    std::vector<std::string> cols;
    for (const auto& h : c.expected["columns"]) cols.push_back(h.get<std::string>());
    std::vector<json> got;
    if (std::string why = Project(v, cols, &got); !why.empty()) return why;
    std::vector<json> want(c.expected["rows"].begin(), c.expected["rows"].end());
    std::vector<bool> used(got.size(), false);
    std::vector<std::string> problems;
    for (const auto& w : want) {
      bool found = false;
      for (size_t i = 0; i < got.size() && !found; ++i) {
        if (used[i] || got[i].size() != w.size()) continue;
        bool same = true;
        for (size_t k = 0; k < w.size() && same; ++k) same = SameCell(got[i][k], w[k]);
        if (same) used[i] = found = true;
      }
      if (!found && problems.size() < 2) problems.push_back("drops " + RowText(cols, w) + ", which the rules keep");
    }
    for (size_t i = 0; i < got.size() && problems.size() < 3; ++i) {
      if (!used[i]) problems.push_back("keeps " + RowText(cols, got[i]) + ", which the rules drop (or keeps it twice)");
    }
    if (problems.empty()) return "";
    return "expected " + std::to_string(want.size()) + " rows, got " + std::to_string(got.size()) + ": " + util::Join(problems, "; ");
  }
  if (ref == "dp_features") {
    std::vector<std::string> cols;
    for (const auto& h : c.expected["columns"]) cols.push_back(h.get<std::string>());
    std::vector<json> got;
    if (std::string why = Project(v, cols, &got); !why.empty()) return why;
    const json& want = c.expected["rows"];
    if (got.size() != want.size()) return "expected " + std::to_string(want.size()) + " rows, got " + std::to_string(got.size());
    for (size_t i = 0; i < want.size(); ++i) {
      auto w = ToDoubles(want[i]);
      auto g = ToDoubles(got[i]);
      for (size_t k = 0; k < w.size(); ++k) {
        if (!Close(k < g.size() ? g[k] : std::nan(""), w[k], 1e-6, 1e-4)) {
          return "row " + std::to_string(i) + ": expected " + cols[k] + " = " + Num(w[k]) + ", got " +
                 (k < g.size() ? Num(g[k]) : "nothing") + " (expected row " + ListText(w, 6) + ", got " + ListText(g, 6) + ")";
        }
      }
    }
    return "";
  }
  if (ref == "mc_representative") {
    if (!v.is_object() || !v.contains("$gen")) return "returned " + Describe(v) + ", not a generator (or list) of samples";
    const json& items = v["$gen"];
    const auto& rows = c.expected["rows"];
    const size_t want_count = c.expected["count"].get<size_t>();
    if (items.empty()) return "yielded nothing";
    std::vector<bool> used(rows.size(), false);
    size_t i = 0;
    for (const auto& item : items) {
      ++i;
      const json* arr = &item;
      if (item.is_array()) {
        if (item.size() != 1) return "sample " + std::to_string(i) + " is a list of " + std::to_string(item.size()) + " arrays, not one";
        arr = &item[0];
      } else if (!(item.is_object() && item.contains("$nd"))) {
        return "sample " + std::to_string(i) + " is " + Describe(item) + ", not a list holding one array";
      } else {
        return "sample " + std::to_string(i) + " is a bare array: yield a list holding it ([sample])";
      }
      NdArray nd;
      if (!DecodeNd(*arr, &nd)) return "sample " + std::to_string(i) + " holds " + Describe(*arr) + ", not a numpy array";
      const int64_t f = static_cast<int64_t>(rows.empty() ? 0 : rows[0].size());
      if (nd.dtype != "float32") return "sample " + std::to_string(i) + " is " + nd.dtype + ", expected float32";
      if (nd.shape != std::vector<int64_t>{1, f}) {
        return "sample " + std::to_string(i) + " has shape " + ShapeText(nd.shape) + ", expected [1, " + std::to_string(f) + "]";
      }
      bool found = false;
      for (size_t k = 0; k < rows.size() && !found; ++k) {
        if (used[k]) continue;
        auto w = ToDoubles(rows[k]);
        bool same = w.size() == nd.data.size();
        for (size_t j = 0; j < w.size() && same; ++j) same = Close(nd.data[j], w[j], 1e-5, 1e-5);
        if (same) used[k] = found = true;
      }
      if (!found) {
        return "sample " + std::to_string(i) + " " + ListText(nd.data, 6) +
               " is not a row of representative.csv's feature columns (or repeats one)";
      }
    }
    if (v.value("more", false) || items.size() > want_count) return "yielded more than the " + std::to_string(want_count) + " rows";
    if (items.size() < want_count) {
      return "yielded " + std::to_string(items.size()) + " samples, expected one for each of the " + std::to_string(want_count) + " rows";
    }
    return "";
  }
  if (ref == "edge_preprocess") {
    NdArray got, want, swapped;
    if (!DecodeNd(v, &got)) return "returned " + Describe(v) + ", not a numpy array";
    if (!DecodeNd(r.expected_override.value("expected", json()), &want)) return "the reference could not be computed";
    DecodeNd(r.expected_override.value("swapped", json()), &swapped);
    if (got.shape != want.shape) return "returned shape " + ShapeText(got.shape) + ", expected " + ShapeText(want.shape);
    if (got.dtype != want.dtype) return "returned dtype " + got.dtype + ", expected " + want.dtype;
    const double units = want.dtype == "float32" ? 1.0 / 127.5 : 1.0;
    auto mad = [&](const NdArray& a) {
      double s = 0;
      for (size_t i = 0; i < a.data.size() && i < got.data.size(); ++i) s += std::fabs(a.data[i] - got.data[i]);
      return a.data.empty() ? 1e9 : s / static_cast<double>(a.data.size()) / units;
    };
    const double d = mad(want);
    if (d <= 8.0) return "";
    if (!swapped.data.empty() && mad(swapped) <= 8.0) {
      return "the result is the frame in BGR order: convert it with cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) first";
    }
    double gmin = 1e300, gmax = -1e300;
    for (double x : got.data) gmin = std::min(gmin, x), gmax = std::max(gmax, x);
    return "differs from the reference by " + Num(d) + " levels on average (result min " + Num(gmin) + ", max " + Num(gmax) + ")";
  }
  if (ref == "edge_decode") {
    if (!v.is_array()) return "returned " + Describe(v) + ", not a list of detections";
    const json& want = c.expected;
    std::string expected_text = std::to_string(want.size()) + " detection" + (want.size() == 1 ? "" : "s");
    if (v.size() != want.size()) {
      return "expected " + expected_text + ", got " + std::to_string(v.size());
    }
    for (size_t i = 0; i < want.size(); ++i) {
      const json& g = v[i];
      const json& w = want[i];
      if (!g.is_array() || g.size() != 3 || !g[0].is_number() || !g[1].is_number() || !g[2].is_array() || g[2].size() != 4) {
        return "detection " + std::to_string(i) + " is " + Describe(g) + ", not (class_id, score, (ymin, xmin, ymax, xmax))";
      }
      auto box = ToDoubles(g[2]);
      auto wbox = ToDoubles(w[2]);
      bool ok = g[0].get<double>() == w[0].get<double>() && Close(g[1].get<double>(), w[1].get<double>(), 1e-5, 0);
      for (size_t k = 0; k < 4 && ok; ++k) ok = Close(box[k], wbox[k], 1e-5, 0);
      if (!ok) {
        return "detection " + std::to_string(i) + ": expected (" + w[0].dump() + ", " + Num(w[1].get<double>()) + ", " +
               ListText(wbox) + "), got (" + Num(g[0].get<double>()) + ", " + Num(g[1].get<double>()) + ", " + ListText(box) + ")";
      }
    }
    return "";
  }
  return "no judge for reference '" + ref + "'";
}

}  // namespace

Result<ContractSet> LoadContracts(const config::ProjectConfig& cfg, const std::string& stage, const ContractInputs& in) {
  const std::string file = (stage == "psg" || stage == "tpusg") ? "edge" : stage;
  const std::string path = util::DataPath("contracts/" + file + ".json");
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kHarnessBug, "cannot read the contract " + path + ": " + text.error().message};
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("functions")) {
    return Error{errc::kHarnessBug, path + ": not a contract file (JSON with 'functions')"};
  }
  auto ctx = ContextFor(cfg, stage, in);
  if (!ctx) return ctx.error();
  ContractSet set;
  set.stage = stage;
  set.language = doc.value("language", "python");
  auto about = prompt::Render(doc.value("about", ""), ctx->render, path + ":about");
  if (!about) return about.error();
  set.about = *about;
  for (const auto& f : doc["functions"]) {
    const std::string when = f.value("when", "");
    if (!when.empty() && !ctx->conditions.count(when)) continue;
    if ((f.value("reference", "") == "dp_clean" || f.value("reference", "") == "dp_features") &&
        !ctx->conditions.count("rows_or_recordings")) {
      continue;
    }
    ContractFunction fn;
    fn.name = f.value("name", "");
    const std::string where = path + ":" + fn.name;
    auto sig = prompt::Render(f.value("signature", ""), ctx->render, where);
    if (!sig) return sig.error();
    auto doc_text = prompt::Render(f.value("doc", ""), ctx->render, where);
    if (!doc_text) return doc_text.error();
    fn.signature = *sig;
    fn.doc = *doc_text;
    fn.reference = f.value("reference", "");
    fn.tolerance = f.value("tolerance", "");
    fn.failure_code = f.value("failure_code", "semantic.wrong_output");
    if (fn.name.empty() || fn.signature.empty() || fn.reference.empty()) {
      return Error{errc::kHarnessBug, path + ": every function needs name, signature and reference"};
    }
    set.functions.push_back(std::move(fn));
  }
  return set;
}

json ContractFacts(const ContractSet& set) {
  json fns = json::array();
  for (const auto& f : set.functions) fns.push_back({{"name", f.name}, {"signature", f.signature}, {"doc", f.doc}});
  return {{"about", set.about}, {"language", set.language}, {"functions", fns}};
}

Result<void> AddContractFacts(const config::ProjectConfig& cfg, const std::string& stage, const ContractInputs& in,
                              json* facts) {
  if (!cfg.contracts.enabled) return {};
  auto set = LoadContracts(cfg, stage, in);
  if (!set) return set.error();
  (*facts)["contracts"] = ContractFacts(*set);
  return {};
}

Result<std::vector<ContractCase>> MakeContractCases(const config::ProjectConfig& cfg, const ContractSet& set,
                                                    const ContractInputs& in) {
  std::vector<ContractCase> out;
  TypeInfo input_info, output_info;
  if (set.stage == "sg") {
    auto model = tflite::LoadModel(in.int8_model);
    if (!model) return model.error();
    const auto& sg = model->subgraphs.at(0);
    input_info = InfoOf(sg.tensors.at(static_cast<size_t>(sg.inputs.at(0))));
    output_info = InfoOf(sg.tensors.at(static_cast<size_t>(sg.outputs.at(0))));
  }
  for (size_t i = 0; i < set.functions.size(); ++i) {
    const auto& fn = set.functions[i];
    // Each function its own stream: adding a function does not change another's vectors.
    CaseMaker m{cfg, fn, std::mt19937_64(static_cast<uint64_t>(cfg.contracts.seed) * 7919u + std::hash<std::string>{}(fn.name) % 100003u), &out};
    Result<void> r;
    if (fn.reference == "features") r = FeatureCases(m, in);
    else if (fn.reference == "argmax") ArgmaxCases(m);
    else if (fn.reference == "quantize") QuantizeCases(m, input_info);
    else if (fn.reference == "dequantize") DequantizeCases(m, output_info);
    else if (fn.reference == "dp_clean") r = DpCases(m, in, true);
    else if (fn.reference == "dp_features") r = DpCases(m, in, false);
    else if (fn.reference == "mc_representative") r = McCases(m, in);
    else if (fn.reference == "edge_preprocess") r = PreprocessCases(m);
    else if (fn.reference == "edge_decode") r = DecodeCases(m);
    else return Error{errc::kHarnessBug, "contract " + fn.name + ": unknown reference '" + fn.reference + "'"};
    if (!r) return Error{r.error().code, "contract " + fn.name + ": " + r.error().message};
  }
  return out;
}

std::string CodeOfPythonException(const std::string& type, const std::string& message) {
  if (type == "timeout") return "runtime.timeout";
  if (type == "crash") return "runtime.crash";
  if (type == "NameError" || type == "UnboundLocalError") return "runtime.undefined_name";
  if (type == "KeyError") return "data.schema";
  if (type == "FileNotFoundError") return "runtime.file_not_found";
  if (type == "ModuleNotFoundError" || type == "ImportError") return "runtime.import";
  if (type == "MemoryError" || type == "RecursionError") return "runtime.resource_limit";
  if (type == "AttributeError" && message.find("module '") != std::string::npos) return "runtime.api_misuse";
  if (type == "TypeError" && message.find("argument") != std::string::npos) return "runtime.api_misuse";
  return "runtime.value_error";
}

ContractOutcome JudgeFunction(const ContractFunction& fn, const std::vector<const ContractCase*>& cases,
                              const std::vector<CaseResult>& results, int64_t max_reported) {
  ContractOutcome o;
  o.function = fn.name;
  o.cases = static_cast<int>(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseResult r = i < results.size() ? results[i] : CaseResult{false, nullptr, nullptr, "crash", "the driver stopped before this case", 0};
    std::string problem;
    std::string code;
    if (!r.called) {
      code = CodeOfPythonException(r.error_type, r.error_message);
      problem = (r.error_type == "timeout"   ? std::string("did not return (timed out)")
                 : r.error_type == "crash" ? "crashed: " + r.error_message
                                           : "raised " + r.error_type + ": " + r.error_message) +
                (r.line > 0 ? " (line " + std::to_string(r.line) + ")" : "");
      if (o.reason.empty() || o.reason == "wrong") o.reason = r.error_type == "timeout" ? "timeout" : r.error_type == "crash" ? "crash" : "exception";
    } else {
      problem = JudgeCase(fn, *cases[i], r);
      if (!problem.empty()) {
        code = fn.failure_code;
        if (o.reason.empty()) o.reason = "wrong";
      }
    }
    if (problem.empty()) continue;
    ++o.failed;
    if (o.code.empty()) o.code = code;
    if (static_cast<int64_t>(o.failures.size()) < max_reported) {
      o.failures.push_back(cases[i]->call_text + ": " + problem + " [" + cases[i]->label + "]");
    }
  }
  o.passed = o.failed == 0 && o.cases > 0;
  if (o.cases == 0) {
    o.code = "harness.bug";
    o.reason = "no cases";
  }
  return o;
}

validate::LayerResult UnitLayerResult(const ContractSet& set, const std::vector<ContractOutcome>& outcomes,
                                      const std::string& file, int64_t duration_ms) {
  validate::LayerResult layer{"unit", true, {}, duration_ms};
  json ev = json::array();
  for (const auto& o : outcomes) {
    ev.push_back({{"function", o.function}, {"passed", o.passed}, {"cases", o.cases}, {"failed", o.failed},
                  {"code", o.code}, {"reason", o.reason}, {"failures", o.failures}});
    if (o.passed) continue;
    layer.passed = false;
    const ContractFunction* fn = nullptr;
    for (const auto& f : set.functions) {
      if (f.name == o.function) fn = &f;
    }
    std::string msg;
    if (o.reason == "missing") {
      msg = o.function + " is not defined" + (o.failures.empty() ? "" : ": " + o.failures.front());
    } else if (o.reason == "signature") {
      msg = o.function + " does not have the contract's signature" + (o.failures.empty() ? "" : ": " + o.failures.front());
    } else {
      msg = o.function + " fails " + std::to_string(o.failed) + " of " + std::to_string(o.cases) + " cases: " +
            util::Join(o.failures, "; ");
    }
    layer.diagnostics.push_back({"unit", o.code.empty() ? "unknown" : o.code, msg, file, std::nullopt,
                                 fn ? "the contract: `" + fn->signature + "` — " + fn->doc : ""});
  }
  layer.evidence.emplace_back("contracts", ev.dump());
  return layer;
}

}  // namespace autopilot::stage
