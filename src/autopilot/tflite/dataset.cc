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

namespace {

/// Reads one RFC 4180 record starting at `*pos`: fields separated by commas, a field in double
/// quotes may hold commas, line breaks and doubled quotes (""), as pandas' to_csv writes them.
/// Unquoted fields are trimmed; quoted ones are kept as written. Advances `*pos` past the record's
/// line break and `*line_no` by the lines it spans. An empty line gives no cells.
Result<std::vector<std::string>> ReadRecord(const std::string& text, size_t* pos, size_t* line_no,
                                            const std::string& name) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;  // the current field was quoted
  const size_t start_line = *line_no;
  size_t i = *pos;
  auto where = [&](size_t line) { return name + ":" + std::to_string(line) + ": "; };
  auto finish_cell = [&] {
    cells.push_back(quoted ? cell : util::Trim(cell));
    cell.clear();
    quoted = false;
  };
  bool any = false;  // the line has something besides white space
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
      ++*line_no;
      break;
    }
    if (c == ',') {
      any = true;
      finish_cell();
      ++i;
      continue;
    }
    if (c == '"' && util::Trim(cell).empty() && !quoted) {
      // A quoted field: up to the closing quote; "" is a quote.
      cell.clear();
      quoted = true;
      any = true;
      ++i;
      const size_t opened_at = *line_no;
      while (true) {
        if (i >= text.size()) return Error{errc::kData, where(opened_at) + "a quoted field is never closed"};
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++*line_no;
        cell += text[i++];
      }
      // Only white space may follow the closing quote before the next comma or line end.
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return Error{errc::kData, where(*line_no) + "text after a closing quote (a quote inside a field must be doubled)"};
      }
      continue;
    }
    if (quoted) {
      return Error{errc::kData, where(*line_no) + "text after a closing quote (a quote inside a field must be doubled)"};
    }
    if (c != ' ' && c != '\t') any = true;
    cell += c;
    ++i;
  }
  if (i >= text.size() && *line_no == start_line) ++*line_no;  // the last line, without a line break
  *pos = i;
  if (any) finish_cell();
  return cells;
}

}  // namespace

Result<Table> ParseCsv(const std::string& text, const std::string& name) {
  Table t;
  size_t line_no = 1;
  size_t pos = util::StartsWith(text, "\xEF\xBB\xBF") ? 3 : 0;  // a UTF-8 byte order mark
  while (pos < text.size()) {
    const size_t record_line = line_no;
    auto cells = ReadRecord(text, &pos, &line_no, name);
    if (!cells) return cells.error();
    if (cells->empty()) continue;
    if (t.header.empty()) {
      t.header = std::move(*cells);
    } else if (cells->size() != t.header.size()) {
      return Error{errc::kData, name + ":" + std::to_string(record_line) + ": " + std::to_string(cells->size()) +
                                    " cells but the header has " + std::to_string(t.header.size())};
    } else {
      t.rows.push_back(std::move(*cells));
    }
  }
  if (t.header.empty()) return Error{errc::kData, name + ": empty CSV file (a header row is needed)"};
  return t;
}

Result<Table> ReadCsv(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return text.error();
  return ParseCsv(*text, path);
}

namespace {

/// A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos && util::Trim(v) == v) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
  return out + "\n";
}

}  // namespace

std::string FormatCsv(const Table& table) {
  std::string out = CsvLine(table.header);
  for (const auto& r : table.rows) out += CsvLine(r);
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
      return Error{errc::kData, "no column '" + name + "' (columns: " + util::Join(table.header, ",") + ")"};
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
        return Error{errc::kUsage, "feature '" + spec + "': write a ratio as COL/(A+B+...)"};
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
        return Error{errc::kData, "row " + std::to_string(r + 2) + ", column '" + table.header[static_cast<size_t>(c)] +
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
  if (c < 0) return Error{errc::kData, "no label column '" + column + "'"};
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
      return Error{errc::kData, "row " + std::to_string(r + 2) + ": label '" + v + "' is not one of the model's classes (" +
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
