#include "autopilot/importer/langfuse.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <regex>
#include <set>
#include <vector>

#include "autopilot/exec/redact.h"
#include "autopilot/taxonomy/category.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::importer {
namespace {

using nlohmann::json;

/// A shape error at a JSON path; thrown inside this file only, caught in ImportLangfuse.
struct Malformed {
  std::string path;
  std::string message;
};

std::string Sub(const std::string& path, const std::string& key) { return path + "." + key; }
std::string Sub(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

[[noreturn]] void Fail(const std::string& path, const std::string& what, const json& got) {
  throw Malformed{path, "expected " + what + ", got " + std::string(got.type_name())};
}

const json* Find(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string OptString(const json& obj, const char* key, const std::string& path) {
  const json* v = Find(obj, key);
  if (!v) return "";
  if (!v->is_string()) Fail(Sub(path, key), "a string", *v);
  return v->get<std::string>();
}

std::optional<double> OptNumber(const json& obj, const char* key, const std::string& path) {
  const json* v = Find(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) Fail(Sub(path, key), "a number", *v);
  double d = v->get<double>();
  if (!std::isfinite(d) || d < 0) throw Malformed{Sub(path, key), "expected a non-negative number"};
  return d;
}

std::optional<int64_t> OptCount(const json& obj, const char* key, const std::string& path) {
  auto d = OptNumber(obj, key, path);
  if (!d) return std::nullopt;
  return static_cast<int64_t>(std::llround(*d));
}

const json* OptObject(const json& obj, const char* key, const std::string& path) {
  const json* v = Find(obj, key);
  if (v && !v->is_object()) Fail(Sub(path, key), "an object", *v);
  return v;
}

/// One GENERATION observation.
struct Generation {
  std::string id, name, model, api_base, start, end;
  json messages;  ///< input.messages, or the whole input
  json params;    ///< modelParameters
  std::string text;
  std::optional<int64_t> input_tokens, output_tokens;
  std::optional<double> latency_ms;
  double cost = 0;
};

/// One trace: one prototype run.
struct Trace {
  std::string path;
  std::string id, name, session, timestamp;
  std::vector<std::string> tags;
  std::optional<int64_t> num_run;
  std::optional<double> latency_s, total_cost;
  std::string status;  ///< output.status, lower-case; "" when there is no output
  std::string last_error;
  std::string final_code;
  std::string final_code_kind;
  std::string span_error;  ///< statusMessage of an ERROR span
  std::vector<Generation> generations;
};

std::string ContentText(const json& output) {
  if (output.is_null()) return "";
  if (output.is_string()) return output.get<std::string>();
  if (output.is_object()) {
    auto it = output.find("content");
    if (it != output.end() && it->is_string()) return it->get<std::string>();
  }
  return output.dump();
}

Generation ReadGeneration(const json& o, const std::string& path) {
  Generation g;
  g.id = OptString(o, "id", path);
  g.name = OptString(o, "name", path);
  g.model = OptString(o, "model", path);
  g.start = OptString(o, "startTime", path);
  g.end = OptString(o, "endTime", path);
  if (const json* md = OptObject(o, "metadata", path)) {
    if (const json* base = Find(*md, "api_base"); base && base->is_string()) g.api_base = base->get<std::string>();
  }
  if (const json* in = Find(o, "input")) {
    auto it = in->is_object() ? in->find("messages") : in->end();
    g.messages = (in->is_object() && it != in->end()) ? *it : *in;
  }
  if (const json* p = OptObject(o, "modelParameters", path)) g.params = *p;
  if (const json* out = Find(o, "output")) g.text = ContentText(*out);
  g.input_tokens = OptCount(o, "promptTokens", path);
  g.output_tokens = OptCount(o, "completionTokens", path);
  if (const json* usage = OptObject(o, "usage", path)) {
    std::string up = Sub(path, "usage");
    if (!g.input_tokens) g.input_tokens = OptCount(*usage, "input", up);
    if (!g.output_tokens) g.output_tokens = OptCount(*usage, "output", up);
  }
  g.latency_ms = OptNumber(o, "latency", path);
  g.cost = OptNumber(o, "calculatedTotalCost", path).value_or(0.0);
  return g;
}

Trace ReadTrace(const json& t, const std::string& path) {
  if (!t.is_object()) Fail(path, "a trace object", t);
  Trace tr;
  tr.path = path;
  tr.id = OptString(t, "id", path);
  if (tr.id.empty()) throw Malformed{Sub(path, "id"), "a trace needs a non-empty id"};
  tr.name = OptString(t, "name", path);
  tr.session = OptString(t, "session_id", path);
  if (tr.session.empty()) tr.session = OptString(t, "sessionId", path);
  tr.timestamp = OptString(t, "timestamp", path);
  if (const json* tags = Find(t, "tags")) {
    if (!tags->is_array()) Fail(Sub(path, "tags"), "an array", *tags);
    for (size_t i = 0; i < tags->size(); ++i) {
      if (!(*tags)[i].is_string()) Fail(Sub(Sub(path, "tags"), i), "a string", (*tags)[i]);
      tr.tags.push_back((*tags)[i].get<std::string>());
    }
  }
  if (const json* md = OptObject(t, "metadata", path)) {
    if (const json* n = Find(*md, "num_run")) {
      std::string np = Sub(Sub(path, "metadata"), "num_run");
      const std::string text = n->is_string() ? n->get<std::string>() : "";
      if (n->is_number_integer()) {
        tr.num_run = n->get<int64_t>();
      } else if (!text.empty() && text.size() < 12 &&
                 std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        tr.num_run = std::stoll(text);
      } else {
        Fail(np, "an integer", *n);
      }
    }
  }
  tr.latency_s = OptNumber(t, "latency", path);
  tr.total_cost = OptNumber(t, "total_cost", path);
  if (const json* out = Find(t, "output")) {
    std::string op = Sub(path, "output");
    if (out->is_object()) {
      tr.status = util::ToLower(OptString(*out, "status", op));
      tr.last_error = OptString(*out, "last_error", op);
      for (const char* k : {"sketch", "code", "last_code"}) {
        std::string code = OptString(*out, k, op);
        if (!code.empty()) {
          tr.final_code = code;
          tr.final_code_kind = std::string(k) == "sketch" ? "sketch" : "code";
          break;
        }
      }
    } else if (!out->is_string()) {
      Fail(op, "an object or a string", *out);
    }
  }
  const json* obs = Find(t, "observations");
  if (obs && !obs->is_array()) Fail(Sub(path, "observations"), "an array", *obs);
  if (obs) {
    for (size_t j = 0; j < obs->size(); ++j) {
      const json& o = (*obs)[j];
      std::string op = Sub(Sub(path, "observations"), j);
      if (!o.is_object()) Fail(op, "an observation object", o);
      std::string type = OptString(o, "type", op);
      if (type == "GENERATION") {
        tr.generations.push_back(ReadGeneration(o, op));
      } else if (type == "SPAN" || type == "EVENT") {
        std::string level = OptString(o, "level", op);
        std::string msg = OptString(o, "statusMessage", op);
        if (level == "ERROR" && !msg.empty()) tr.span_error = msg;
      } else if (type.empty()) {
        throw Malformed{Sub(op, "type"), "an observation needs a type (GENERATION, SPAN or EVENT)"};
      }
    }
  }
  // Chronological order; startTime is ISO 8601 in one format, so text order is time order.
  std::stable_sort(tr.generations.begin(), tr.generations.end(),
                   [](const Generation& a, const Generation& b) {
                     return !a.start.empty() && !b.start.empty() && a.start < b.start;
                   });
  return tr;
}

std::string StageOf(const Trace& tr) {
  static const std::regex kStage("_(dp|mc|sg|psg|tpusg)_");
  std::smatch m;
  for (const auto& g : tr.generations) {
    if (std::regex_search(g.name, m, kStage)) return m[1];
  }
  for (const auto& s : {tr.span_error, tr.name}) {
    if (std::regex_search(s, m, kStage)) return m[1];
  }
  std::string hay = util::ToLower(tr.name + " " + util::Join(tr.tags, " "));
  if (hay.find("tpu") != std::string::npos) return "tpusg";
  if (hay.find("sketch_generator") != std::string::npos) return "sg";
  if (hay.find("data_process") != std::string::npos) return "dp";
  if (hay.find("model_conver") != std::string::npos) return "mc";
  for (const auto& t : tr.tags) {
    for (const char* s : {"dp", "mc", "sg", "psg", "tpusg"}) {
      if (t == s) return s;
    }
  }
  return "unknown";
}

std::string ProviderOf(const std::string& model, const std::string& api_base) {
  std::string base = util::ToLower(api_base);
  if (base.find("openai.com") != std::string::npos) return "openai";
  if (!base.empty()) return "ollama";
  if (util::StartsWith(model, "gpt") || util::StartsWith(model, "o1") || util::StartsWith(model, "o3")) return "openai";
  return "ollama";
}

double ParamValue(const json& params, const char* key) {
  if (!params.is_object()) return -1;
  auto it = params.find(key);
  if (it == params.end()) return -1;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    try {
      return std::stod(it->get<std::string>());
    } catch (...) {
      return -1;
    }
  }
  return -1;
}

std::string PresetOf(const Trace& tr) {
  for (const auto& g : tr.generations) {
    double t = ParamValue(g.params, "temperature"), p = ParamValue(g.params, "top_p");
    if (std::fabs(t - 0.1) < 1e-9 && std::fabs(p - 0.3) < 1e-9) return "deterministic";
  }
  return "default";
}

/// Generations that prepare an attempt rather than produce its code.
bool IsAuxiliary(const std::string& name) {
  return name.find("spec_filling") != std::string::npos || name.find("suggestion_table") != std::string::npos;
}

/// A generation that retries after an error (so the attempt before it failed).
bool IsRetry(const std::string& name) {
  static const std::regex kAttempt("attempt#(\\d+)");
  if (name.find("error_handling") != std::string::npos) return true;
  std::smatch m;
  return std::regex_search(name, m, kAttempt) && std::stoi(m[1]) > 1;
}

std::string UserText(const json& messages) {
  std::string out;
  if (messages.is_array()) {
    for (const auto& m : messages) {
      if (m.is_object() && m.value("role", "") == "user" && m.contains("content") && m["content"].is_string()) {
        out += m["content"].get<std::string>() + "\n";
      }
    }
  } else if (messages.is_string()) {
    out = messages.get<std::string>();
  }
  return out;
}

/// The error the prototype fed back in a retry prompt (original and abla-l2 prompts; abla-l1
/// prompts carry none).
std::string FedBackError(const json& messages) {
  std::string text = UserText(messages);
  for (const char* marker : {"### CAUSED ERROR BEFORE ###", "### CAUSED ERROR ###", "ERROR FROM LAST ATTEMPT:"}) {
    size_t at = text.find(marker);
    if (at == std::string::npos) continue;
    std::string rest = text.substr(at + std::string(marker).size());
    size_t end = rest.find("\n###");
    if (end != std::string::npos) rest = rest.substr(0, end);
    return util::Trim(rest);
  }
  return "";
}

struct AttemptPlan {
  std::vector<const Generation*> calls;
  std::string status;  ///< passed | failed | error
  std::string error;   ///< text to classify
};

std::vector<AttemptPlan> PlanAttempts(const Trace& tr, const std::string& run_status) {
  std::vector<AttemptPlan> out;
  AttemptPlan cur;
  for (const auto& g : tr.generations) {
    cur.calls.push_back(&g);
    if (!IsAuxiliary(g.name)) {
      out.push_back(std::move(cur));
      cur = AttemptPlan{};
    }
  }
  if (!cur.calls.empty()) out.push_back(std::move(cur));  // e.g. a spec filling that never led to code
  for (size_t k = 0; k < out.size(); ++k) {
    if (k + 1 < out.size()) {
      const Generation* next_code = out[k + 1].calls.back();
      bool retry = IsRetry(next_code->name);
      out[k].status = retry ? "failed" : "passed";
      if (retry) out[k].error = FedBackError(next_code->messages);
    } else {
      out[k].status = run_status;
      if (run_status != "passed") out[k].error = !tr.last_error.empty() ? tr.last_error : tr.span_error;
    }
  }
  return out;
}

int64_t WallMs(const AttemptPlan& a) {
  double ms = 0;
  for (const auto* g : a.calls) ms += g->latency_ms.value_or(0);
  return static_cast<int64_t>(std::llround(ms));
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

struct Verdict {
  std::string code;
  int numeric = 0;
  std::string rule;
};

Verdict ClassifyText(const taxonomy::Classifier& c, const std::string& stage, const std::string& text) {
  taxonomy::FailureInput in;
  in.stage = stage;
  in.text = text;
  auto v = c.Classify(in);
  return {std::string(taxonomy::IdOf(v.primary)), taxonomy::CodeOf(v.primary), v.rule};
}

Result<void> WriteTrace(store::RunStore& st, const Trace& tr, const std::string& label, size_t position,
                        const LangfuseOptions& options, ImportStats* stats) {
  auto& db = st.db();
  const std::string stage = StageOf(tr);
  std::string model = "unknown", api_base;
  for (const auto& g : tr.generations) {
    if (!g.model.empty()) {
      model = g.model;
      api_base = g.api_base;
      break;
    }
  }
  if (model == "unknown" && tr.tags.size() >= 2) model = tr.tags[1];
  const std::string provider = ProviderOf(model, api_base);

  std::string run_status = tr.status == "success" ? "passed" : tr.status == "failed" ? "failed" : "error";
  if (tr.generations.empty()) run_status = "error";  // an infrastructure failure: no LLM output at all
  auto attempts = PlanAttempts(tr, run_status);

  std::string run_code;
  std::string started = tr.timestamp.empty() ? util::NowRfc3339() : tr.timestamp;
  std::string finished = started;
  for (const auto& g : tr.generations) finished = std::max(finished, g.end);

  json cfg{{"source", "langfuse"},
           {"file", label},
           {"trace_id", tr.id},
           {"trace_name", tr.name},
           {"session_id", tr.session},
           {"tags", tr.tags},
           {"num_run", tr.num_run ? json(*tr.num_run) : json(nullptr)},
           {"latency_s", tr.latency_s ? json(*tr.latency_s) : json(nullptr)},
           {"total_cost_usd", tr.total_cost ? json(*tr.total_cost) : json(nullptr)}};
  auto ins = db.Prepare(
      "INSERT INTO runs(run_key, sweep, stage, model, format, preset, repetition, status, config_json,"
      " started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!ins) return ins.error();
  ins->Bind(1, LangfuseRunKey(tr.id)).Bind(2, kLangfuseSweep).Bind(3, stage).Bind(4, provider + ":" + model);
  ins->Bind(5, options.format).Bind(6, PresetOf(tr));
  ins->Bind(7, tr.num_run ? *tr.num_run : static_cast<int64_t>(position + 1)).Bind(8, run_status);
  // Traces hold the prototype's prompts and sandbox output: secrets are replaced before storing.
  const exec::Redactor& redactor = exec::ProcessRedactor();
  ins->Bind(9, redactor.Apply(cfg.dump(-1, ' ', false, json::error_handler_t::replace)));
  ins->Bind(10, started).Bind(11, finished);
  if (auto r = ins->Run(); !r) return r;
  const int64_t run_id = db.LastInsertId();

  std::optional<int64_t> last_attempt_id;
  for (size_t k = 0; k < attempts.size(); ++k) {
    const auto& a = attempts[k];
    Verdict v;
    if (a.status != "passed" && !a.error.empty()) {
      v = ClassifyText(*options.classifier, stage, a.error);
      run_code = v.code;
      ++stats->attempts_by_code[v.code];
    } else if (a.status != "passed") {
      ++stats->unclassified;
    }
    if (a.status != "passed") ++stats->failed_attempts;
    std::string a_start = a.calls.front()->start.empty() ? started : a.calls.front()->start;
    std::string a_end = a.calls.back()->end.empty() ? a_start : a.calls.back()->end;
    auto at = db.Prepare(
        "INSERT INTO attempts(run_id, stage, number, status, code, code_numeric, rule, started_at,"
        " finished_at, wall_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!at) return at.error();
    at->Bind(1, run_id).Bind(2, stage).Bind(3, static_cast<int64_t>(k + 1)).Bind(4, a.status);
    at->Bind(5, NullIfEmpty(v.code));
    if (v.code.empty()) {
      at->BindNull(6);
    } else {
      at->Bind(6, v.numeric);
    }
    at->Bind(7, NullIfEmpty(v.rule)).Bind(8, a_start).Bind(9, a_end).Bind(10, WallMs(a));
    if (auto r = at->Run(); !r) return r;
    const int64_t attempt_id = db.LastInsertId();
    last_attempt_id = attempt_id;
    ++stats->attempts;
    for (const Generation* g : a.calls) {
      json req{{"messages", g->messages},
               {"model_parameters", g->params},
               {"langfuse", {{"trace_id", tr.id}, {"observation_id", g->id}, {"name", g->name}}}};
      auto call = db.Prepare(
          "INSERT INTO llm_calls(attempt_id, provider, model, response_model, request_json, text,"
          " input_tokens, output_tokens, total_ms, cost_usd, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      if (!call) return call.error();
      std::optional<int64_t> total_ms;
      if (g->latency_ms) total_ms = static_cast<int64_t>(std::llround(*g->latency_ms));
      call->Bind(1, attempt_id).Bind(2, ProviderOf(g->model.empty() ? model : g->model, g->api_base));
      call->Bind(3, g->model.empty() ? model : g->model).Bind(4, NullIfEmpty(g->model));
      call->Bind(5, redactor.Apply(req.dump(-1, ' ', false, json::error_handler_t::replace)));
      call->Bind(6, redactor.Apply(g->text));
      call->Bind(7, g->input_tokens).Bind(8, g->output_tokens).Bind(9, total_ms).Bind(10, g->cost);
      call->Bind(11, g->start.empty() ? a_start : g->start);
      if (auto r = call->Run(); !r) return r;
      ++stats->llm_calls;
      stats->tokens += g->input_tokens.value_or(0) + g->output_tokens.value_or(0);
      stats->cost_usd += g->cost;
    }
  }
  if (run_status != "passed" && attempts.empty()) {
    std::string text = !tr.last_error.empty() ? tr.last_error : tr.span_error;
    if (!text.empty()) run_code = ClassifyText(*options.classifier, stage, text).code;
  }
  if (run_status != "passed" && !run_code.empty()) {
    auto up = db.Prepare("UPDATE runs SET code = ? WHERE id = ?");
    if (!up) return up.error();
    up->Bind(1, run_code).Bind(2, run_id);
    if (auto r = up->Run(); !r) return r;
  }
  if (!tr.final_code.empty()) {
    auto art = st.RecordArtifact(run_id, last_attempt_id, tr.final_code_kind,
                                 tr.final_code_kind == "sketch" ? "sketch.ino" : "final_code", tr.final_code);
    if (!art) return art.error();
  }
  ++stats->imported;
  ++stats->runs_by_status[run_status];
  return Ok();
}

/// "line L, column C" of a byte offset, for JSON syntax errors.
std::string Position(const std::string& text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace

std::string LangfuseRunKey(const std::string& trace_id) {
  return std::string(kLangfuseSweep) + "|trace:" + trace_id;
}

Result<ImportStats> ImportLangfuseFile(const std::string& path, store::RunStore& store,
                                       const LangfuseOptions& options) {
  auto text = util::ReadFile(path);
  if (!text) return Error{errc::kUsage, path + ": cannot read: " + text.error().message};
  json doc;
  try {
    doc = json::parse(*text);
  } catch (const json::parse_error& e) {
    return Error{errc::kImportMalformed, path + ":" + Position(*text, e.byte == 0 ? 0 : e.byte - 1) +
                                         ": not valid JSON: " + e.what()};
  }
  return ImportLangfuse(doc, path, store, options);
}

Result<ImportStats> ImportLangfuse(const json& doc, const std::string& label, store::RunStore& store,
                                   const LangfuseOptions& options) {
  if (!options.classifier) return Error{errc::kHarnessBug, "ImportLangfuse needs a classifier"};
  std::vector<Trace> traces;
  try {
    const json* data = nullptr;
    if (doc.is_array()) {
      data = &doc;
    } else if (doc.is_object()) {
      auto it = doc.find("data");
      if (it == doc.end()) throw Malformed{"$", "expected {\"data\": [trace, …]}, a Langfuse trace export; no 'data' key"};
      if (!it->is_array()) Fail("$.data", "an array of traces", *it);
      data = &*it;
    } else {
      Fail("$", "an object {\"data\": [trace, …]}", doc);
    }
    for (size_t i = 0; i < data->size(); ++i) {
      traces.push_back(ReadTrace((*data)[i], doc.is_array() ? Sub("$", i) : Sub("$.data", i)));
    }
  } catch (const Malformed& m) {
    return Error{errc::kImportMalformed, label + ": " + m.path + ": " + m.message};
  } catch (const json::exception& e) {
    return Error{errc::kImportMalformed, label + ": " + e.what()};
  }

  ImportStats stats;
  stats.traces = traces.size();
  auto body = [&]() -> Result<void> {
    std::set<std::string> seen;
    for (size_t i = 0; i < traces.size(); ++i) {
      const Trace& tr = traces[i];
      if (!seen.insert(tr.id).second) {
        ++stats.duplicates;
        continue;
      }
      auto find = store.db().Prepare("SELECT 1 FROM runs WHERE run_key = ?");
      if (!find) return find.error();
      find->Bind(1, LangfuseRunKey(tr.id));
      auto row = find->Step();
      if (!row) return row.error();
      if (*row) {
        ++stats.already;
        continue;
      }
      if (auto r = WriteTrace(store, tr, label, i, options, &stats); !r) {
        return Error{r.error().code, label + ": " + tr.path + " (trace " + tr.id + "): " + r.error().message};
      }
    }
    return Ok();
  };
  if (auto r = store.InTransaction(body); !r) return r.error();
  return stats;
}

}  // namespace autopilot::importer
