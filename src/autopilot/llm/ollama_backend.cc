#include "autopilot/llm/ollama_backend.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "autopilot/llm/backend_common.h"
#include "autopilot/llm/stream_parsers.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr int64_t kFallbackNumCtx = 4096;

/// Everything gathered from the NDJSON lines (or the single reply).
struct Gathered {
  std::string content;
  std::string thinking;
  std::string model;
  bool done = false;
  std::string done_reason;
  int64_t prompt_eval_count = -1;
  int64_t prompt_eval_cached_count = 0;
  int64_t eval_count = 0;
  int64_t eval_duration_ns = 0;
  int64_t load_duration_ns = -1;
  size_t lines = 0;
  std::optional<Error> error;
  bool error_retryable = false;
  std::optional<double> ttft_s;
};

const json* Member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

int64_t IntMember(const json& j, const char* key, int64_t fallback = 0) {
  const json* v = Member(j, key);
  return v && v->is_number() ? v->get<int64_t>() : fallback;
}

std::string Excerpt(std::string_view s) {
  return std::string(s.substr(0, 200)) + (s.size() > 200 ? "..." : "");
}

void ApplyLine(const json& j, Gathered* g, const std::function<void(std::string_view)>& on_text,
               int64_t start_us) {
  ++g->lines;
  // A mid-stream failure arrives as {"error": "..."} while the HTTP status stays 200.
  if (const json* err = Member(j, "error")) {
    const std::string m = err->is_string() ? err->get<std::string>() : err->dump();
    const std::string lower = util::ToLower(m);
    const bool context = lower.find("context") != std::string::npos;
    g->error = Error{context ? kTransportContextOverflow : kTransportServerError,
                     "Ollama reported an error mid-stream: " + m};
    g->error_retryable = !context;
    return;
  }
  if (const json* m = Member(j, "model"); m && m->is_string()) g->model = m->get<std::string>();
  if (const json* msg = Member(j, "message")) {
    auto take = [&](const char* key, std::string* into, bool is_text) {
      const json* v = Member(*msg, key);
      if (!v || !v->is_string()) return;
      const std::string& s = v->get_ref<const std::string&>();
      if (s.empty()) return;
      if (!g->ttft_s) g->ttft_s = static_cast<double>(util::MonotonicUs() - start_us) / 1e6;
      into->append(s);
      if (is_text && on_text) on_text(s);
    };
    take("content", &g->content, true);
    take("thinking", &g->thinking, false);
  }
  if (const json* d = Member(j, "done"); d && d->is_boolean() && d->get<bool>()) {
    g->done = true;
    if (const json* r = Member(j, "done_reason"); r && r->is_string()) g->done_reason = r->get<std::string>();
    g->prompt_eval_count = IntMember(j, "prompt_eval_count", -1);
    g->prompt_eval_cached_count = IntMember(j, "prompt_eval_cached_count");
    g->eval_count = IntMember(j, "eval_count");
    g->eval_duration_ns = IntMember(j, "eval_duration");
    g->load_duration_ns = IntMember(j, "load_duration", -1);
  }
}

}  // namespace

std::string BuildOllamaRequestBody(const ModelSpec& spec, const LlmRequest& request, int64_t num_ctx) {
  ordered_json body;
  body["model"] = spec.model;
  body["messages"] = ordered_json::array();
  for (const auto& m : request.messages) body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  body["stream"] = request.stream;  // Ollama streams unless told not to
  ordered_json options;
  options["num_ctx"] = num_ctx;
  const Sampling& s = request.sampling;
  if (s.temperature) options["temperature"] = *s.temperature;
  if (s.top_p) options["top_p"] = *s.top_p;
  if (s.seed) options["seed"] = *s.seed;
  if (s.max_tokens) options["num_predict"] = *s.max_tokens;
  if (!s.stop.empty()) options["stop"] = s.stop;
  body["options"] = options;
  return body.dump();
}

int64_t EstimatePromptTokens(const LlmRequest& request) {
  size_t bytes = 0;
  for (const auto& m : request.messages) bytes += m.content.size();
  return static_cast<int64_t>(bytes / 4);
}

OllamaBackend::OllamaBackend(ModelSpec spec, BackendOptions options)
    : spec_(std::move(spec)), options_(WithDefaults(std::move(options))) {}

Result<int64_t> OllamaBackend::ResolveNumCtx(const LlmRequest& request) {
  if (request.num_ctx) return *request.num_ctx;
  if (options_.num_ctx) return *options_.num_ctx;
  if (shown_num_ctx_) return *shown_num_ctx_;
  HttpRequest hr;
  hr.url = spec_.base_url + "/api/show";
  hr.headers = {{"Content-Type", "application/json"}};
  hr.body = ordered_json{{"model", spec_.model}}.dump();
  hr.limits = options_.transport;
  HttpResponse resp = http_.Perform(hr);
  if (resp.status >= 300) {
    bool retry = false;
    return ClassifyHttpError(resp.status, resp.body, spec_.provider, spec_.model, hr.url, &retry);
  }
  if (resp.error) return *resp.error;
  json j = json::parse(resp.body, nullptr, false);
  int64_t found = 0;
  // A Modelfile's "PARAMETER num_ctx N" is what the model's author chose; prefer it.
  if (const json* p = j.is_discarded() ? nullptr : Member(j, "parameters"); p && p->is_string()) {
    for (const auto& line : util::Split(p->get<std::string>(), '\n')) {
      auto words = util::Split(util::Trim(line), ' ');
      words.erase(std::remove(words.begin(), words.end(), ""), words.end());
      if (words.size() == 2 && words[0] == "num_ctx") {
        found = std::atoll(words[1].c_str());
      }
    }
  }
  if (found <= 0) {
    if (const json* info = j.is_discarded() ? nullptr : Member(j, "model_info"); info && info->is_object()) {
      for (const auto& [key, value] : info->items()) {
        if (util::EndsWith(key, ".context_length") && value.is_number()) {
          found = std::min(value.get<int64_t>(), options_.auto_num_ctx_cap);
        }
      }
    }
  }
  if (found <= 0) {
    found = kFallbackNumCtx;
    options_.warn("Ollama reports no context length for '" + spec_.model + "': using num_ctx " +
                  std::to_string(found) + "; set --num-ctx to choose");
  }
  shown_num_ctx_ = found;
  return found;
}

LlmResult OllamaBackend::DoComplete(const LlmRequest& request, const StreamObserver& observer) {
  return RunWithRetries(options_, observer, [&] {
    AttemptOutcome o;
    auto num_ctx = ResolveNumCtx(request);
    if (!num_ctx) {
      o.result.provider = ProviderName(spec_.provider);
      o.result.requested_model = spec_.model;
      o.result.error = num_ctx.error();
      o.retryable = TransportErrorRetryable(num_ctx.error());
      return o;
    }
    o.result = Attempt(request, *num_ctx, observer, &o.retryable, &o.hint);
    return o;
  });
}

LlmResult OllamaBackend::Attempt(const LlmRequest& request, int64_t num_ctx, const StreamObserver& observer,
                                 bool* retryable, std::optional<RetryHint>* hint) {
  LlmResult r;
  r.provider = ProviderName(spec_.provider);
  r.requested_model = spec_.model;
  HttpRequest hr;
  hr.url = spec_.base_url + "/api/chat";
  hr.body = BuildOllamaRequestBody(spec_, request, num_ctx);
  hr.headers = {{"Content-Type", "application/json"}};
  if (!spec_.api_key.empty()) hr.headers.emplace_back("Authorization", "Bearer " + spec_.api_key);
  hr.limits = options_.transport;
  hr.streaming = request.stream;

  Gathered g;
  std::string raw;
  const int64_t start_us = util::MonotonicUs();
  LineSplitter lines([&](std::string_view line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      g.error = Error{kTransportServerError,
                      "malformed JSON in NDJSON line " + std::to_string(g.lines + 1) + ": " + Excerpt(line)};
      g.error_retryable = true;
      return false;
    }
    ApplyLine(j, &g, observer.on_text, start_us);
    return !g.error;
  });
  if (request.stream) {
    hr.on_data = [&](std::string_view piece) {
      if (raw.size() < options_.transport.max_raw_bytes) raw.append(piece);
      return lines.Feed(piece);
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
    r.text = g.content;
    r.reasoning = g.thinking;
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
    lines.Finish();
  } else {
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return fail(Error{kTransportServerError, "malformed JSON reply from " + Where(hr.url) + ": " + Excerpt(resp.body)},
                  true);
    }
    ApplyLine(j, &g, nullptr, start_us);
  }
  if (g.error) return fail(*g.error, g.error_retryable);
  if (!g.done) {
    return fail(Error{kTransportServerError, "the reply from " + Where(hr.url) + " ended before \"done\": true after " +
                                                 std::to_string(g.lines) + " lines"},
                true);
  }
  r.model = g.model.empty() ? spec_.model : g.model;
  // "load"/"unload" are not answers; only stop and length map onto OpenAI's set.
  r.finish_reason = (g.done_reason == "stop" || g.done_reason == "length") ? g.done_reason : "";
  if (g.prompt_eval_count >= 0) {
    r.usage.reported = true;
    r.usage.input_tokens = g.prompt_eval_count + g.prompt_eval_cached_count;
    r.usage.cached_input_tokens = g.prompt_eval_cached_count;
    r.usage.output_tokens = g.eval_count;
  }
  if (g.load_duration_ns >= 0) r.timing.load_s = static_cast<double>(g.load_duration_ns) / 1e9;
  if (g.eval_duration_ns > 0) {
    r.timing.tokens_per_s = static_cast<double>(g.eval_count) * 1e9 / static_cast<double>(g.eval_duration_ns);
  }
  FinishAnswer(&r, g.content, g.thinking, "", options_, spec_.PriceKey());
  // Ollama cuts an overlong prompt to the window and says so only in its own log.
  const int64_t estimate = EstimatePromptTokens(request);
  const int64_t evaluated = g.prompt_eval_count + g.prompt_eval_cached_count;
  const bool filled = g.prompt_eval_count >= 0 && evaluated >= num_ctx - 1;
  const bool cannot_fit = 2 * estimate > 3 * num_ctx;
  if (filled || cannot_fit) {
    r.flags.push_back(kTransportContextTruncated);
    r.error = Error{kTransportContextTruncated,
                    "Ollama silently truncated the prompt: it evaluated " + std::to_string(evaluated) +
                        " prompt tokens with num_ctx " + std::to_string(num_ctx) + " (the prompt is about " +
                        std::to_string(estimate) + " tokens); raise --num-ctx or shorten the prompt"};
  } else if (g.prompt_eval_count >= 0 && evaluated + g.eval_count > num_ctx) {
    r.warnings.push_back("prompt plus answer exceeded num_ctx " + std::to_string(num_ctx) +
                         ": Ollama shifted the context and may have dropped the start of the prompt");
  }
  return r;
}

Result<PingInfo> OllamaBackend::Ping() {
  PingInfo info;
  info.base_url = Where(spec_.base_url);
  HttpRequest hr;
  hr.method = "GET";
  hr.url = spec_.base_url + "/api/tags";
  hr.limits = options_.transport;
  HttpResponse resp = http_.Perform(hr);
  info.latency_s = resp.elapsed_s;
  if (resp.status >= 300) {
    bool retry = false;
    return ClassifyHttpError(resp.status, resp.body, spec_.provider, spec_.model, hr.url, &retry);
  }
  if (resp.error) return *resp.error;
  json j = json::parse(resp.body, nullptr, false);
  const json* models = j.is_discarded() ? nullptr : Member(j, "models");
  if (!models || !models->is_array()) {
    return Error{kTransportServerError, "GET " + Where(hr.url) + " did not return a model list: " + Excerpt(resp.body)};
  }
  const std::string wanted = spec_.model.find(':') == std::string::npos ? spec_.model + ":latest" : spec_.model;
  for (const auto& m : *models) {
    const json* name = Member(m, "name");
    if (!name) name = Member(m, "model");
    if (!name || !name->is_string()) continue;
    info.models.push_back(name->get<std::string>());
    info.model_found = info.model_found || info.models.back() == spec_.model || info.models.back() == wanted;
  }
  return info;
}

}  // namespace autopilot::llm
