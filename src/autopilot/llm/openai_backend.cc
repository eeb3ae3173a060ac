#include "autopilot/llm/openai_backend.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "autopilot/llm/backend_common.h"
#include "autopilot/llm/stream_parsers.h"
#include "autopilot/util/clock.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

/// Everything gathered from a reply, streamed or not.
struct Gathered {
  std::string content;
  std::string reasoning;
  std::string refusal;
  std::string finish_reason;
  std::string model;
  Usage usage;
  std::optional<double> tokens_per_s;
  bool done = false;              ///< "[DONE]" seen
  size_t chunks = 0;
  std::optional<Error> error;     ///< malformed data or an error event
  bool error_retryable = false;
  std::optional<double> ttft_s;
};

const json* Member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t IntMember(const json& j, const char* key) {
  const json* v = Member(j, key);
  return v && v->is_number() ? v->get<int64_t>() : 0;
}

void ApplyUsage(const json& u, Usage* usage) {
  if (!u.is_object()) return;
  usage->reported = true;
  usage->input_tokens = IntMember(u, "prompt_tokens");
  usage->output_tokens = IntMember(u, "completion_tokens");
  usage->total_tokens = IntMember(u, "total_tokens");
  if (const json* d = Member(u, "prompt_tokens_details")) usage->cached_input_tokens = IntMember(*d, "cached_tokens");
  if (const json* d = Member(u, "completion_tokens_details")) usage->reasoning_tokens = IntMember(*d, "reasoning_tokens");
}

/// llama.cpp's non-standard `timings` object.
void ApplyTimings(const json& t, Gathered* g) {
  if (!t.is_object()) return;
  if (const json* v = Member(t, "predicted_per_second"); v && v->is_number()) g->tokens_per_s = v->get<double>();
  if (!g->usage.reported && (Member(t, "prompt_n") || Member(t, "predicted_n"))) {
    const int64_t cache = IntMember(t, "cache_n");
    g->usage.reported = true;
    g->usage.input_tokens = IntMember(t, "prompt_n") + cache;
    g->usage.cached_input_tokens = cache;
    g->usage.output_tokens = IntMember(t, "predicted_n");
  }
}

void TakeError(const json& err, Gathered* g) {
  std::string message = err.dump();
  std::string code;
  if (err.is_string()) message = err.get<std::string>();
  if (err.is_object()) {
    if (const json* m = Member(err, "message"); m && m->is_string()) message = m->get<std::string>();
    if (const json* c = Member(err, "code")) code = c->is_string() ? c->get<std::string>() : c->dump();
    if (const json* t = Member(err, "type"); t && t->is_string() && code.empty()) code = t->get<std::string>();
  }
  const bool context = code == "context_length_exceeded" || code == "exceed_context_size_error";
  g->error = Error{context ? kTransportContextOverflow : kTransportServerError,
                   "the server reported an error in the reply: " + message};
  g->error_retryable = !context;
}

/// Applies one JSON object (a stream chunk or a whole reply).
void ApplyObject(const json& j, Gathered* g, const std::function<void(std::string_view)>& on_text,
                 int64_t start_us) {
  ++g->chunks;
  if (const json* err = Member(j, "error")) {
    TakeError(*err, g);
    return;
  }
  if (const json* m = Member(j, "model"); m && m->is_string()) g->model = m->get<std::string>();
  // vLLM sends the usage chunk with "choices": null; OpenAI with [].
  if (const json* choices = Member(j, "choices"); choices && choices->is_array() && !choices->empty()) {
    const json& c = (*choices)[0];
    const json* delta = Member(c, "delta");
    if (!delta) delta = Member(c, "message");
    if (delta) {
      auto take = [&](const char* key, std::string* into, bool is_text) {
        const json* v = Member(*delta, key);
        if (!v || !v->is_string()) return;
        const std::string& s = v->get_ref<const std::string&>();
        if (s.empty()) return;
        if (!g->ttft_s) g->ttft_s = static_cast<double>(util::MonotonicUs() - start_us) / 1e6;
        into->append(s);
        if (is_text && on_text) on_text(s);
      };
      take("content", &g->content, true);
      take("reasoning_content", &g->reasoning, false);  // DeepSeek, vLLM
      take("reasoning", &g->reasoning, false);          // newer vLLM, OpenRouter
      take("refusal", &g->refusal, false);
    }
    if (const json* f = Member(c, "finish_reason"); f && f->is_string()) g->finish_reason = f->get<std::string>();
  }
  if (const json* u = Member(j, "usage")) ApplyUsage(*u, &g->usage);
  if (const json* t = Member(j, "timings")) ApplyTimings(*t, g);
}

std::string Excerpt(std::string_view s) {
  return std::string(s.substr(0, 200)) + (s.size() > 200 ? "..." : "");
}

}  // namespace

std::string BuildOpenAiRequestBody(const ModelSpec& spec, const LlmRequest& request) {
  ordered_json body;
  body["model"] = spec.model;
  body["messages"] = ordered_json::array();
  for (const auto& m : request.messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  body["stream"] = request.stream;
  if (request.stream) body["stream_options"] = {{"include_usage", true}};
  const Sampling& s = request.sampling;
  if (s.temperature) body["temperature"] = *s.temperature;
  if (s.top_p) body["top_p"] = *s.top_p;
  if (s.seed) body["seed"] = *s.seed;
  if (s.max_tokens) {
    // o-series and newer OpenAI models reject max_tokens; other servers may not know the new name.
    body[spec.provider == Provider::kOpenAi ? "max_completion_tokens" : "max_tokens"] = *s.max_tokens;
  }
  if (!s.stop.empty()) body["stop"] = s.stop;
  return body.dump();
}

OpenAiBackend::OpenAiBackend(ModelSpec spec, BackendOptions options)
    : spec_(std::move(spec)), options_(WithDefaults(std::move(options))) {}

LlmResult OpenAiBackend::DoComplete(const LlmRequest& request, const StreamObserver& observer) {
  if (request.num_ctx && !warned_num_ctx_) {
    warned_num_ctx_ = true;
    options_.warn("num_ctx is ignored by " + std::string(ProviderName(spec_.provider)) +
                  " (the /v1 API cannot set it): size the context on the server instead");
  }
  return RunWithRetries(options_, observer, [&] {
    AttemptOutcome o;
    o.result = Attempt(request, observer, &o.retryable, &o.hint);
    return o;
  });
}

LlmResult OpenAiBackend::Attempt(const LlmRequest& request, const StreamObserver& observer,
                                 bool* retryable, std::optional<RetryHint>* hint) {
  LlmResult r;
  r.provider = ProviderName(spec_.provider);
  r.requested_model = spec_.model;
  HttpRequest hr;
  hr.url = spec_.base_url + "/chat/completions";
  hr.body = BuildOpenAiRequestBody(spec_, request);
  hr.headers = {{"Content-Type", "application/json"},
                {"Accept", request.stream ? "text/event-stream" : "application/json"}};
  if (!spec_.api_key.empty()) hr.headers.emplace_back("Authorization", "Bearer " + spec_.api_key);
  hr.limits = options_.transport;
  hr.streaming = request.stream;

  Gathered g;
  std::string raw;
  const int64_t start_us = util::MonotonicUs();
  SseParser sse([&](const SseEvent& ev) {
    if (ev.data == "[DONE]") {
      g.done = true;
      return true;
    }
    json j = json::parse(ev.data, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      g.error = Error{kTransportServerError, "malformed JSON in stream event " +
                                                 std::to_string(g.chunks + 1) + ": " + Excerpt(ev.data)};
      g.error_retryable = true;
      return false;
    }
    ApplyObject(j, &g, observer.on_text, start_us);
    return !g.error;
  });
  if (request.stream) {
    hr.on_data = [&](std::string_view piece) {
      if (raw.size() < options_.transport.max_raw_bytes) raw.append(piece);
      return sse.Feed(piece);
    };
  }
  HttpResponse resp = http_.Perform(hr);
  r.http_status = resp.status;
  r.timing.total_s = resp.elapsed_s;
  r.timing.ttft_s = g.ttft_s;
  KeepRaw(&r, request.stream && resp.status < 300 ? raw : resp.body, options_.transport.max_raw_bytes, spec_.api_key);

  auto fail = [&](Error e, bool retry) {
    ScrubSecret(&e.message, spec_.api_key);
    *retryable = retry;
    r.text = g.content;  // partial answer, for the trace
    r.reasoning = g.reasoning;
    r.error = std::move(e);
    return r;
  };
  if (resp.status >= 300) {
    bool retry = false;
    Error e = ClassifyHttpError(resp.status, resp.body, spec_.provider, spec_.model, hr.url, &retry);
    if (retry) *hint = RetryHintFromHeaders(resp.headers, static_cast<int64_t>(std::time(nullptr)));
    return fail(std::move(e), retry);
  }
  if (g.error) return fail(*g.error, g.error_retryable);
  if (resp.error) return fail(*resp.error, !resp.too_large && TransportErrorRetryable(*resp.error));
  if (request.stream) {
    sse.Finish();
    if (g.error) return fail(*g.error, g.error_retryable);
    if (!g.done && g.finish_reason.empty()) {
      return fail(Error{kTransportServerError, "the stream from " + Where(hr.url) +
                                                   " ended before completion (no finish_reason, no [DONE]) after " +
                                                   std::to_string(g.chunks) + " chunks"},
                  true);
    }
    if (!g.done) r.warnings.push_back("stream ended without data: [DONE]");
  } else {
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(Error{kTransportServerError, "malformed JSON reply from " + Where(hr.url) + ": " + Excerpt(resp.body)},
                  true);
    }
    ApplyObject(j, &g, nullptr, start_us);
    if (g.error) return fail(*g.error, g.error_retryable);
    const json* choices = Member(j, "choices");
    if (!choices || !choices->is_array() || choices->empty()) {
      return fail(Error{kTransportServerError, "reply from " + Where(hr.url) + " has no choices: " + Excerpt(resp.body)},
                  true);
    }
  }
  if (request.stream && !g.usage.reported) r.warnings.push_back("the server sent no usage in the stream");
  r.model = g.model.empty() ? spec_.model : g.model;
  r.finish_reason = g.finish_reason;
  r.usage = g.usage;
  r.timing.tokens_per_s = g.tokens_per_s;
  FinishAnswer(&r, g.content, g.reasoning, g.refusal, options_, spec_.PriceKey());
  return r;
}

Result<PingInfo> OpenAiBackend::Ping() {
  PingInfo info;
  info.base_url = Where(spec_.base_url);
  HttpRequest hr;
  hr.method = "GET";
  hr.url = spec_.base_url + "/models";
  if (!spec_.api_key.empty()) hr.headers.emplace_back("Authorization", "Bearer " + spec_.api_key);
  hr.limits = options_.transport;
  HttpResponse resp = http_.Perform(hr);
  info.latency_s = resp.elapsed_s;
  if (resp.status >= 300) {
    bool retry = false;
    Error e = ClassifyHttpError(resp.status, resp.body, spec_.provider, spec_.model, hr.url, &retry);
    ScrubSecret(&e.message, spec_.api_key);
    return e;
  }
  if (resp.error) return *resp.error;
  json j = json::parse(resp.body, nullptr, false);
  const json* data = j.is_discarded() ? nullptr : Member(j, "data");
  if (!data || !data->is_array()) {
    return Error{kTransportServerError, "GET " + Where(hr.url) + " did not return a model list: " + Excerpt(resp.body)};
  }
  for (const auto& m : *data) {
    if (const json* id = Member(m, "id"); id && id->is_string()) info.models.push_back(id->get<std::string>());
  }
  for (const auto& m : info.models) info.model_found = info.model_found || m == spec_.model;
  return info;
}

}  // namespace autopilot::llm
