#include "autopilot/llm/result_json.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

template <typename T>
ordered_json Opt(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

template <typename T>
void Read(const json& j, const char* key, T* out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    try {
      *out = it->get<T>();
    } catch (const json::exception&) {
      // wrong type: keep the default
    }
  }
}

template <typename T>
void ReadOpt(const json& j, const char* key, std::optional<T>* out) {
  auto it = j.find(key);
  if (it != j.end() && it->is_number()) *out = it->get<T>();
}

}  // namespace

ordered_json ResultToJson(const LlmResult& r, bool include_raw) {
  ordered_json j;
  j["ok"] = r.ok();
  j["provider"] = r.provider;
  j["requested_model"] = r.requested_model;
  j["model"] = r.model;
  j["text"] = r.text;
  j["reasoning"] = r.reasoning;
  j["finish_reason"] = r.finish_reason;
  j["usage"] = {{"input_tokens", r.usage.input_tokens},
                {"output_tokens", r.usage.output_tokens},
                {"cached_input_tokens", r.usage.cached_input_tokens},
                {"reasoning_tokens", r.usage.reasoning_tokens},
                {"total_tokens", r.usage.total_tokens},
                {"reported", r.usage.reported}};
  j["timing"] = {{"ttft_s", Opt(r.timing.ttft_s)},
                 {"total_s", r.timing.total_s},
                 {"load_s", Opt(r.timing.load_s)},
                 {"tokens_per_s", Opt(r.timing.tokens_per_s)}};
  j["cost_usd"] = r.cost_usd;
  j["cost_known"] = r.cost_known;
  j["http_status"] = r.http_status;
  j["transport_retries"] = r.transport_retries;
  j["attempts"] = ordered_json::array();
  for (const auto& a : r.attempts) {
    j["attempts"].push_back({{"http_status", a.http_status},
                             {"code", a.code},
                             {"message", a.message},
                             {"wait_s", a.wait_s},
                             {"wait_source", a.wait_source}});
  }
  j["flags"] = r.flags;
  j["warnings"] = r.warnings;
  j["request_key"] = r.request_key;
  j["replayed"] = r.replayed;
  j["error"] = r.error ? ordered_json{{"code", r.error->code}, {"message", r.error->message}} : ordered_json(nullptr);
  if (include_raw) {
    j["raw_response"] = r.raw_response;
    j["raw_truncated"] = r.raw_truncated;
  }
  return j;
}

LlmResult ResultFromJson(const json& j) {
  LlmResult r;
  if (!j.is_object()) return r;
  Read(j, "provider", &r.provider);
  Read(j, "requested_model", &r.requested_model);
  Read(j, "model", &r.model);
  Read(j, "text", &r.text);
  Read(j, "reasoning", &r.reasoning);
  Read(j, "finish_reason", &r.finish_reason);
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    Read(*u, "input_tokens", &r.usage.input_tokens);
    Read(*u, "output_tokens", &r.usage.output_tokens);
    Read(*u, "cached_input_tokens", &r.usage.cached_input_tokens);
    Read(*u, "reasoning_tokens", &r.usage.reasoning_tokens);
    Read(*u, "total_tokens", &r.usage.total_tokens);
    Read(*u, "reported", &r.usage.reported);
  }
  if (auto t = j.find("timing"); t != j.end() && t->is_object()) {
    ReadOpt(*t, "ttft_s", &r.timing.ttft_s);
    Read(*t, "total_s", &r.timing.total_s);
    ReadOpt(*t, "load_s", &r.timing.load_s);
    ReadOpt(*t, "tokens_per_s", &r.timing.tokens_per_s);
  }
  Read(j, "cost_usd", &r.cost_usd);
  Read(j, "cost_known", &r.cost_known);
  Read(j, "http_status", &r.http_status);
  Read(j, "transport_retries", &r.transport_retries);
  if (auto a = j.find("attempts"); a != j.end() && a->is_array()) {
    for (const auto& item : *a) {
      TransportAttempt t;
      Read(item, "http_status", &t.http_status);
      Read(item, "code", &t.code);
      Read(item, "message", &t.message);
      Read(item, "wait_s", &t.wait_s);
      Read(item, "wait_source", &t.wait_source);
      r.attempts.push_back(t);
    }
  }
  Read(j, "flags", &r.flags);
  Read(j, "warnings", &r.warnings);
  Read(j, "request_key", &r.request_key);
  Read(j, "raw_response", &r.raw_response);
  Read(j, "raw_truncated", &r.raw_truncated);
  if (auto e = j.find("error"); e != j.end() && e->is_object()) {
    Error err;
    Read(*e, "code", &err.code);
    Read(*e, "message", &err.message);
    r.error = err;
  }
  return r;
}

}  // namespace autopilot::llm
