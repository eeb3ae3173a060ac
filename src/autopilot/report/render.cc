#include "autopilot/report/render.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "autopilot/taxonomy/category.h"
#include "autopilot/util/strings.h"

namespace autopilot::report {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kBarColor = "#4e79a7";      // success bars (the Chromium test looks for it)
constexpr const char* kBestColor = "#f28e2b";     // the best format of a model × stage
constexpr const char* kWhiskerColor = "#1b1b1b";  // Wilson interval whiskers
constexpr int kHeatR = 203, kHeatG = 24, kHeatB = 29;  // heatmap at 100 % (#cb181d)

Json Opt(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

std::string Fixed(double v, int decimals) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(decimals) << v;
  return o.str();
}

std::string Dash() { return "\xE2\x80\x93"; }  // en dash: no value

std::string Percent(const std::optional<double>& v) { return v ? Fixed(*v * 100.0, 1) + "%" : Dash(); }

std::string RateWithCi(const Proportion& p) {
  if (!p.rate) return Dash();
  return Fixed(*p.rate * 100.0, 1) + "% [" + Fixed(p.low * 100.0, 1) + ", " + Fixed(p.high * 100.0, 1) + "]";
}

std::string Num(const std::optional<double>& v, int decimals) { return v ? Fixed(*v, decimals) : Dash(); }
std::string Seconds(const std::optional<double>& ms) { return ms ? Fixed(*ms / 1000.0, 2) : Dash(); }
std::string Money(const std::optional<double>& usd) { return usd ? "$" + Fixed(*usd, 4) : Dash(); }

std::string PassAtKText(const Cell& c) {
  std::vector<std::string> parts;
  for (const auto& v : c.pass_at_k) parts.push_back(Percent(v));
  return parts.empty() ? Dash() : util::Join(parts, " / ");
}

std::string SignedPoints(double v) { return (v > 0 ? "+" : "") + Fixed(v * 100.0, 1); }

std::string DiffText(const FormatComparison& f) {
  if (f.best) return "best";
  if (!f.vs_best) return Dash();
  return SignedPoints(f.vs_best->estimate) + " pp [" + SignedPoints(f.vs_best->low) + ", " +
         SignedPoints(f.vs_best->high) + "]";
}

std::string KeyLabel(const CellKey& k) {
  auto show = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  return show(k.model) + " \xC2\xB7 " + show(k.format) + " \xC2\xB7 " + show(k.stage) + " \xC2\xB7 " + show(k.preset);
}

std::string Truncate(const std::string& s, size_t max_chars) {
  // Counts UTF-8 code points so a cut never splits a character.
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (count == max_chars) return s.substr(0, i) + "\xE2\x80\xA6";
      ++count;
    }
  }
  return s;
}

// --- taxonomy pivots ---------------------------------------------------------------------------

/// family → column → failed attempts, plus the ordered row and column names.
struct Pivot {
  std::vector<std::string> rows;  // families in taxonomy order, only those with failures
  std::vector<std::string> cols;
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  std::map<std::string, int64_t> col_totals;
};

Pivot FamilyPivot(const Report& r, bool by_model) {
  Pivot p;
  std::set<std::string> families, cols;
  for (const auto& f : r.failures) {
    if (f.final_code) continue;
    const std::string& col = by_model ? f.key.model : f.key.stage;
    p.counts[{f.family, col}] += f.count;
    p.col_totals[col] += f.count;
    families.insert(f.family);
    cols.insert(col);
  }
  for (std::string_view fam : taxonomy::Families()) {
    if (families.count(std::string(fam))) p.rows.emplace_back(fam);
  }
  p.cols.assign(cols.begin(), cols.end());
  return p;
}

bool FamilyCountsAgainstModel(const std::string& family) {
  return family != "env" && family != "harness" && family != "transport" && family != "unknown";
}

/// code → (failed attempts, final run codes), most frequent first.
struct CodeRow {
  std::string code, family;
  bool counts_against_model = true;
  int64_t attempts = 0, finals = 0;
};

std::vector<CodeRow> CodeRows(const Report& r) {
  std::map<std::string, CodeRow> by_code;
  for (const auto& f : r.failures) {
    CodeRow& row = by_code[f.code];
    row.code = f.code;
    row.family = f.family;
    row.counts_against_model = f.counts_against_model;
    (f.final_code ? row.finals : row.attempts) += f.count;
  }
  std::vector<CodeRow> rows;
  for (auto& [code, row] : by_code) rows.push_back(row);
  std::stable_sort(rows.begin(), rows.end(), [](const CodeRow& a, const CodeRow& b) {
    return std::tie(b.attempts, b.finals) < std::tie(a.attempts, a.finals);
  });
  return rows;
}

// --- Markdown ----------------------------------------------------------------------------------

std::string Md(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out.empty() ? "(none)" : out;
}

void MdTable(std::ostringstream& o, const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows, size_t left_cols = 1) {
  o << "|";
  for (const auto& h : header) o << " " << h << " |";
  o << "\n|";
  for (size_t i = 0; i < header.size(); ++i) o << (i < left_cols ? " --- |" : " ---: |");
  o << "\n";
  for (const auto& row : rows) {
    o << "|";
    for (const auto& cell : row) o << " " << cell << " |";
    o << "\n";
  }
  o << "\n";
}

void MdPivot(std::ostringstream& o, const Pivot& p, const std::string& col_name) {
  if (p.rows.empty()) {
    o << "No failed attempts.\n\n";
    return;
  }
  std::vector<std::string> header{"category \\ " + col_name};
  for (const auto& c : p.cols) header.push_back(Md(c));
  header.push_back("total");
  std::vector<std::vector<std::string>> rows;
  for (const auto& fam : p.rows) {
    std::vector<std::string> row{fam + (FamilyCountsAgainstModel(fam) ? "" : " \xE2\x80\xA0")};
    int64_t total = 0;
    for (const auto& c : p.cols) {
      auto it = p.counts.find({fam, c});
      int64_t n = it == p.counts.end() ? 0 : it->second;
      total += n;
      int64_t col_total = p.col_totals.at(c);
      row.push_back(n == 0 ? "0" : std::to_string(n) + " (" + Percent(static_cast<double>(n) / static_cast<double>(col_total)) + ")");
    }
    row.push_back(std::to_string(total));
    rows.push_back(std::move(row));
  }
  MdTable(o, header, rows);
}

// --- HTML / SVG --------------------------------------------------------------------------------

/// One bar of an interval chart.
struct Bar {
  std::string label;
  Proportion p;
  bool highlight = false;  ///< drawn in the highlight colour (the best format)
};

std::string IntervalChart(const std::vector<Bar>& bars, const std::string& id, const std::string& aria) {
  const int label_w = 340, plot_w = 560, text_w = 170, row_h = 22, top = 34, bottom = 12;
  const int width = label_w + plot_w + text_w;
  const int height = top + row_h * static_cast<int>(bars.size()) + bottom;
  auto x_of = [&](double v) { return label_w + v * plot_w; };
  std::ostringstream o;
  o << "<svg class=\"chart\" id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\""
    << EscapeHtml(aria) << "\">\n";
  for (int t = 0; t <= 100; t += 25) {
    double x = x_of(t / 100.0);
    o << "<line x1=\"" << Fixed(x, 1) << "\" y1=\"" << top - 6 << "\" x2=\"" << Fixed(x, 1) << "\" y2=\""
      << height - bottom << "\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>\n";
    o << "<text x=\"" << Fixed(x, 1) << "\" y=\"" << top - 12 << "\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">"
      << t << "%</text>\n";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + static_cast<int>(i) * row_h;
    o << "<g><title>" << EscapeHtml(b.label) << ": " << EscapeHtml(RateWithCi(b.p)) << ", " << b.p.successes << "/"
      << b.p.trials << " finished runs</title>\n";
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << y + 15 << "\" text-anchor=\"end\" font-size=\"12\">"
      << EscapeHtml(Truncate(b.label, 46)) << "</text>\n";
    if (b.p.rate) {
      const double rate = *b.p.rate;
      o << "<rect x=\"" << label_w << "\" y=\"" << y + 4 << "\" width=\"" << Fixed(rate * plot_w, 1)
        << "\" height=\"14\" fill=\"" << (b.highlight ? kBestColor : kBarColor) << "\"/>\n";
      const double lo = x_of(b.p.low), hi = x_of(b.p.high);
      const int wy = y + 11;
      o << "<path d=\"M" << Fixed(lo, 1) << " " << wy << "H" << Fixed(hi, 1) << "M" << Fixed(lo, 1) << " " << wy - 5
        << "V" << wy + 5 << "M" << Fixed(hi, 1) << " " << wy - 5 << "V" << wy + 5 << "\" stroke=\"" << kWhiskerColor
        << "\" stroke-width=\"1.5\" fill=\"none\"/>\n";
      o << "<text x=\"" << label_w + plot_w + 8 << "\" y=\"" << y + 15 << "\" font-size=\"12\">" << Percent(rate)
        << " (" << b.p.successes << "/" << b.p.trials << ")</text>\n";
    } else {
      o << "<text x=\"" << label_w + 6 << "\" y=\"" << y + 15
        << "\" font-size=\"12\" fill=\"#777\">no finished runs</text>\n";
    }
    o << "</g>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string SuccessChart(const Report& r) {
  std::vector<Bar> bars;
  for (const auto& c : r.cells) bars.push_back({KeyLabel(c.key), c.success, false});
  return IntervalChart(bars, "success-chart", "Success rate per cell with Wilson 95% intervals");
}

std::string FormatChart(const Report& r) {
  std::vector<Bar> bars;
  auto show = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  for (const auto& f : r.formats) {
    bars.push_back({show(f.model) + " \xC2\xB7 " + show(f.stage) + " \xC2\xB7 " + show(f.format), f.success, f.best});
  }
  return IntervalChart(bars, "format-chart", "Success rate per format within each model and stage");
}

std::string HeatColor(double share, double max_share) {
  // Scaled to the map's largest share (the darkest cell); non-zero counts start at a visible tint
  // so that one failure among thousands still shows.
  const double rel = max_share > 0 ? std::min(share / max_share, 1.0) : 0.0;
  const double t = share <= 0 ? 0.0 : 0.12 + 0.88 * rel;
  auto mix = [t](int full) { return static_cast<int>(std::lround(255.0 + (full - 255.0) * t)); };
  return "rgb(" + std::to_string(mix(kHeatR)) + "," + std::to_string(mix(kHeatG)) + "," +
         std::to_string(mix(kHeatB)) + ")";
}

std::string Heatmap(const Pivot& p, const std::string& id, const std::string& col_name) {
  if (p.rows.empty()) return "<p class=\"muted\">No failed attempts.</p>\n";
  const int label_w = 130, top = 44, cell_h = 28;
  const int cols = static_cast<int>(p.cols.size());
  const int cell_w = std::clamp(900 / std::max(cols, 1), 64, 150);
  const int width = label_w + cell_w * cols + 10;
  const int height = top + cell_h * static_cast<int>(p.rows.size()) + 8;
  const size_t max_chars = static_cast<size_t>(cell_w / 7);
  auto share_of = [&p](const std::string& fam, const std::string& col) {
    auto it = p.counts.find({fam, col});
    const int64_t n = it == p.counts.end() ? 0 : it->second;
    return static_cast<double>(n) / static_cast<double>(std::max<int64_t>(p.col_totals.at(col), 1));
  };
  double max_share = 0.0;
  for (const auto& fam : p.rows) {
    for (const auto& col : p.cols) max_share = std::max(max_share, share_of(fam, col));
  }
  std::ostringstream o;
  o << "<svg class=\"chart heatmap\" id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
    << "\" height=\"" << height << "\" viewBox=\"0 0 " << width << " " << height << "\" role=\"img\" aria-label=\""
    << "Failed attempts by category and " << EscapeHtml(col_name) << "\">\n";
  for (int j = 0; j < cols; ++j) {
    const std::string& col = p.cols[static_cast<size_t>(j)];
    const int cx = label_w + j * cell_w + cell_w / 2;
    o << "<g><title>" << EscapeHtml(col) << "</title><text x=\"" << cx << "\" y=\"16\" text-anchor=\"middle\" font-size=\"12\">"
      << EscapeHtml(Truncate(col.empty() ? "(none)" : col, max_chars)) << "</text></g>\n";
    o << "<text x=\"" << cx << "\" y=\"32\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">n="
      << p.col_totals.at(col) << "</text>\n";
  }
  for (size_t i = 0; i < p.rows.size(); ++i) {
    const std::string& fam = p.rows[i];
    const int y = top + static_cast<int>(i) * cell_h;
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << y + 18 << "\" text-anchor=\"end\" font-size=\"12\">"
      << EscapeHtml(fam) << (FamilyCountsAgainstModel(fam) ? "" : " \xE2\x80\xA0") << "</text>\n";
    for (int j = 0; j < cols; ++j) {
      const std::string& col = p.cols[static_cast<size_t>(j)];
      auto it = p.counts.find({fam, col});
      const int64_t n = it == p.counts.end() ? 0 : it->second;
      const double share = share_of(fam, col);
      const bool dark = max_share > 0 && share / max_share > 0.55;
      const int x = label_w + j * cell_w;
      o << "<g><title>" << EscapeHtml(fam) << " \xC3\x97 " << EscapeHtml(col) << ": " << n << " failed attempts ("
        << Percent(share) << ")</title><rect x=\"" << x + 1 << "\" y=\"" << y + 1 << "\" width=\"" << cell_w - 2
        << "\" height=\"" << cell_h - 2 << "\" fill=\"" << (n == 0 ? std::string("#f4f4f4") : HeatColor(share, max_share))
        << "\"/><text x=\"" << x + cell_w / 2 << "\" y=\"" << y + 18 << "\" text-anchor=\"middle\" font-size=\"12\" fill=\""
        << (dark ? "#fff" : "#222") << "\">" << (n == 0 ? std::string("\xC2\xB7") : std::to_string(n))
        << "</text></g>\n";
    }
  }
  o << "</svg>\n";
  return o.str();
}

void HtmlTable(std::ostringstream& o, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, size_t left_cols,
               const std::vector<bool>& bold_rows = {}) {
  // Every cell is escaped here: callers pass plain text.
  o << "<div class=\"scroll\"><table>\n<thead><tr>";
  for (size_t i = 0; i < header.size(); ++i) {
    o << "<th" << (i < left_cols ? " class=\"l\"" : "") << ">" << EscapeHtml(header[i]) << "</th>";
  }
  o << "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    o << "<tr" << (r < bold_rows.size() && bold_rows[r] ? " class=\"best\"" : "") << ">";
    for (size_t i = 0; i < rows[r].size(); ++i) {
      o << "<td" << (i < left_cols ? " class=\"l\"" : "") << ">" << EscapeHtml(rows[r][i]) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</tbody>\n</table></div>\n";
}

std::vector<std::string> CellHeader(int max_k) {
  return {"model", "format", "stage", "preset", "runs", "finished", "unfinished", "success [95% CI]",
          "first attempt", max_k > 0 ? "pass@1.." + std::to_string(max_k) : "pass@k", "mean attempts",
          "tokens/run", "tokens/success", "LLM s/run", "wall s/run", "LLM s/success", "wall s/success",
          "cost/run", "cost/success"};
}

std::vector<std::string> CellCells(const Cell& c, bool markdown) {
  auto text = [markdown](const std::string& s) { return markdown ? Md(s) : (s.empty() ? "(none)" : s); };
  const int64_t tokens = c.input_tokens + c.output_tokens;
  const int64_t fin = c.finished();
  return {text(c.key.model), text(c.key.format), text(c.key.stage), text(c.key.preset),
          std::to_string(c.runs), std::to_string(fin), std::to_string(c.unfinished()),
          RateWithCi(c.success), Percent(c.first_attempt.rate), PassAtKText(c),
          Num(c.mean_attempts_to_success, 2), Num(Ratio(static_cast<double>(tokens), fin), 0),
          Num(Ratio(static_cast<double>(tokens), c.passed), 0), Seconds(Ratio(static_cast<double>(c.llm_ms), fin)),
          Seconds(Ratio(static_cast<double>(c.wall_ms), fin)), Seconds(Ratio(static_cast<double>(c.llm_ms), c.passed)),
          Seconds(Ratio(static_cast<double>(c.wall_ms), c.passed)), Money(Ratio(c.cost_usd, fin)),
          Money(Ratio(c.cost_usd, c.passed))};
}

std::vector<std::string> FormatHeader() {
  return {"model", "stage", "format", "finished", "unfinished", "success [95% CI]", "vs best format [95% CI]"};
}

std::vector<std::string> FormatCells(const FormatComparison& f, bool markdown) {
  auto text = [markdown](const std::string& s) { return markdown ? Md(s) : (s.empty() ? "(none)" : s); };
  return {text(f.model), text(f.stage), text(f.format), std::to_string(f.success.trials),
          std::to_string(f.unfinished), RateWithCi(f.success), DiffText(f)};
}

std::vector<std::string> CodeHeader() {
  return {"code", "category", "counts against model", "failed attempts", "final run codes"};
}

std::vector<std::string> CodeCells(const CodeRow& row) {
  return {row.code, row.family, row.counts_against_model ? "yes" : "no", std::to_string(row.attempts),
          std::to_string(row.finals)};
}

std::string Summary(const Report& r) {
  Proportion all = Wilson(r.passed, r.finished);
  std::ostringstream o;
  o << r.runs << " runs in " << r.cells.size() << " cells: " << r.finished << " finished, " << r.unfinished
    << " unfinished (running or interrupted, excluded from rates); " << r.passed << " passed, overall success "
    << RateWithCi(all) << "; " << r.attempts << " attempts; cost $" << Fixed(r.cost_usd, 4) << ".";
  return o.str();
}

constexpr const char* kDefinitions[][2] = {
    {"cell", "model \xC3\x97 prompt format \xC3\x97 stage \xC3\x97 sampling preset (the run key without sweep and repetition)"},
    {"finished / unfinished", "passed, failed or error / running or interrupted; unfinished runs are counted but left out of every rate, token, time and cost figure"},
    {"success", "passed / finished runs, with the Wilson score 95% interval"},
    {"first attempt", "finished runs that passed with their first attempt"},
    {"pass@k", "finished runs that passed within k attempts, k = 1 up to the most attempts any run used"},
    {"mean attempts", "attempts a passed run used, averaged over passed runs"},
    {"tokens, LLM s, wall s, cost", "sums over the finished runs' LLM calls (input + output tokens, llm_calls.total_ms, cost_usd) and attempts (attempts.wall_ms), per finished run and per passed run"},
    {"vs best format", "difference in success to the best format of the same model and stage (presets pooled), in percentage points, with Newcombe's hybrid score interval"},
    {"categories", "top-level taxonomy families of every failed attempt's code (and, in the code table, failed runs' final codes); \xE2\x80\xA0 marks env, harness, transport and unknown, which are not counted against the model"},
    {"re-judged success", "runs recorded as passed whose every recorded-passed attempt also passes this tool's chain for its stage (`autopilot rejudge`), over the runs judged; runs with a recorded pass this machine could not judge (a missing module the study's machine had, env.* or harness.*) are left out of both rates"},
    {"ran/compiled agrees", "attempts whose run layer (Python stages) or build layer (sketches) was reached, where that layer's verdict equals the recorded one (the study judged by exit code or compilation)"},
};

constexpr const char* kCss = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e3e3;padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}p{margin:6px 0}.muted{color:#777}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border:1px solid #dcdcdc;padding:3px 7px;text-align:right;white-space:nowrap}
th{background:#f3f5f8}th.l,td.l{text-align:left}tbody tr:nth-child(even){background:#fafbfc}
tr.best td{font-weight:600}svg.chart{display:block;margin:8px 0;font-family:inherit}
.scroll{overflow-x:auto;max-width:100%}dl{font-size:13px}dt{font-weight:600;margin-top:6px}dd{margin-left:18px}
)css";

}  // namespace

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "html") return Format::kHtml;
  if (name == "md") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

std::optional<Format> FormatForPath(std::string_view path) {
  std::string lower = util::ToLower(path);
  if (util::EndsWith(lower, ".html") || util::EndsWith(lower, ".htm")) return Format::kHtml;
  if (util::EndsWith(lower, ".md") || util::EndsWith(lower, ".markdown")) return Format::kMarkdown;
  if (util::EndsWith(lower, ".csv")) return Format::kCsv;
  if (util::EndsWith(lower, ".json")) return Format::kJson;
  return std::nullopt;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

/// Share as text with its counts ("97.0% (32/33)"), or a dash when nothing was counted.
std::string ShareText(int64_t k, int64_t n) {
  if (n == 0) return Dash();
  return Fixed(100.0 * static_cast<double>(k) / static_cast<double>(n), 1) + "% (" + std::to_string(k) + "/" +
         std::to_string(n) + ")";
}

/// The top reasons of a cell's stage and project as "code:count; …" (at most five).
std::string ReasonsText(const Report& r, const RejudgeCell& c) {
  std::string out;
  int n = 0;
  for (const auto& x : r.rejudge_reasons) {
    if (x.stage != c.stage || x.project != c.project || x.tool_version != c.tool_version || n == 5) continue;
    out += (out.empty() ? "" : "; ") + x.code + ":" + std::to_string(x.count);
    ++n;
  }
  return out;
}

std::vector<std::string> RejudgeHeader() {
  return {"model", "format", "stage", "preset", "project", "runs", "recorded success", "re-judged success",
          "recorded pass \xE2\x86\x92 tool fail", "ran/compiled agrees", "ms per attempt", "left out"};
}

std::vector<std::string> RejudgeCells(const RejudgeCell& c, bool markdown) {
  auto esc = [&](const std::string& v) { return markdown ? Md(v) : v; };
  return {esc(c.model), esc(c.format), esc(c.stage), esc(c.preset), esc(c.project + " " + c.tool_version),
          std::to_string(c.runs), RateWithCi(c.recorded), RateWithCi(c.rejudged),
          ShareText(c.pass_fail, c.pass_pass + c.pass_fail), ShareText(c.ran_agree, c.ran_known),
          c.attempts ? std::to_string(c.judge_ms / c.attempts) : Dash(), std::to_string(c.unavailable)};
}

}  // namespace

Json RejudgeRow(const RejudgeCell& c, const Report& r) {
  auto bound = [](const Proportion& p, double v) { return p.rate ? Json(v) : Json(nullptr); };
  Json row;
  row["rejudge_project"] = c.project;
  row["rejudge_tool_version"] = c.tool_version;
  row["rejudged_runs"] = c.runs;
  row["rejudge_left_out"] = c.unavailable;
  row["recorded_passed"] = c.recorded.successes;
  row["recorded_success_rate"] = Opt(c.recorded.rate);
  row["recorded_ci_low"] = bound(c.recorded, c.recorded.low);
  row["recorded_ci_high"] = bound(c.recorded, c.recorded.high);
  row["rejudged_passed"] = c.rejudged.successes;
  row["rejudged_success_rate"] = Opt(c.rejudged.rate);
  row["rejudged_ci_low"] = bound(c.rejudged, c.rejudged.low);
  row["rejudged_ci_high"] = bound(c.rejudged, c.rejudged.high);
  row["rejudged_attempts"] = c.attempts;
  row["recorded_pass_tool_pass"] = c.pass_pass;
  row["recorded_pass_tool_fail"] = c.pass_fail;
  row["recorded_fail_tool_pass"] = c.fail_pass;
  row["recorded_fail_tool_fail"] = c.fail_fail;
  row["ran_known"] = c.ran_known;
  row["ran_agree"] = c.ran_agree;
  row["judge_ms"] = c.judge_ms;
  row["rejudge_reasons"] = ReasonsText(r, c);
  return row;
}

Json CellRow(const Cell& c, int max_k) {
  const int64_t fin = c.finished();
  const int64_t tokens = c.input_tokens + c.output_tokens;
  auto bound = [](const Proportion& p, double v) { return p.rate ? Json(v) : Json(nullptr); };
  Json row;
  row["model"] = c.key.model;
  row["format"] = c.key.format;
  row["stage"] = c.key.stage;
  row["preset"] = c.key.preset;
  row["runs"] = c.runs;
  row["finished"] = fin;
  row["passed"] = c.passed;
  row["failed"] = c.failed;
  row["error"] = c.errored;
  row["unfinished"] = c.unfinished();
  row["running"] = c.running;
  row["interrupted"] = c.interrupted;
  row["success_rate"] = Opt(c.success.rate);
  row["success_ci_low"] = bound(c.success, c.success.low);
  row["success_ci_high"] = bound(c.success, c.success.high);
  row["first_attempt_rate"] = Opt(c.first_attempt.rate);
  row["first_attempt_ci_low"] = bound(c.first_attempt, c.first_attempt.low);
  row["first_attempt_ci_high"] = bound(c.first_attempt, c.first_attempt.high);
  for (int k = 1; k <= max_k; ++k) {
    const size_t i = static_cast<size_t>(k - 1);
    row["pass_at_" + std::to_string(k)] = i < c.pass_at_k.size() ? Opt(c.pass_at_k[i]) : Json(nullptr);
  }
  row["mean_attempts_to_success"] = Opt(c.mean_attempts_to_success);
  row["attempts"] = c.attempts;
  row["max_attempts"] = c.max_attempts;
  row["llm_calls"] = c.llm_calls;
  row["input_tokens"] = c.input_tokens;
  row["output_tokens"] = c.output_tokens;
  row["tokens"] = tokens;
  row["tokens_per_run"] = Opt(Ratio(static_cast<double>(tokens), fin));
  row["tokens_per_success"] = Opt(Ratio(static_cast<double>(tokens), c.passed));
  row["llm_ms"] = c.llm_ms;
  row["llm_ms_per_run"] = Opt(Ratio(static_cast<double>(c.llm_ms), fin));
  row["llm_ms_per_success"] = Opt(Ratio(static_cast<double>(c.llm_ms), c.passed));
  row["wall_ms"] = c.wall_ms;
  row["wall_ms_per_run"] = Opt(Ratio(static_cast<double>(c.wall_ms), fin));
  row["wall_ms_per_success"] = Opt(Ratio(static_cast<double>(c.wall_ms), c.passed));
  row["cost_usd"] = c.cost_usd;
  row["cost_usd_per_run"] = Opt(Ratio(c.cost_usd, fin));
  row["cost_usd_per_success"] = Opt(Ratio(c.cost_usd, c.passed));
  return row;
}

Json ToJson(const Report& r) {
  Proportion all = Wilson(r.passed, r.finished);
  Json doc;
  doc["store"] = r.store;
  doc["summary"] = {{"runs", r.runs},
                    {"cells", r.cells.size()},
                    {"finished", r.finished},
                    {"passed", r.passed},
                    {"unfinished", r.unfinished},
                    {"attempts", r.attempts},
                    {"max_attempts", r.max_attempts},
                    {"success_rate", Opt(all.rate)},
                    {"success_ci_low", all.rate ? Json(all.low) : Json(nullptr)},
                    {"success_ci_high", all.rate ? Json(all.high) : Json(nullptr)},
                    {"cost_usd", r.cost_usd}};
  Json cells = Json::array();
  for (const auto& c : r.cells) cells.push_back(CellRow(c, r.max_attempts));
  doc["cells"] = std::move(cells);
  Json formats = Json::array();
  for (const auto& f : r.formats) {
    Json row;
    row["model"] = f.model;
    row["stage"] = f.stage;
    row["format"] = f.format;
    row["finished"] = f.success.trials;
    row["passed"] = f.success.successes;
    row["unfinished"] = f.unfinished;
    row["success_rate"] = Opt(f.success.rate);
    row["success_ci_low"] = f.success.rate ? Json(f.success.low) : Json(nullptr);
    row["success_ci_high"] = f.success.rate ? Json(f.success.high) : Json(nullptr);
    row["best"] = f.best;
    row["diff_to_best"] = f.vs_best ? Json(f.vs_best->estimate) : Json(nullptr);
    row["diff_ci_low"] = f.vs_best ? Json(f.vs_best->low) : Json(nullptr);
    row["diff_ci_high"] = f.vs_best ? Json(f.vs_best->high) : Json(nullptr);
    formats.push_back(std::move(row));
  }
  doc["format_comparison"] = std::move(formats);
  Json tax = Json::array();
  for (const auto& f : r.failures) {
    tax.push_back({{"source", f.final_code ? "final" : "attempt"},
                   {"model", f.key.model},
                   {"format", f.key.format},
                   {"stage", f.key.stage},
                   {"preset", f.key.preset},
                   {"code", f.code},
                   {"family", f.family},
                   {"counts_against_model", f.counts_against_model},
                   {"count", f.count}});
  }
  doc["taxonomy"] = std::move(tax);
  Json rj = Json::array();
  for (const auto& c : r.rejudge) {
    Json row{{"model", c.model}, {"format", c.format}, {"stage", c.stage}, {"preset", c.preset}};
    const Json extra = RejudgeRow(c, r);
    for (const auto& item : extra.items()) row[item.key()] = item.value();
    rj.push_back(std::move(row));
  }
  doc["rejudge"] = std::move(rj);
  Json reasons = Json::array();
  for (const auto& x : r.rejudge_reasons) {
    reasons.push_back({{"stage", x.stage}, {"project", x.project}, {"tool_version", x.tool_version},
                       {"code", x.code}, {"count", x.count}, {"examples", x.examples}});
  }
  doc["rejudge_reasons"] = std::move(reasons);
  Json contracts = Json::array();
  for (const auto& s : r.contracts) {
    contracts.push_back({{"model", s.model}, {"format", s.format}, {"stage", s.stage}, {"function", s.function},
                         {"attempts", s.passed.trials}, {"passed", s.passed.successes}, {"pass_rate", Opt(s.passed.rate)},
                         {"ci_low", s.passed.trials ? Json(s.passed.low) : Json(nullptr)},
                         {"ci_high", s.passed.trials ? Json(s.passed.high) : Json(nullptr)},
                         {"leading_code", s.leading_code}, {"leading_count", s.leading_count}, {"example", s.example}});
  }
  doc["contracts"] = std::move(contracts);
  return doc;
}

std::string RenderJson(const Report& r) { return ToJson(r).dump(2) + "\n"; }

std::string RenderCsv(const Report& r) {
  auto field = [](const Json& v) -> std::string {
    if (v.is_null()) return "";
    if (!v.is_string()) return v.dump();
    const std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  // The header comes from a row built for an empty cell, so it never depends on the data. A
  // re-judged store adds the re-judge columns, one row per cell and project.
  const bool rejudged = !r.rejudge.empty();
  Json header = CellRow(Cell{}, r.max_attempts);
  if (rejudged) {
    const Json extra = RejudgeRow(RejudgeCell{}, r);
    for (const auto& item : extra.items()) header[item.key()] = nullptr;
  }
  std::string out;
  bool first = true;
  for (const auto& item : header.items()) {
    out += (first ? "" : ",") + item.key();
    first = false;
  }
  out += "\r\n";
  auto emit = [&](const Json& row) {
    first = true;
    for (const auto& item : header.items()) {
      out += (first ? "" : ",") + field(row.contains(item.key()) ? row[item.key()] : Json(nullptr));
      first = false;
    }
    out += "\r\n";
  };
  for (const auto& c : r.cells) {
    const Json row = CellRow(c, r.max_attempts);
    bool any = false;
    for (const auto& j : r.rejudge) {
      if (j.model != c.key.model || j.format != c.key.format || j.stage != c.key.stage || j.preset != c.key.preset) continue;
      Json full = row;
      const Json extra = RejudgeRow(j, r);
      for (const auto& item : extra.items()) full[item.key()] = item.value();
      emit(full);
      any = true;
    }
    if (!any) emit(row);
  }
  return out;
}

const std::vector<std::string>& ContractHeader() {
  static const std::vector<std::string> h = {"model", "format", "stage", "function", "attempts", "right (95% CI)",
                                             "leading failure", "example"};
  return h;
}

std::vector<std::string> ContractCells(const ContractStat& s) {
  return {s.model, s.format, s.stage, s.function, std::to_string(s.passed.trials), RateWithCi(s.passed),
          s.leading_code.empty() ? "" : s.leading_code + " (" + std::to_string(s.leading_count) + ")", s.example};
}

std::string RenderMarkdown(const Report& r) {
  std::ostringstream o;
  o << "# Autopilot report\n\n";
  o << "Store: `" << r.store << "`\n\n" << Summary(r) << "\n\n";
  o << "## Cells\n\n";
  if (r.cells.empty()) {
    o << "No runs in this store.\n\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.cells) rows.push_back(CellCells(c, true));
    MdTable(o, CellHeader(r.max_attempts), rows, 4);
  }
  o << "## Format comparison\n\n";
  if (r.formats.empty()) {
    o << "No finished runs.\n\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : r.formats) {
      auto cells = FormatCells(f, true);
      if (f.best) cells[2] = "**" + cells[2] + "**";
      rows.push_back(std::move(cells));
    }
    MdTable(o, FormatHeader(), rows, 3);
  }
  o << "## Failure taxonomy\n\n";
  o << "### Failed attempts by category \xC3\x97 model\n\n";
  MdPivot(o, FamilyPivot(r, true), "model");
  o << "### Failed attempts by category \xC3\x97 stage\n\n";
  MdPivot(o, FamilyPivot(r, false), "stage");
  o << "### Codes\n\n";
  auto codes = CodeRows(r);
  if (codes.empty()) {
    o << "No failures.\n\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : codes) {
      auto cells = CodeCells(c);
      cells[0] = "`" + Md(cells[0]) + "`";
      rows.push_back(std::move(cells));
    }
    MdTable(o, CodeHeader(), rows, 3);
  }
  o << "\xE2\x80\xA0 env, harness, transport and unknown are not counted against the model.\n\n";
  if (!r.rejudge.empty()) {
    o << "## Re-judged\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.rejudge) rows.push_back(RejudgeCells(c, true));
    MdTable(o, RejudgeHeader(), rows, 5);
    o << "### Recorded passes the tool fails\n\n";
    if (r.rejudge_reasons.empty()) {
      o << "None.\n\n";
    } else {
      std::vector<std::vector<std::string>> rrows;
      for (const auto& x : r.rejudge_reasons) {
        std::string ex;
        for (const auto& e : x.examples) ex += (ex.empty() ? "" : "<br>") + Md(e);
        rrows.push_back({Md(x.stage), Md(x.project), "`" + Md(x.code) + "`", std::to_string(x.count), ex});
      }
      MdTable(o, {"stage", "project", "code", "attempts", "examples"}, rrows, 3);
    }
  }
  if (!r.contracts.empty()) {
    o << "## Function contracts\n\n";
    o << "Attempts the unit layer judged, per contract function: how many had it right.\n\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r.contracts) {
      auto cells = ContractCells(s);
      for (auto& c : cells) c = Md(c);
      cells[3] = "`" + cells[3] + "`";
      rows.push_back(std::move(cells));
    }
    MdTable(o, ContractHeader(), rows, 4);
  }
  o << "## Definitions\n\n";
  for (const auto& d : kDefinitions) o << "- **" << d[0] << "**: " << d[1] << "\n";
  return o.str();
}

std::string RenderHtml(const Report& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>Autopilot report \xE2\x80\x94 " << EscapeHtml(r.store) << "</title>\n<style>" << kCss
    << "</style>\n</head>\n<body>\n";
  o << "<h1>Autopilot report</h1>\n<p class=\"muted\">Store: " << EscapeHtml(r.store) << "</p>\n";
  o << "<p>" << EscapeHtml(Summary(r)) << "</p>\n";

  o << "<h2>Success rate per cell</h2>\n";
  if (r.cells.empty()) {
    o << "<p class=\"muted\">No runs in this store.</p>\n";
  } else {
    o << "<p class=\"muted\">Bars: passed / finished runs; whiskers: Wilson 95% interval.</p>\n" << SuccessChart(r);
  }

  o << "<h2>Format comparison</h2>\n";
  if (!r.formats.empty()) {
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> bold;
    for (const auto& f : r.formats) {
      rows.push_back(FormatCells(f, false));
      bold.push_back(f.best);
    }
    o << "<p class=\"muted\">Presets pooled; orange: the best format of its model and stage.</p>\n"
      << FormatChart(r);
    HtmlTable(o, FormatHeader(), rows, 3, bold);
  } else {
    o << "<p class=\"muted\">No finished runs.</p>\n";
  }

  o << "<h2>Failure categories</h2>\n<p class=\"muted\">Failed attempts per taxonomy category; colour: share "
       "of the column's failed attempts (darkest: the largest share in the map). \xE2\x80\xA0 not counted against the model.</p>\n";
  o << "<h3>Category \xC3\x97 model</h3>\n" << Heatmap(FamilyPivot(r, true), "heatmap-model", "model");
  o << "<h3>Category \xC3\x97 stage</h3>\n" << Heatmap(FamilyPivot(r, false), "heatmap-stage", "stage");

  o << "<h2>Cells</h2>\n";
  if (!r.cells.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.cells) rows.push_back(CellCells(c, false));
    HtmlTable(o, CellHeader(r.max_attempts), rows, 4);
  } else {
    o << "<p class=\"muted\">No runs in this store.</p>\n";
  }

  o << "<h2>Taxonomy codes</h2>\n";
  auto codes = CodeRows(r);
  if (!codes.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : codes) rows.push_back(CodeCells(c));
    HtmlTable(o, CodeHeader(), rows, 3);
  } else {
    o << "<p class=\"muted\">No failures.</p>\n";
  }

  if (!r.rejudge.empty()) {
    o << "<h2>Re-judged</h2>\n<p class=\"muted\">Recorded success against the success that survives this "
         "tool's chains (Wilson 95% intervals); runs with a recorded pass that could not be judged here are left out.</p>\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.rejudge) rows.push_back(RejudgeCells(c, false));
    HtmlTable(o, RejudgeHeader(), rows, 5);
    o << "<h3>Recorded passes the tool fails</h3>\n";
    std::vector<std::vector<std::string>> rrows;
    for (const auto& x : r.rejudge_reasons) {
      std::string ex;
      for (const auto& e : x.examples) ex += (ex.empty() ? "" : " | ") + e;
      rrows.push_back({x.stage, x.project, x.code, std::to_string(x.count), ex});
    }
    HtmlTable(o, {"stage", "project", "code", "attempts", "examples"}, rrows, 3);
  }
  if (!r.contracts.empty()) {
    o << "<h2>Function contracts</h2>\n<p class=\"muted\">Attempts the unit layer judged, per contract function: "
         "how many had it right (Wilson 95% intervals), and the most frequent failure.</p>\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r.contracts) rows.push_back(ContractCells(s));
    HtmlTable(o, ContractHeader(), rows, 4);
  }
  o << "<h2>Definitions</h2>\n<dl>\n";
  for (const auto& d : kDefinitions) o << "<dt>" << EscapeHtml(d[0]) << "</dt><dd>" << EscapeHtml(d[1]) << "</dd>\n";
  o << "</dl>\n</body>\n</html>\n";
  return o.str();
}

std::string Render(const Report& report, Format format) {
  switch (format) {
    case Format::kHtml: return RenderHtml(report);
    case Format::kMarkdown: return RenderMarkdown(report);
    case Format::kCsv: return RenderCsv(report);
    case Format::kJson: return RenderJson(report);
  }
  return RenderMarkdown(report);
}

}  // namespace autopilot::report
