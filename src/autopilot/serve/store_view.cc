#include "autopilot/serve/store_view.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

#include "autopilot/serve/line_diff.h"
#include "autopilot/util/error_codes.h"

namespace autopilot::serve {
namespace {

using nlohmann::json;

Error UsageError(const std::string& path, const std::string& what) {
  return Error{errc::kUsage, path + ": " + what};
}

/// The filter as one SQL condition on runs `r` (only the fields given, so an unfiltered page is a
/// plain scan of a covering index); parameters ?1..?4 = model, format, stage, code. A stage matches
/// a run of that stage or a whole run whose stage list ("dp,train,mc,sg") holds it; a taxonomy id
/// matches a run's final code, any of its attempts' codes and any layer's code.
std::string FilterSql(const Filter& f) {
  std::vector<std::string> parts;
  if (!f.model.empty()) parts.push_back("r.model = ?1");
  if (!f.format.empty()) parts.push_back("r.format = ?2");
  if (!f.stage.empty()) parts.push_back("(r.stage = ?3 OR instr(',' || r.stage || ',', ',' || ?3 || ',') > 0)");
  if (!f.code.empty()) {
    parts.push_back(
        "(r.code = ?4 OR r.id IN (SELECT run_id FROM attempts WHERE code = ?4)"
        " OR r.id IN (SELECT a.run_id FROM validations v JOIN attempts a ON a.id = v.attempt_id WHERE v.code = ?4))");
  }
  std::string sql = "1";
  for (const auto& p : parts) sql += " AND " + p;
  return sql;
}

void BindFilter(store::Statement* st, const Filter& f) {
  if (!f.model.empty()) st->Bind(1, f.model);
  if (!f.format.empty()) st->Bind(2, f.format);
  if (!f.stage.empty()) st->Bind(3, f.stage);
  if (!f.code.empty()) st->Bind(4, f.code);
}

/// The distinct non-empty values of an indexed column, one index seek each (a skip scan), rather
/// than a read of every row.
std::string DistinctByIndex(const std::string& table, const std::string& column) {
  return "WITH RECURSIVE v(x) AS (SELECT MIN(" + column + ") FROM " + table + " WHERE " + column + " > ''"
         " UNION ALL SELECT (SELECT MIN(" + column + ") FROM " + table + " WHERE " + column + " > v.x) FROM v"
         " WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL";
}

/// Runs `st` and calls `row` for every row; the first error stops it.
template <typename F>
Result<void> EachRow(store::Statement* st, F row) {
  while (true) {
    auto r = st->Step();
    if (!r) return r.error();
    if (!*r) return Ok();
    row();
  }
}

json NullableInt(const store::Statement& st, int col) {
  return st.ColumnIsNull(col) ? json(nullptr) : json(st.ColumnInt(col));
}

/// Counts by status → the object the pages show, with success = passed / finished (null when none finished).
json Counts(int64_t runs, int64_t passed, int64_t failed, int64_t errored, int64_t running, int64_t interrupted) {
  const int64_t finished = passed + failed + errored;
  return {{"runs", runs},       {"passed", passed},           {"failed", failed},
          {"errored", errored}, {"running", running},         {"interrupted", interrupted},
          {"finished", finished},
          {"success_rate", finished > 0 ? json(static_cast<double>(passed) / static_cast<double>(finished)) : json(nullptr)}};
}

constexpr const char* kStatusSums =
    "COUNT(*), SUM(r.status = 'passed'), SUM(r.status = 'failed'), SUM(r.status = 'error'),"
    " SUM(r.status = 'running'), SUM(r.status = 'interrupted')";

json CountsAt(const store::Statement& st, int first) {
  return Counts(st.ColumnInt(first), st.ColumnInt(first + 1), st.ColumnInt(first + 2), st.ColumnInt(first + 3),
                st.ColumnInt(first + 4), st.ColumnInt(first + 5));
}

Result<std::vector<std::string>> Distinct(store::Database& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  if (!st) return st.error();
  std::vector<std::string> out;
  if (auto r = EachRow(&*st, [&] { out.push_back(st->ColumnText(0)); }); !r) return r.error();
  return out;
}

/// Line `line` (1-based) of `text`, or nullopt.
std::optional<std::string> SourceLine(const std::string& text, int64_t line) {
  if (line < 1) return std::nullopt;
  size_t start = 0;
  for (int64_t i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return std::nullopt;
    ++start;
  }
  if (start >= text.size()) return std::nullopt;
  size_t end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

/// The prompt as stored ({"system","user"} JSON by the pipeline; other shapes, e.g. imported
/// traces, are shown as they are).
json PromptOf(const std::string& request_json) {
  json doc = json::parse(request_json, nullptr, false);
  if (doc.is_object() && (doc.contains("system") || doc.contains("user"))) {
    return {{"system", doc.value("system", "")}, {"user", doc.value("user", "")}};
  }
  return {{"system", ""}, {"user", request_json}};
}

}  // namespace

Result<StoreView> StoreView::Open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return UsageError(path, "no such run store (give the .db file a run or sweep wrote)");
  if (std::filesystem::is_directory(path, ec)) return UsageError(path, "is a directory, not a run store");
  auto db = store::Database::OpenReadOnly(path);
  if (!db) return UsageError(path, db.error().message);
  auto tables = db->QueryInt(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
      " AND name IN ('runs', 'attempts', 'llm_calls', 'validations', 'artifacts')");
  if (!tables) return UsageError(path, "not a readable SQLite run store (" + tables.error().message + ")");
  if (*tables != 5) return UsageError(path, "not an autopilot run store (the run tables are missing)");
  return StoreView(std::move(*db));
}

Result<json> StoreView::Summary(const Filter& filter) {
  json doc{{"store", db_.path()}, {"filter", {{"model", filter.model}, {"format", filter.format},
                                              {"stage", filter.stage}, {"code", filter.code}}}};
  json& options = doc["options"];
  auto models = Distinct(db_, DistinctByIndex("runs", "model"));
  auto formats = Distinct(db_, "SELECT DISTINCT format FROM runs ORDER BY 1");
  auto run_stages = Distinct(db_, "SELECT DISTINCT stage FROM runs ORDER BY 1");
  if (!models) return models.error();
  if (!formats) return formats.error();
  if (!run_stages) return run_stages.error();
  options["models"] = *models;
  options["formats"] = *formats;
  // A whole run's stage is its stage list ("dp,train,mc,sg"): offer each stage once.
  std::vector<std::string> stages;
  for (const auto& list : *run_stages) {
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string one = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!one.empty() && std::find(stages.begin(), stages.end(), one) == stages.end()) stages.push_back(one);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  std::sort(stages.begin(), stages.end());
  options["stages"] = stages;
  std::vector<std::string> codes;
  for (const auto& [table, column] : {std::pair{"attempts", "code"}, std::pair{"validations", "code"}, std::pair{"runs", "code"}}) {
    auto values = Distinct(db_, DistinctByIndex(table, column));
    if (!values) return values.error();
    codes.insert(codes.end(), values->begin(), values->end());
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  options["codes"] = codes;

  auto sweeps = db_.Prepare(std::string("SELECT r.sweep, ") + kStatusSums + " FROM runs r WHERE " + FilterSql(filter) +
                            " GROUP BY r.sweep ORDER BY r.sweep");
  if (!sweeps) return sweeps.error();
  BindFilter(&*sweeps, filter);
  doc["sweeps"] = json::array();
  if (auto r = EachRow(&*sweeps, [&] {
        json s = CountsAt(*sweeps, 1);
        s["sweep"] = sweeps->ColumnText(0);
        doc["sweeps"].push_back(std::move(s));
      }); !r) {
    return r.error();
  }

  auto cells = db_.Prepare(std::string("SELECT r.model, r.format, r.stage, r.preset, ") + kStatusSums +
                           " FROM runs r WHERE " + FilterSql(filter) + " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
  if (!cells) return cells.error();
  BindFilter(&*cells, filter);
  doc["cells"] = json::array();
  if (auto r = EachRow(&*cells, [&] {
        json c = CountsAt(*cells, 4);
        c["model"] = cells->ColumnText(0);
        c["format"] = cells->ColumnText(1);
        c["stage"] = cells->ColumnText(2);
        c["preset"] = cells->ColumnText(3);
        doc["cells"].push_back(std::move(c));
      }); !r) {
    return r.error();
  }
  return doc;
}

Result<json> StoreView::Cell(const CellQuery& q) {
  const std::string cell_sql = "r.model = ?5 AND r.format = ?6 AND r.stage = ?7 AND r.preset = ?8";
  const Filter f{"", "", "", q.code};
  const std::string filter_sql = FilterSql(f);
  auto bind = [&](store::Statement* st) {
    BindFilter(st, f);
    st->Bind(5, q.model).Bind(6, q.format).Bind(7, q.stage).Bind(8, q.preset);
  };
  json doc{{"cell", {{"model", q.model}, {"format", q.format}, {"stage", q.stage}, {"preset", q.preset}}},
           {"filter", {{"code", q.code}}}, {"offset", q.offset}, {"limit", q.limit}};

  auto counts = db_.Prepare(std::string("SELECT ") + kStatusSums + " FROM runs r WHERE " + filter_sql + " AND " + cell_sql);
  if (!counts) return counts.error();
  bind(&*counts);
  if (auto r = EachRow(&*counts, [&] { doc["counts"] = CountsAt(*counts, 0); }); !r) return r.error();

  auto runs = db_.Prepare(
      "SELECT r.id, r.sweep, r.repetition, r.status, COALESCE(r.code, ''), r.started_at, COALESCE(r.finished_at, ''),"
      " COUNT(a.id), COALESCE(SUM(l.input_tokens), 0), COALESCE(SUM(l.output_tokens), 0),"
      " COALESCE(SUM(l.cost_usd), 0), COALESCE(SUM(l.total_ms), 0)"
      " FROM runs r LEFT JOIN attempts a ON a.run_id = r.id LEFT JOIN llm_calls l ON l.attempt_id = a.id"
      " WHERE " + filter_sql + " AND " + cell_sql +
      " GROUP BY r.id ORDER BY r.id DESC LIMIT ?9 OFFSET ?10");
  if (!runs) return runs.error();
  bind(&*runs);
  runs->Bind(9, q.limit).Bind(10, q.offset);
  doc["runs"] = json::array();
  if (auto r = EachRow(&*runs, [&] {
        doc["runs"].push_back({{"id", runs->ColumnInt(0)}, {"sweep", runs->ColumnText(1)},
                               {"repetition", runs->ColumnInt(2)}, {"status", runs->ColumnText(3)},
                               {"code", runs->ColumnText(4)}, {"started_at", runs->ColumnText(5)},
                               {"finished_at", runs->ColumnText(6)}, {"attempts", runs->ColumnInt(7)},
                               {"input_tokens", runs->ColumnInt(8)}, {"output_tokens", runs->ColumnInt(9)},
                               {"cost_usd", runs->ColumnDouble(10)}, {"llm_ms", runs->ColumnInt(11)}});
      }); !r) {
    return r.error();
  }

  // Which failures the cell's attempts hit, most frequent first.
  auto codes = db_.Prepare(
      "SELECT COALESCE(a.code, ''), COUNT(*) FROM attempts a JOIN runs r ON r.id = a.run_id"
      " WHERE a.status != 'passed' AND " + filter_sql + " AND " + cell_sql +
      " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50");
  if (!codes) return codes.error();
  bind(&*codes);
  doc["failures"] = json::array();
  if (auto r = EachRow(&*codes, [&] {
        doc["failures"].push_back({{"code", codes->ColumnText(0)}, {"attempts", codes->ColumnInt(1)}});
      }); !r) {
    return r.error();
  }
  return doc;
}

Result<json> StoreView::Run(int64_t id) {
  auto run = db_.Prepare(
      "SELECT run_key, sweep, stage, model, format, preset, repetition, status, COALESCE(code, ''),"
      " started_at, COALESCE(finished_at, '') FROM runs WHERE id = ?");
  if (!run) return run.error();
  run->Bind(1, id);
  auto found = run->Step();
  if (!found) return found.error();
  if (!*found) return Error{errc::kUsage, "no run with id " + std::to_string(id)};
  json doc{{"run", {{"id", id}, {"run_key", run->ColumnText(0)}, {"sweep", run->ColumnText(1)},
                    {"stage", run->ColumnText(2)}, {"model", run->ColumnText(3)}, {"format", run->ColumnText(4)},
                    {"preset", run->ColumnText(5)}, {"repetition", run->ColumnInt(6)}, {"status", run->ColumnText(7)},
                    {"code", run->ColumnText(8)}, {"started_at", run->ColumnText(9)},
                    {"finished_at", run->ColumnText(10)}}},
           {"attempts", json::array()}};

  auto attempts = db_.Prepare(
      "SELECT id, stage, number, status, COALESCE(code, ''), COALESCE(rule, ''), wall_ms, started_at,"
      " COALESCE(finished_at, '') FROM attempts WHERE run_id = ? ORDER BY id");
  if (!attempts) return attempts.error();
  attempts->Bind(1, id);
  std::vector<json> list;
  if (auto r = EachRow(&*attempts, [&] {
        list.push_back({{"id", attempts->ColumnInt(0)}, {"stage", attempts->ColumnText(1)},
                        {"number", attempts->ColumnInt(2)}, {"status", attempts->ColumnText(3)},
                        {"code", attempts->ColumnText(4)}, {"rule", attempts->ColumnText(5)},
                        {"wall_ms", NullableInt(*attempts, 6)}, {"started_at", attempts->ColumnText(7)},
                        {"finished_at", attempts->ColumnText(8)}});
      }); !r) {
    return r.error();
  }

  auto call = db_.Prepare(
      "SELECT provider, model, COALESCE(response_model, ''), request_json, COALESCE(text, ''),"
      " COALESCE(finish_reason, ''), input_tokens, output_tokens, cached_input_tokens, reasoning_tokens,"
      " ttft_ms, total_ms, COALESCE(cost_usd, 0), retries, COALESCE(error_code, ''), COALESCE(error_message, '')"
      " FROM llm_calls WHERE attempt_id = ? ORDER BY id LIMIT 1");
  auto layers = db_.Prepare(
      "SELECT layer, passed, COALESCE(code, ''), COALESCE(message, ''), COALESCE(file, ''), line,"
      " COALESCE(hint, ''), duration_ms FROM validations WHERE attempt_id = ? ORDER BY id");
  auto files = db_.Prepare(
      "SELECT kind, name, CAST(content AS TEXT), size_bytes FROM artifacts WHERE attempt_id = ?"
      " AND kind IN ('code', 'serial', 'samples', 'diagnostics') ORDER BY id");
  if (!call) return call.error();
  if (!layers) return layers.error();
  if (!files) return files.error();

  std::map<std::string, std::pair<int64_t, std::string>> previous_code;  // stage → (attempt number, code)
  for (json& a : list) {
    const int64_t attempt_id = a["id"].get<int64_t>();
    call->Reset().Bind(1, attempt_id);
    a["llm"] = nullptr;
    a["prompt"] = nullptr;
    a["reply"] = nullptr;
    if (auto r = EachRow(&*call, [&] {
          a["llm"] = {{"provider", call->ColumnText(0)}, {"model", call->ColumnText(1)},
                      {"response_model", call->ColumnText(2)}, {"finish_reason", call->ColumnText(5)},
                      {"input_tokens", NullableInt(*call, 6)}, {"output_tokens", NullableInt(*call, 7)},
                      {"cached_input_tokens", NullableInt(*call, 8)}, {"reasoning_tokens", NullableInt(*call, 9)},
                      {"ttft_ms", NullableInt(*call, 10)}, {"total_ms", NullableInt(*call, 11)},
                      {"cost_usd", call->ColumnDouble(12)}, {"retries", call->ColumnInt(13)},
                      {"error_code", call->ColumnText(14)}, {"error_message", call->ColumnText(15)}};
          a["prompt"] = PromptOf(call->ColumnText(3));
          a["reply"] = call->ColumnText(4);
        }); !r) {
      return r.error();
    }

    std::string code;
    bool has_code = false;
    a["serial"] = nullptr;
    a["samples"] = nullptr;
    json full_diagnostics;
    files->Reset().Bind(1, attempt_id);
    if (auto r = EachRow(&*files, [&] {
          const std::string kind = files->ColumnText(0);
          if (kind == "code") {
            code = files->ColumnText(2);
            has_code = true;
          } else if (kind == "serial") {
            a["serial"] = files->ColumnText(2);
          } else if (kind == "samples") {
            json s = json::parse(files->ColumnText(2), nullptr, false);
            a["samples"] = s.is_discarded() ? json(nullptr) : s;
          } else if (kind == "diagnostics") {
            full_diagnostics = json::parse(files->ColumnText(2), nullptr, false);
          }
        }); !r) {
      return r.error();
    }
    a["code_text"] = has_code ? json(code) : json(nullptr);

    layers->Reset().Bind(1, attempt_id);
    a["layers"] = json::array();
    json first_diagnostics = json::array();
    if (auto r = EachRow(&*layers, [&] {
          json l{{"layer", layers->ColumnText(0)}, {"passed", layers->ColumnInt(1) != 0},
                 {"code", layers->ColumnText(2)}, {"duration_ms", NullableInt(*layers, 7)}};
          a["layers"].push_back(l);
          if (!layers->ColumnText(2).empty() || !layers->ColumnText(3).empty()) {
            first_diagnostics.push_back({{"layer", layers->ColumnText(0)}, {"code", layers->ColumnText(2)},
                                         {"message", layers->ColumnText(3)}, {"file", layers->ColumnText(4)},
                                         {"line", NullableInt(*layers, 5)}, {"hint", layers->ColumnText(6)}});
          }
        }); !r) {
      return r.error();
    }
    // The full list when the attempt kept one (layers with several findings), else each layer's first.
    json diagnostics = full_diagnostics.is_array() ? full_diagnostics : first_diagnostics;
    for (json& d : diagnostics) {
      d["source"] = nullptr;
      if (has_code && d.contains("line") && d["line"].is_number_integer()) {
        if (auto text = SourceLine(code, d["line"].get<int64_t>())) d["source"] = *text;
      }
    }
    a["diagnostics"] = std::move(diagnostics);

    const std::string stage = a["stage"].get<std::string>();
    a["diff"] = nullptr;
    a["diff_against"] = nullptr;
    if (has_code) {
      auto prev = previous_code.find(stage);
      if (prev != previous_code.end()) {
        json lines = json::array();
        for (const DiffLine& l : LineDiff(prev->second.second, code)) {
          lines.push_back({{"op", std::string(1, l.op)}, {"text", l.text}});
        }
        a["diff"] = std::move(lines);
        a["diff_against"] = prev->second.first;
      }
      previous_code[stage] = {a["number"].get<int64_t>(), code};
    }
    doc["attempts"].push_back(std::move(a));
  }

  auto run_files = db_.Prepare(
      "SELECT id, kind, name, size_bytes FROM artifacts WHERE run_id = ? AND attempt_id IS NULL ORDER BY id");
  if (!run_files) return run_files.error();
  run_files->Bind(1, id);
  doc["artifacts"] = json::array();
  if (auto r = EachRow(&*run_files, [&] {
        doc["artifacts"].push_back({{"id", run_files->ColumnInt(0)}, {"kind", run_files->ColumnText(1)},
                                    {"name", run_files->ColumnText(2)}, {"size_bytes", run_files->ColumnInt(3)}});
      }); !r) {
    return r.error();
  }
  return doc;
}

Result<json> StoreView::Progress() {
  json doc{{"sweeps", json::array()}, {"running", json::array()}};
  auto totals = db_.Prepare("SELECT (SELECT COUNT(*) FROM runs), (SELECT COALESCE(MAX(id), 0) FROM attempts)");
  if (!totals) return totals.error();
  if (auto r = EachRow(&*totals, [&] {
        doc["runs"] = totals->ColumnInt(0);
        doc["last_attempt_id"] = totals->ColumnInt(1);
      }); !r) {
    return r.error();
  }
  auto sweeps = db_.Prepare(std::string("SELECT r.sweep, ") + kStatusSums +
                            ", MAX(COALESCE(r.finished_at, r.started_at)) FROM runs r GROUP BY r.sweep ORDER BY r.sweep");
  if (!sweeps) return sweeps.error();
  if (auto r = EachRow(&*sweeps, [&] {
        json s = CountsAt(*sweeps, 1);
        s["sweep"] = sweeps->ColumnText(0);
        s["last_change"] = sweeps->ColumnText(7);
        doc["sweeps"].push_back(std::move(s));
      }); !r) {
    return r.error();
  }
  auto running = db_.Prepare(
      "SELECT r.id, r.sweep, r.model, r.format, r.stage, r.started_at,"
      " (SELECT COUNT(*) FROM attempts a WHERE a.run_id = r.id),"
      " (SELECT a.stage || ' ' || a.number || ': ' || a.status FROM attempts a WHERE a.run_id = r.id ORDER BY a.id DESC LIMIT 1)"
      " FROM runs r WHERE r.status = 'running' ORDER BY r.id DESC LIMIT 100");
  if (!running) return running.error();
  if (auto r = EachRow(&*running, [&] {
        doc["running"].push_back({{"id", running->ColumnInt(0)}, {"sweep", running->ColumnText(1)},
                                  {"model", running->ColumnText(2)}, {"format", running->ColumnText(3)},
                                  {"stage", running->ColumnText(4)}, {"started_at", running->ColumnText(5)},
                                  {"attempts", running->ColumnInt(6)}, {"last_attempt", running->ColumnText(7)}});
      }); !r) {
    return r.error();
  }
  return doc;
}

}  // namespace autopilot::serve
