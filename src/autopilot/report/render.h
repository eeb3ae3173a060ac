#pragma once
// Renders a Report as a self-contained HTML page (inline CSS and SVG, no script, no network),
// Markdown tables, tidy CSV (one row per cell) or JSON.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "autopilot/report/collect.h"

namespace autopilot::report {

/// The output formats of `autopilot report --format`.
enum class Format { kHtml, kMarkdown, kCsv, kJson };

/// "html", "md", "csv", "json" → Format.
std::optional<Format> ParseFormat(std::string_view name);
/// The format a file name implies by its extension (.html/.htm, .md/.markdown, .csv, .json).
std::optional<Format> FormatForPath(std::string_view path);

/// One tidy row per cell: key columns, counts, rates with CI bounds, pass_at_1..pass_at_K
/// (K = report.max_attempts), attempts, tokens, times and costs. Missing values are null.
nlohmann::ordered_json CellRow(const Cell& cell, int max_k);
/// The whole report: summary, cells (CellRow), format_comparison, taxonomy rows.
nlohmann::ordered_json ToJson(const Report& report);

std::string RenderJson(const Report& report);
/// Header plus one row per cell, the columns of CellRow; nulls are empty fields (RFC 4180 quoting).
std::string RenderCsv(const Report& report);
std::string RenderMarkdown(const Report& report);
std::string RenderHtml(const Report& report);
std::string Render(const Report& report, Format format);

/// Text safe inside HTML elements and attribute values.
std::string EscapeHtml(std::string_view text);

}  // namespace autopilot::report
