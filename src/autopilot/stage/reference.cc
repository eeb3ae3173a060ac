#include "autopilot/stage/reference.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "autopilot/board/scenario.h"
#include "autopilot/features/pipeline.h"
#include "autopilot/stage/dp_checks.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

std::string Cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// The board scenario of a window project: one stream (`t_ms`, every column of the quantities the
/// window reads, `label`) at the window's rate, as the sensor reports a session of the test
/// recordings: at rest, then per recording a reading that fires the trigger, the recording's
/// readings, and rest again. At rest the accelerometer reads gravity on z (1 g) unless that alone
/// would fire the trigger; the other columns read 0.
std::string WindowScenario(const config::DatasetSettings& d, const std::vector<const ExpectedRow*>& recs) {
  std::vector<std::string> quantities;
  for (const auto& c : d.feature_columns) {
    for (const auto& sc : board::StreamColumns()) {
      if (c == sc.name && std::find(quantities.begin(), quantities.end(), sc.quantity) == quantities.end()) {
        quantities.push_back(sc.quantity);
      }
    }
  }
  std::vector<std::string> cols;
  for (const auto& sc : board::StreamColumns()) {
    if (std::find(quantities.begin(), quantities.end(), sc.quantity) != quantities.end()) cols.push_back(sc.name);
  }
  std::vector<int> from(cols.size(), -1);  // window column feeding each stream column
  for (size_t k = 0; k < cols.size(); ++k) {
    for (size_t c = 0; c < d.feature_columns.size(); ++c) {
      if (d.feature_columns[c] == cols[k]) from[k] = static_cast<int>(c);
    }
  }
  std::vector<double> rest_window(d.feature_columns.size(), 0.0);
  for (size_t c = 0; c < d.feature_columns.size(); ++c) {
    if (d.feature_columns[c] == "az") rest_window[c] = 1.0;
  }
  const bool none = d.window.trigger.kind == "none";
  const double threshold = d.window.trigger.threshold;
  if (!none && features::TriggerValue(d, rest_window) >= threshold) std::fill(rest_window.begin(), rest_window.end(), 0.0);
  std::vector<double> rest_stream(cols.size(), 0.0);
  for (size_t k = 0; k < cols.size(); ++k) {
    if (from[k] >= 0) rest_stream[k] = rest_window[static_cast<size_t>(from[k])];
    else if (cols[k] == "az") rest_stream[k] = 1.0;
  }
  const double dt = 1000.0 / d.window.rate_hz;
  double t = 0;
  std::string out = "t_ms," + util::Join(cols, ",") + ",label\n";
  auto row = [&](const std::vector<double>& window_values, const std::string& label) {
    out += Cell(t);
    for (size_t k = 0; k < cols.size(); ++k) {
      out += "," + Cell(from[k] >= 0 ? window_values[static_cast<size_t>(from[k])] : rest_stream[k]);
    }
    out += "," + label + "\n";
    t += dt;
  };
  auto rest = [&](double ms) {
    for (double until = t + ms; t < until;) row(rest_window, "");
  };
  rest(500);
  const auto n = static_cast<size_t>(d.window.samples);
  for (const ExpectedRow* r : recs) {
    if (!none) {
      // The reading that fires the trigger: the recording's first when it does, else a jolt on the
      // trigger channels (the capture itself starts with the next reading).
      std::vector<double> jolt = r->readings.front();
      if (features::TriggerValue(d, jolt) < threshold) {
        jolt = rest_window;
        const double each = threshold * 1.2 / static_cast<double>(std::max<size_t>(1, d.window.trigger.channels.size()));
        for (size_t c = 0; c < d.feature_columns.size(); ++c) {
          for (const auto& tc : d.window.trigger.channels) {
            if (tc == d.feature_columns[c]) jolt[c] = each;
          }
        }
      }
      row(jolt, r->label);
    }
    for (size_t i = 0; i < n && i < r->readings.size(); ++i) row(r->readings[i], r->label);
    rest(1500);
  }
  return out;
}

}  // namespace

ReferenceArtifacts ReferencePaths(const std::string& dir) {
  ReferenceArtifacts a;
  a.dir = dir;
  a.raw_csv = dir + "/raw.csv";
  a.train_csv = dir + "/train.csv";
  a.test_csv = dir + "/test.csv";
  a.float_model = dir + "/float_model.tflite";
  a.int8_model = dir + "/model_int8.tflite";
  a.scenario_csv = dir + "/scenario.csv";
  return a;
}

Result<ReferenceArtifacts> BuildReference(const config::ProjectConfig& p, const std::string& dir) {
  const auto& ds = p.dataset;
  if (ds.raw_csv.empty()) return Error{errc::kConfig, "dataset.raw_csv is not set in the project file"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{errc::kIo, dir + ": " + ec.message()};
  ReferenceArtifacts a = ReferencePaths(dir);
  auto raw_text = util::ReadFile(ds.raw_csv);
  if (!raw_text) return raw_text.error();
  if (auto r = util::WriteFileAtomic(a.raw_csv, *raw_text); !r) return r.error();
  auto raw = tflite::ParseCsv(*raw_text, ds.raw_csv);
  if (!raw) return raw.error();

  // Cleaned rows with their raw values (for the scenario) and features (for the split files).
  auto rows = ExpectedDpRows(ds, a.raw_csv);
  if (!rows) return rows.error();
  if (rows->size() < 10) return Error{"data.schema", ds.raw_csv + ": fewer than 10 usable rows"};
  std::vector<size_t> order(rows->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(static_cast<uint64_t>(ds.split_seed));
  std::shuffle(order.begin(), order.end(), rng);
  // Stratified: per class, the first test_fraction of its shuffled rows go to the test split.
  std::map<std::string, std::vector<size_t>> by_class;
  for (size_t i : order) by_class[util::ToLower((*rows)[i].label)].push_back(i);
  std::set<size_t> test_rows;
  for (auto& [_, idx] : by_class) {
    size_t n = static_cast<size_t>(static_cast<double>(idx.size()) * ds.test_fraction + 0.5);
    for (size_t k = 0; k < n && k < idx.size(); ++k) test_rows.insert(idx[k]);
  }
  tflite::Table train, test;
  train.header = ds.feature_names;
  train.header.push_back(ds.label);
  test.header = train.header;
  std::vector<std::vector<float>> x_train;
  std::vector<std::string> y_train;
  for (size_t i : order) {
    std::vector<std::string> cells;
    for (double v : (*rows)[i].features) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.8f", v);
      cells.push_back(buf);
    }
    cells.push_back((*rows)[i].label);
    if (test_rows.count(i)) {
      test.rows.push_back(cells);
    } else {
      train.rows.push_back(cells);
      x_train.emplace_back((*rows)[i].features.begin(), (*rows)[i].features.end());
      y_train.push_back((*rows)[i].label);
    }
  }
  if (auto r = util::WriteFileAtomic(a.train_csv, tflite::FormatCsv(train)); !r) return r.error();
  if (auto r = util::WriteFileAtomic(a.test_csv, tflite::FormatCsv(test)); !r) return r.error();

  std::vector<std::string> classes = ds.classes;
  std::vector<int> y;
  for (const auto& l : y_train) {
    auto it = std::find_if(classes.begin(), classes.end(),
                           [&](const std::string& c) { return util::ToLower(c) == util::ToLower(l); });
    if (it == classes.end()) return Error{"data.schema", "label '" + l + "' is not in dataset.classes"};
    y.push_back(static_cast<int>(it - classes.begin()));
  }
  tflite::TrainOptions opts;
  opts.hidden.assign(p.model.hidden.begin(), p.model.hidden.end());
  opts.seed = static_cast<uint64_t>(p.model.train_seed);
  auto trained = tflite::TrainMlp(x_train, y, ds.feature_names, classes, opts);
  if (!trained) return trained.error();
  if (auto r = tflite::SaveModel(trained->model, a.float_model); !r) return r.error();
  tflite::IoType io = p.model.input_dtype == "uint8"   ? tflite::IoType::kUInt8
                      : p.model.input_dtype == "int8" ? tflite::IoType::kInt8
                                                      : tflite::IoType::kFloat;
  auto q = tflite::QuantizeModel(trained->model, x_train, io);
  if (!q) return q.error();
  if (auto r = tflite::SaveModel(*q, a.int8_model); !r) return r.error();

  // Scenario. Windows: a stream of up to two test recordings per class.
  if (ds.feature_kind == "window") {
    std::map<std::string, int> taken;
    std::vector<const ExpectedRow*> recs;
    for (size_t i : order) {
      if (!test_rows.count(i) || (*rows)[i].readings.empty()) continue;
      if (taken[util::ToLower((*rows)[i].label)]++ >= 2) continue;
      recs.push_back(&(*rows)[i]);
    }
    if (auto r = util::WriteFileAtomic(a.scenario_csv, WindowScenario(ds, recs)); !r) return r.error();
    return a;
  }
  // Colour: up to two raw test rows per class, as the sensor would report them.
  int r_col = raw->Column("red"), g_col = raw->Column("green"), b_col = raw->Column("blue");
  int c_col = raw->Column("clear"), p_col = raw->Column("proximity"), l_col = raw->Column(ds.label);
  std::string scenario = "red,green,blue,clear,proximity,label\n";
  if (r_col >= 0 && g_col >= 0 && b_col >= 0 && c_col >= 0 && p_col >= 0 && l_col >= 0) {
    std::map<std::string, int> taken;
    auto near = [&](double a1, double b1) { return std::abs(a1 - b1) < 1e-6; };
    for (const auto& test_row : test.rows) {
      std::string label = util::ToLower(test_row.back());
      if (taken[label] >= 2) continue;
      for (const auto& rr : raw->rows) {
        double r = std::stod(rr[static_cast<size_t>(r_col)]), g = std::stod(rr[static_cast<size_t>(g_col)]),
               b = std::stod(rr[static_cast<size_t>(b_col)]);
        double s = r + g + b;
        if (s <= 0 || util::ToLower(rr[static_cast<size_t>(l_col)]) != label) continue;
        if (near(r / s, std::stod(test_row[0])) && near(g / s, std::stod(test_row[1]))) {
          scenario += rr[static_cast<size_t>(r_col)] + "," + rr[static_cast<size_t>(g_col)] + "," +
                      rr[static_cast<size_t>(b_col)] + "," + rr[static_cast<size_t>(c_col)] + "," +
                      rr[static_cast<size_t>(p_col)] + "," + label + "\n";
          ++taken[label];
          break;
        }
      }
    }
  }
  if (auto r = util::WriteFileAtomic(a.scenario_csv, scenario); !r) return r.error();
  return a;
}

namespace {
constexpr int kReferenceFormat = 4;
}  // namespace

Result<ReferenceArtifacts> EnsureReference(const config::ProjectConfig& cfg) {
  auto raw = util::ReadFile(cfg.dataset.raw_csv);
  if (!raw) return Error{errc::kConfig, "dataset.raw_csv: " + raw.error().message};
  const auto& d = cfg.dataset;
  const auto& m = cfg.model;
  std::ostringstream key;
  // Keyed on what made them too: the tool's version and the artifacts' format (bump
  // kReferenceFormat when the trainer, quantizer, split or file layout changes), so a newer tool
  // never takes up artifacts an older one wrote.
  key << "autopilot " << AUTOPILOT_VERSION << " reference format " << kReferenceFormat << '|';
  key << util::Sha256Hex(*raw) << '|' << d.label << '|' << util::Join(d.classes, ",") << '|' << d.feature_kind
      << '|' << util::Join(d.feature_columns, ",") << '|' << util::Join(d.feature_names, ",") << '|'
      << d.min_clear << '|' << d.max_proximity << '|' << d.drop_duplicates << '|' << d.test_fraction << '|'
      << d.split_seed << '|' << m.input_dtype << '|' << m.output_dtype << '|' << m.train_seed << '|';
  for (auto h : m.hidden) key << h << ',';
  // The feature pipeline beyond the names: normalisation and the window (its rate and trigger
  // shape the board scenario, its order and normalisation every feature).
  key << '|';
  for (const auto& n : d.normalize) key << n.offset << '/' << n.scale << ',';
  const auto& w = d.window;
  key << '|' << w.samples << '|' << w.rate_hz << '|' << w.order << '|' << util::Join(w.stats, ",") << '|'
      << w.recording << '|' << w.trigger.kind << '|' << util::Join(w.trigger.channels, ",") << '|'
      << w.trigger.threshold;
  std::string dir = cfg.work_dir + "/reference/" + util::Sha256Hex(key.str()).substr(0, 16);
  if (util::PathExists(dir + "/.complete")) return ReferencePaths(dir);
  std::ostringstream tmp;
  tmp << dir << ".tmp-" << getpid() << "-" << std::hash<std::thread::id>{}(std::this_thread::get_id());
  auto built = BuildReference(cfg, tmp.str());
  if (!built) {
    util::RemoveTree(tmp.str());
    return built.error();
  }
  if (auto r = util::WriteFileAtomic(tmp.str() + "/.complete", "ok\n"); !r) return r.error();
  std::error_code ec;
  std::filesystem::rename(tmp.str(), dir, ec);
  if (ec) {
    util::RemoveTree(tmp.str());
    if (!util::PathExists(dir + "/.complete")) return Error{errc::kIo, dir + ": " + ec.message()};
  }
  return ReferencePaths(dir);
}

}  // namespace autopilot::stage
