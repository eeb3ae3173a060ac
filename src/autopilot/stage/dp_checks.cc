#include "autopilot/stage/dp_checks.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include "autopilot/features/pipeline.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using validate::Diagnostic;

constexpr double kTolerance = 1e-4;

bool ParseNumber(const std::string& s, double* out) {
  std::string t = util::Trim(s);
  if (t.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return *end == '\0';
}

std::string Base(const std::string& path) { return path.substr(path.rfind('/') + 1); }

/// Rounded key for matching rows across files.
std::string Key(const std::vector<double>& f, const std::string& label) {
  std::string k = util::ToLower(label);
  for (double v : f) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "|%.4f", v);
    k += buf;
  }
  return k;
}

struct OutputFile {
  std::string name;
  std::vector<std::vector<double>> features;
  std::vector<std::string> labels;
};

}  // namespace

int64_t FileClockNowNs(const std::string& dir) {
  std::string stamp = dir + "/.autopilot-start";
  if (FILE* f = std::fopen(stamp.c_str(), "w")) std::fclose(f);
  struct stat st {};
  int64_t ns = 0;
  if (::stat(stamp.c_str(), &st) == 0) {
    ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  } else {
    using namespace std::chrono;
    ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  }
  std::remove(stamp.c_str());
  return ns;
}

Result<std::vector<ExpectedRow>> ExpectedDpRows(const config::DatasetSettings& ds,
                                                const std::string& raw_csv) {
  auto table = tflite::ReadCsv(raw_csv);
  if (!table) return table.error();
  if (ds.feature_kind == "window") {
    // One row per recording: its first `samples` readings (a capture starts at the trigger), as
    // the feature pipeline defines them; a recording too short for a window is dropped.
    auto recs = features::GroupRecordings(*table, ds, raw_csv);
    if (!recs) return recs.error();
    std::vector<ExpectedRow> out;
    for (const auto& r : *recs) {
      auto f = features::WindowFeatures(ds, r.readings);
      if (!f) continue;
      out.push_back({std::move(*f), r.label, r.readings});
    }
    return out;
  }
  std::vector<int> cols;
  for (const auto& c : ds.feature_columns) {
    int i = table->Column(c);
    if (i < 0) return Error{"data.schema", raw_csv + ": no column '" + c + "'"};
    cols.push_back(i);
  }
  int label = table->Column(ds.label);
  if (label < 0) return Error{"data.schema", raw_csv + ": no label column '" + ds.label + "'"};
  int clear = table->Column("clear");
  int prox = table->Column("proximity");
  std::vector<ExpectedRow> out;
  std::set<std::vector<std::string>> seen;
  for (const auto& row : table->rows) {
    if (ds.drop_duplicates && !seen.insert(row).second) continue;
    double v = 0;
    if (clear >= 0 && ParseNumber(row[static_cast<size_t>(clear)], &v) && v < static_cast<double>(ds.min_clear)) continue;
    if (prox >= 0 && ParseNumber(row[static_cast<size_t>(prox)], &v) && v > static_cast<double>(ds.max_proximity)) continue;
    std::vector<double> raw;
    bool ok = true;
    for (int c : cols) {
      double x = 0;
      ok = ok && ParseNumber(row[static_cast<size_t>(c)], &x);
      raw.push_back(x);
    }
    if (!ok) continue;
    ExpectedRow e;
    e.label = row[static_cast<size_t>(label)];
    auto f = features::ReadingFeatures(ds, raw);
    if (!f) continue;
    e.features = std::move(*f);
    out.push_back(std::move(e));
  }
  return out;
}

Freshness OutputFreshness(const std::string& path, int64_t started_ns) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Freshness::kMissing;
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return mtime < started_ns ? Freshness::kStale : Freshness::kFresh;
}

validate::LayerResult CheckDpOutputs(const DpContract& c, int64_t started_ns) {
  validate::LayerResult layer;
  layer.layer = "semantic";
  auto add = [&](const std::string& code, const std::string& file, const std::string& msg,
                 const std::string& hint = "") {
    layer.passed = false;
    layer.diagnostics.push_back(Diagnostic{"semantic", code, msg, file, {}, hint});
  };
  const auto& ds = c.dataset;

  // 1. Exist and fresh.
  std::vector<OutputFile> files;
  for (const auto& path : {c.train_csv, c.test_csv}) {
    Freshness fresh = OutputFreshness(path, started_ns);
    if (fresh == Freshness::kMissing) {
      add("semantic.artifact_missing", Base(path),
          "the script did not write " + Base(path), "write the file at exactly this path");
      continue;
    }
    if (fresh == Freshness::kStale) {
      add("semantic.artifact_stale", Base(path),
          Base(path) + " exists but was not written by this run", "the script must write it");
      continue;
    }
    auto table = tflite::ReadCsv(path);
    if (!table) {
      add("semantic.artifact_invalid", Base(path), table.error().message);
      continue;
    }
    // 2. Schema.
    std::vector<int> fcols;
    bool schema_ok = true;
    for (const auto& name : ds.feature_names) {
      int i = table->Column(name);
      if (i < 0) {
        add("data.schema", Base(path),
            Base(path) + " has no column '" + name + "' (columns: " + util::Join(table->header, ",") + ")",
            "name the feature columns exactly: " + util::Join(ds.feature_names, ","));
        schema_ok = false;
      }
      fcols.push_back(i);
    }
    int lcol = table->Column(ds.label);
    if (lcol < 0) {
      add("data.schema", Base(path), Base(path) + " has no label column '" + ds.label + "'");
      schema_ok = false;
    }
    for (const auto& h : table->header) {
      bool known = h == ds.label || std::find(ds.feature_names.begin(), ds.feature_names.end(), h) !=
                                        ds.feature_names.end();
      if (!known) {
        add("semantic.artifact_invalid", Base(path),
            Base(path) + " has an unexpected column '" + h + "'" +
                (h.empty() || util::StartsWith(h, "Unnamed") ? " (the DataFrame index?)" : ""),
            "write only the feature columns and the label (index=False)");
      }
    }
    if (!schema_ok) continue;
    // 3. Values: numeric, finite, in range; labels from the class list.
    OutputFile of;
    of.name = Base(path);
    int bad_rows = 0;
    for (size_t r = 0; r < table->rows.size(); ++r) {
      const auto& row = table->rows[r];
      std::vector<double> f;
      bool ok = true;
      for (int i : fcols) {
        double v = 0;
        if (static_cast<size_t>(i) >= row.size() || !ParseNumber(row[static_cast<size_t>(i)], &v) || !std::isfinite(v)) {
          ok = false;
        } else if (ds.feature_kind == "ratio" && (v < -kTolerance || v > 1 + kTolerance)) {
          ok = false;
        }
        f.push_back(v);
      }
      std::string label = static_cast<size_t>(lcol) < row.size() ? util::Trim(row[static_cast<size_t>(lcol)]) : "";
      bool label_ok = ds.classes.empty();
      for (const auto& k : ds.classes) label_ok = label_ok || util::ToLower(k) == util::ToLower(label);
      if (!ok || !label_ok) {
        if (++bad_rows <= 3) {
          add("semantic.artifact_invalid", of.name,
              of.name + " row " + std::to_string(r + 2) + ": " +
                  (!ok ? "a feature is missing, NaN/inf or outside [0, 1]" : "label '" + label + "' is not one of " + util::Join(ds.classes, ", ")));
        }
        continue;
      }
      of.features.push_back(f);
      of.labels.push_back(label);
    }
    if (of.features.empty() && bad_rows == 0) {
      add("semantic.artifact_invalid", of.name, of.name + " has no rows");
    }
    files.push_back(std::move(of));
  }
  if (!layer.passed || files.size() != 2) return layer;

  // 4. Every class in the training data.
  for (const auto& k : ds.classes) {
    bool seen = std::any_of(files[0].labels.begin(), files[0].labels.end(),
                            [&](const std::string& l) { return util::ToLower(l) == util::ToLower(k); });
    if (!seen) add("semantic.artifact_invalid", files[0].name, "class '" + k + "' is missing from " + files[0].name, "use a stratified split");
  }
  // 5. Disjoint split. Distinct input samples may share their features (100,50,50 and
  // 200,100,100 have the same ratios): a row in both files is leakage only beyond what the
  // cleaned input itself repeats.
  auto expected = ExpectedDpRows(ds, c.raw_csv);
  if (!expected) {
    add("harness.bug", "", "cannot recompute the expected rows: " + expected.error().message);
    return layer;
  }
  std::map<std::string, size_t> input_count, train_count, test_count;
  for (const auto& e : *expected) ++input_count[Key(e.features, e.label)];
  for (size_t i = 0; i < files[0].features.size(); ++i) ++train_count[Key(files[0].features[i], files[0].labels[i])];
  for (size_t i = 0; i < files[1].features.size(); ++i) ++test_count[Key(files[1].features[i], files[1].labels[i])];
  size_t overlap = 0;
  for (const auto& [key, n_test] : test_count) {
    auto tr = train_count.find(key);
    if (tr == train_count.end()) continue;
    const size_t allowed = input_count.count(key) ? input_count[key] : 0;
    if (tr->second + n_test > allowed) overlap += std::min(n_test, tr->second + n_test - allowed);
  }
  if (overlap > 0) {
    add("semantic.data_leakage", files[1].name,
        std::to_string(overlap) + " test rows also appear in the training data",
        "drop duplicates before splitting and split once");
  }
  // 6. Recompute: every written row must be a cleaned input row, and all of them must be there.
  std::multiset<std::string> want;
  for (const auto& e : *expected) want.insert(Key(e.features, e.label));
  size_t written = 0, unmatched = 0;
  std::string example;
  for (const auto& f : files) {
    for (size_t i = 0; i < f.features.size(); ++i) {
      ++written;
      auto it = want.find(Key(f.features[i], f.labels[i]));
      if (it == want.end()) {
        if (++unmatched == 1) {
          example = f.name + " row " + std::to_string(i + 2);
        }
      } else {
        want.erase(it);
      }
    }
  }
  if (unmatched > 0) {
    // Rows that are input samples the cleaning drops, or rows computed another way?
    config::DatasetSettings uncleaned = ds;
    uncleaned.min_clear = std::numeric_limits<int64_t>::min();
    uncleaned.max_proximity = std::numeric_limits<int64_t>::max();
    uncleaned.drop_duplicates = false;
    std::set<std::string> any_input;
    if (auto all = ExpectedDpRows(uncleaned, c.raw_csv); all.ok()) {
      for (const auto& e : *all) any_input.insert(Key(e.features, e.label));
    }
    size_t kept_dropped = 0;
    for (const auto& f : files) {
      for (size_t i = 0; i < f.features.size(); ++i) {
        const std::string k = Key(f.features[i], f.labels[i]);
        if (!want.count(k) && any_input.count(k)) ++kept_dropped;
      }
    }
    std::string hint = ds.feature_kind == "ratio" ? "features must be " + util::Join(ds.feature_columns, ",") +
                                                        " each divided by their sum, not scaled or normalised"
                                                  : "features must be exactly: " + features::Describe(ds);
    if (kept_dropped * 2 >= unmatched) {
      hint = std::to_string(kept_dropped) + " of them are input samples the cleaning drops: drop dark (clear < " +
             std::to_string(ds.min_clear) + ") and far (proximity > " + std::to_string(ds.max_proximity) + ") samples" +
             (ds.drop_duplicates ? " and duplicates" : "");
    }
    add("semantic.artifact_invalid", "",
        std::to_string(unmatched) + " of " + std::to_string(written) +
            " written rows match no cleaned input sample (first: " + example + ")",
        hint);
  } else if (!want.empty()) {
    add("semantic.artifact_invalid", "",
        std::to_string(want.size()) + " cleaned input samples are missing from the outputs (" +
            std::to_string(written) + " of " + std::to_string(expected->size()) + " written)",
        ds.feature_kind == "window"
            ? "write one row per recording ('" + ds.window.recording + "') that has at least " +
                  std::to_string(ds.window.samples) + " readings"
            : "drop only dark (clear < " + std::to_string(ds.min_clear) + "), far (proximity > " +
                  std::to_string(ds.max_proximity) + ") and duplicate samples");
  }
  // 7. Split proportion.
  double frac = static_cast<double>(files[1].features.size()) / static_cast<double>(written);
  if (std::fabs(frac - ds.test_fraction) > 0.05 + 1.0 / static_cast<double>(std::max<size_t>(written, 1))) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "the test split holds %.0f%% of the rows; %.0f%% was asked",
                  frac * 100, ds.test_fraction * 100);
    add("semantic.artifact_invalid", files[1].name, buf);
  }
  return layer;
}

}  // namespace autopilot::stage
