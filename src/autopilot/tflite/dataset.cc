#include "autopilot/tflite/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::tflite {

int Table::Column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<Table> ParseCsv(const std::string& text, const std::string& name) {
  Table t;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = util::Trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) {
      if (end >= text.size()) break;
      continue;
    }
    std::vector<std::string> cells = util::Split(line, ',');
    for (auto& c : cells) c = util::Trim(c);
    if (t.header.empty()) {
      t.header = std::move(cells);
    } else if (cells.size() != t.header.size()) {
      return Error{"data", name + ":" + std::to_string(line_no) + ": " + std::to_string(cells.size()) +
                               " cells but the header has " + std::to_string(t.header.size())};
    } else {
      t.rows.push_back(std::move(cells));
    }
    if (end >= text.size()) break;
  }
  if (t.header.empty()) return Error{"data", name + ": empty CSV file (a header row is needed)"};
  return t;
}

Result<Table> ReadCsv(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return text.error();
  return ParseCsv(*text, path);
}

std::string FormatCsv(const Table& table) {
  std::string out = util::Join(table.header, ",") + "\n";
  for (const auto& r : table.rows) out += util::Join(r, ",") + "\n";
  return out;
}

namespace {

bool ParseNumber(const std::string& s, double* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

struct Spec {
  int numerator = -1;
  std::vector<int> denominator;  // empty: plain column
};

}  // namespace

Result<std::vector<std::vector<float>>> ExtractFeatures(const Table& table,
                                                        const std::vector<std::string>& specs) {
  std::vector<Spec> parsed;
  auto column = [&](const std::string& name) -> Result<int> {
    const int c = table.Column(name);
    if (c < 0) {
      return Error{"data", "no column '" + name + "' (columns: " + util::Join(table.header, ",") + ")"};
    }
    return c;
  };
  for (const std::string& spec : specs) {
    Spec s;
    const size_t slash = spec.find('/');
    auto num = column(util::Trim(spec.substr(0, slash)));
    if (!num) return num.error();
    s.numerator = *num;
    if (slash != std::string::npos) {
      std::string den = util::Trim(spec.substr(slash + 1));
      if (den.size() < 2 || den.front() != '(' || den.back() != ')') {
        return Error{"usage", "feature '" + spec + "': write a ratio as COL/(A+B+...)"};
      }
      for (const auto& part : util::Split(den.substr(1, den.size() - 2), '+')) {
        auto c = column(util::Trim(part));
        if (!c) return c.error();
        s.denominator.push_back(*c);
      }
    }
    parsed.push_back(s);
  }
  std::vector<std::vector<float>> out;
  out.reserve(table.rows.size());
  for (size_t r = 0; r < table.rows.size(); ++r) {
    std::vector<float> row;
    auto value = [&](int c, double* v) -> Result<void> {
      if (!ParseNumber(table.rows[r][static_cast<size_t>(c)], v)) {
        return Error{"data", "row " + std::to_string(r + 2) + ", column '" + table.header[static_cast<size_t>(c)] +
                                 "': '" + table.rows[r][static_cast<size_t>(c)] + "' is not a number"};
      }
      return Ok();
    };
    for (const Spec& s : parsed) {
      double v = 0;
      if (auto e = value(s.numerator, &v); !e) return e.error();
      if (!s.denominator.empty()) {
        double den = 0;
        for (int c : s.denominator) {
          double d = 0;
          if (auto e = value(c, &d); !e) return e.error();
          den += d;
        }
        v = den == 0 ? 0.0 : v / den;
      }
      row.push_back(static_cast<float>(v));
    }
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<int>> ExtractLabels(const Table& table, const std::string& column,
                                       std::vector<std::string>* classes) {
  const int c = table.Column(column);
  if (c < 0) return Error{"data", "no label column '" + column + "'"};
  if (classes->empty()) {
    std::set<std::string> names;
    for (const auto& row : table.rows) names.insert(row[static_cast<size_t>(c)]);
    classes->assign(names.begin(), names.end());
  }
  std::vector<int> out;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& v = table.rows[r][static_cast<size_t>(c)];
    auto it = std::find(classes->begin(), classes->end(), v);
    if (it == classes->end()) {
      return Error{"data", "row " + std::to_string(r + 2) + ": label '" + v + "' is not one of the model's classes (" +
                               util::Join(*classes, ",") + ")"};
    }
    out.push_back(static_cast<int>(it - classes->begin()));
  }
  return out;
}

Evaluation Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted,
                    const std::vector<std::string>& classes) {
  Evaluation e;
  e.classes = classes;
  e.confusion.assign(classes.size(), std::vector<size_t>(classes.size(), 0));
  for (size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    ++e.rows;
    if (truth[i] == predicted[i]) ++e.correct;
    const auto t = static_cast<size_t>(truth[i]), p = static_cast<size_t>(predicted[i]);
    if (t < classes.size() && p < classes.size()) ++e.confusion[t][p];
  }
  e.accuracy = e.rows ? static_cast<double>(e.correct) / static_cast<double>(e.rows) : 0.0;
  return e;
}

}  // namespace autopilot::tflite
