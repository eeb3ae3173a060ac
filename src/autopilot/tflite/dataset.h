#pragma once
// Tabular data for the built-in reference path: CSV in, feature matrices and labels out.

#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// A CSV file: header plus rows of cells. Read as RFC 4180 (what pandas' to_csv writes): quoted
/// fields may hold commas, line breaks and doubled quotes; unquoted cells are trimmed; blank lines
/// are skipped; a UTF-8 byte order mark is ignored. Errors (code "data") name file:line.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int Column(const std::string& name) const;
};

Result<Table> ReadCsv(const std::string& path);
Result<Table> ParseCsv(const std::string& text, const std::string& name);
/// Writes RFC 4180: a cell with a comma, quote, line break or outer white space is quoted.
std::string FormatCsv(const Table& table);

/// Evaluates feature specs per row. A spec is a column name (`red`) or a ratio
/// `COL/(A+B+…)` of columns (`red/(red+green+blue)`); a ratio with a zero denominator is 0.
Result<std::vector<std::vector<float>>> ExtractFeatures(const Table& table,
                                                        const std::vector<std::string>& specs);
/// Label indexes; `classes` is filled (sorted unique names) when empty, else used as given.
Result<std::vector<int>> ExtractLabels(const Table& table, const std::string& column,
                                       std::vector<std::string>* classes);

/// Accuracy and confusion matrix (rows: true class, columns: predicted class).
struct Evaluation {
  size_t rows = 0;
  size_t correct = 0;
  double accuracy = 0;
  std::vector<std::string> classes;
  std::vector<std::vector<size_t>> confusion;
};
Evaluation Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted,
                    const std::vector<std::string>& classes);

}  // namespace autopilot::tflite
