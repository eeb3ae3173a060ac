#include "autopilot/board/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {

Result<std::vector<ScenarioSample>> LoadScenario(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kUsage, path + ": cannot read scenario (" + text.error().message + ")"};
  std::vector<ScenarioSample> out;
  int line_no = 0;
  for (const auto& raw : util::Split(*text, '\n')) {
    line_no++;
    std::string line = util::Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    auto cells = util::Split(line, ',');
    if (cells.size() < 5) {
      return Error{errc::kUsage, path + ":" + std::to_string(line_no) +
                                ": expected red,green,blue,clear,proximity[,label]"};
    }
    char* end = nullptr;
    std::string first = util::Trim(cells[0]);
    std::strtol(first.c_str(), &end, 10);
    if (end == first.c_str()) {
      if (line_no == 1 || out.empty()) continue;  // header
      return Error{errc::kUsage, path + ":" + std::to_string(line_no) + ": not a number: " + first};
    }
    ScenarioSample s;
    int* fields[] = {&s.red, &s.green, &s.blue, &s.clear, &s.proximity};
    for (size_t i = 0; i < 5; ++i) {
      std::string cell = util::Trim(cells[i]);
      char* stop = nullptr;
      long v = std::strtol(cell.c_str(), &stop, 10);
      if (stop == cell.c_str()) {
        return Error{errc::kUsage, path + ":" + std::to_string(line_no) + ": not a number: " + cell};
      }
      *fields[i] = static_cast<int>(v);
    }
    if (cells.size() > 5) s.label = util::Trim(cells[5]);
    out.push_back(s);
  }
  if (out.empty()) return Error{errc::kUsage, path + ": scenario has no samples"};
  return out;
}

std::string PlanText(const std::vector<ScenarioSample>& samples, const Timeline& t) {
  // Removed: dim ambient light, nothing near.
  const char* ambient = "4 4 3 10 255 -1";
  std::ostringstream out;
  out << t.lead_ms << " " << ambient << "\n";
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    out << t.present_ms << " " << s.red << " " << s.green << " " << s.blue << " " << s.clear << " "
        << s.proximity << " " << i << "\n";
    out << t.removed_ms << " " << ambient << "\n";
  }
  return out.str();
}

std::vector<float> RatioFeatures(const ScenarioSample& s) {
  float sum = static_cast<float>(s.red + s.green + s.blue);
  if (sum <= 0) return {0.f, 0.f, 0.f};
  return {static_cast<float>(s.red) / sum, static_cast<float>(s.green) / sum, static_cast<float>(s.blue) / sum};
}

// ---- time-stamped streams --------------------------------------------------------------------

const std::vector<StreamColumn>& StreamColumns() {
  static const std::vector<StreamColumn> kColumns = {
      {"ax", "acceleration", "g"},        {"ay", "acceleration", "g"},
      {"az", "acceleration", "g"},        {"gx", "gyroscope", "deg/s"},
      {"gy", "gyroscope", "deg/s"},       {"gz", "gyroscope", "deg/s"},
      {"mx", "magnetic_field", "uT"},     {"my", "magnetic_field", "uT"},
      {"mz", "magnetic_field", "uT"},     {"temperature", "temperature", "C"},
      {"humidity", "humidity", "%RH"},    {"pressure", "pressure", "kPa"},
      {"red", "color", "counts"},         {"green", "color", "counts"},
      {"blue", "color", "counts"},        {"clear", "color", "counts"},
      {"proximity", "proximity", "counts"},
  };
  return kColumns;
}

namespace {

const StreamColumn* FindStreamColumn(const std::string& name) {
  for (const auto& c : StreamColumns()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

/// A whole cell as a finite number.
bool ParseNumber(const std::string& cell, double* value) {
  if (cell.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(cell.c_str(), &end);
  return end == cell.c_str() + cell.size() && std::isfinite(*value);
}

/// The cells of a CSV line, trimmed.
std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  for (const auto& c : util::Split(line, ',')) cells.push_back(util::Trim(c));
  return cells;
}

/// The first line that is neither blank nor a comment, with its 1-based number (0: none).
std::string FirstLine(const std::vector<std::string>& lines, int* line_no) {
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string t = util::Trim(lines[i]);
    if (!t.empty() && t[0] != '#') {
      *line_no = static_cast<int>(i) + 1;
      return t;
    }
  }
  *line_no = 0;
  return "";
}

std::string Where(const std::string& path, int line) { return path + ":" + std::to_string(line); }

std::string ShortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

int SensorStream::Column(const std::string& column) const {
  auto it = std::find(columns.begin(), columns.end(), column);
  return it == columns.end() ? -1 : static_cast<int>(it - columns.begin());
}

std::vector<std::string> SensorStream::Quantities() const {
  std::vector<std::string> out;
  for (const auto& c : columns) {
    const StreamColumn* info = FindStreamColumn(c);
    if (info && std::find(out.begin(), out.end(), info->quantity) == out.end()) out.push_back(info->quantity);
  }
  return out;
}

double SensorStream::IntervalMs() const {
  if (rows.size() < 2) return 0;
  return (rows.back().t_ms - rows.front().t_ms) / static_cast<double>(rows.size() - 1);
}

double SensorStream::EndMs() const { return rows.empty() ? 0 : rows.back().t_ms + IntervalMs(); }

Result<SensorStream> LoadStream(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kUsage, path + ": cannot read stream (" + text.error().message + ")"};
  std::vector<std::string> lines = util::Split(*text, '\n');
  int header_line = 0;
  std::vector<std::string> header = Cells(FirstLine(lines, &header_line));
  if (header_line == 0) return Error{errc::kUsage, path + ": stream is empty (expected a header t_ms,…)"};
  SensorStream st;
  st.path = path;
  int t_col = -1, label_col = -1;
  std::vector<int> value_col;  // header index → index in st.columns, -1 for t_ms/label
  std::string known = "t_ms";
  for (const auto& c : StreamColumns()) known += std::string(", ") + c.name;
  known += ", label";
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& h = header[i];
    bool repeated = std::find(header.begin(), header.begin() + static_cast<long>(i), h) != header.begin() + static_cast<long>(i);
    if (repeated) return Error{errc::kUsage, Where(path, header_line) + ": column '" + h + "' appears twice"};
    if (h == "t_ms") {
      t_col = static_cast<int>(i);
      value_col.push_back(-1);
    } else if (h == "label") {
      label_col = static_cast<int>(i);
      value_col.push_back(-1);
    } else if (FindStreamColumn(h)) {
      value_col.push_back(static_cast<int>(st.columns.size()));
      st.columns.push_back(h);
    } else {
      std::string hint = h == "recording"
                             ? "; a capture table's recording column is not part of a live stream "
                               "(autopilot data synth gesture --stream writes one)"
                             : "";
      std::vector<std::string> names = {"t_ms", "label"};
      for (const auto& c : StreamColumns()) names.push_back(c.name);
      std::string close = util::ClosestMatch(h, names);
      if (!close.empty()) hint += "; did you mean '" + close + "'?";
      return Error{errc::kUsage, Where(path, header_line) + ": unknown column '" + h + "' (known: " +
                                     known + ")" + hint};
    }
  }
  if (t_col < 0) return Error{errc::kUsage, Where(path, header_line) + ": a stream needs a t_ms column (milliseconds after setup() returns)"};
  if (st.columns.empty()) return Error{errc::kUsage, Where(path, header_line) + ": no sensor column (known: " + known + ")"};
  // The columns of one quantity come together: a reading is all of its axes.
  for (const auto& c : st.columns) {
    const StreamColumn* info = FindStreamColumn(c);
    std::vector<std::string> missing;
    for (const auto& other : StreamColumns()) {
      if (std::string(other.quantity) == info->quantity && st.Column(other.name) < 0) missing.push_back(other.name);
    }
    if (!missing.empty()) {
      return Error{errc::kUsage, Where(path, header_line) + ": column " + c + " needs " +
                                     util::Join(missing, ", ") + " too (" + info->quantity +
                                     " is read as one)"};
    }
  }
  for (size_t i = static_cast<size_t>(header_line); i < lines.size(); ++i) {
    int line_no = static_cast<int>(i) + 1;
    std::string line = util::Trim(lines[i]);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells = Cells(line);
    if (cells.size() != header.size()) {
      return Error{errc::kUsage, Where(path, line_no) + ": expected " + std::to_string(header.size()) +
                                     " cells (" + util::Join(header, ",") + "), got " +
                                     std::to_string(cells.size())};
    }
    StreamRow row;
    row.line = line_no;
    row.values.resize(st.columns.size());
    for (size_t k = 0; k < cells.size(); ++k) {
      if (static_cast<int>(k) == label_col) {
        row.label = cells[k];
        continue;
      }
      double v = 0;
      if (!ParseNumber(cells[k], &v)) {
        return Error{errc::kUsage, Where(path, line_no) + ": " + header[k] + " is not a number: '" + cells[k] + "'"};
      }
      if (static_cast<int>(k) == t_col) {
        row.t_ms = v;
      } else {
        row.values[static_cast<size_t>(value_col[k])] = v;
      }
    }
    if (row.t_ms < 0) {
      return Error{errc::kUsage, Where(path, line_no) + ": t_ms " + cells[static_cast<size_t>(t_col)] +
                                     " is negative (times count from the end of setup())"};
    }
    if (!st.rows.empty() && row.t_ms <= st.rows.back().t_ms) {
      return Error{errc::kUsage, Where(path, line_no) + ": t_ms " + cells[static_cast<size_t>(t_col)] +
                                     " is not after the previous row's " + ShortNumber(st.rows.back().t_ms) +
                                     " (line " + std::to_string(st.rows.back().line) + "); times must increase"};
    }
    st.rows.push_back(std::move(row));
  }
  if (st.rows.empty()) return Error{errc::kUsage, path + ": stream has a header but no rows"};
  if (st.rows.size() < 2) {
    return Error{errc::kUsage, Where(path, st.rows[0].line) +
                                   ": a stream needs at least two rows (it lasts until its last row "
                                   "plus one row interval)"};
  }
  return st;
}

int64_t Scenario::LengthMs(const Timeline& timeline) const {
  double end = samples.empty() ? 0 : static_cast<double>(timeline.StartMs(samples.size()));
  for (const auto& st : streams) end = std::max(end, st.EndMs());
  return static_cast<int64_t>(std::ceil(end));
}

Result<bool> IsStreamFile(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kUsage, path + ": cannot read scenario (" + text.error().message + ")"};
  int line_no = 0;
  std::vector<std::string> header = Cells(FirstLine(util::Split(*text, '\n'), &line_no));
  return std::find(header.begin(), header.end(), "t_ms") != header.end();
}

Result<Scenario> LoadScenarioFiles(const std::vector<std::string>& paths) {
  if (paths.empty()) return Error{errc::kUsage, "no scenario: give a sample CSV or a stream CSV"};
  Scenario sc;
  std::string samples_path;
  for (const auto& path : paths) {
    auto stream = IsStreamFile(path);
    if (!stream) return stream.error();
    if (!*stream) {
      if (!samples_path.empty()) {
        return Error{errc::kUsage, path + ": a second APDS9960 sample file (the first is " + samples_path +
                                       "); give one, or time-stamped streams"};
      }
      auto samples = LoadScenario(path);
      if (!samples) return samples.error();
      sc.samples = std::move(*samples);
      samples_path = path;
      continue;
    }
    auto st = LoadStream(path);
    if (!st) return st.error();
    for (const auto& have : sc.streams) {
      for (const auto& c : st->columns) {
        if (have.Column(c) >= 0) {
          return Error{errc::kUsage, path + ": column '" + c + "' is also in " + have.path +
                                         " (each sensor column comes from one stream)"};
        }
      }
    }
    sc.streams.push_back(std::move(*st));
  }
  return sc;
}

std::string PlanText(const Scenario& scenario, const Timeline& timeline) {
  std::string out = scenario.samples.empty() ? "" : PlanText(scenario.samples, timeline);
  char buf[40];
  auto us = [](double ms) { return static_cast<long long>(std::llround(ms * 1000.0)); };
  // Values in their shortest form that reads back as the same double.
  for (const auto& st : scenario.streams) {
    out += "stream " + std::to_string(us(st.EndMs()));
    for (const auto& c : st.columns) out += " " + c;
    out += "\n";
    for (const auto& row : st.rows) {
      out += "r " + std::to_string(us(row.t_ms));
      for (double v : row.values) {
        auto done = std::to_chars(buf, buf + sizeof buf, v);
        out += " " + std::string(buf, done.ptr);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace autopilot::board
