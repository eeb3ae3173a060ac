#include "autopilot/llm/backend_common.h"

#include <chrono>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "autopilot/llm/hygiene.h"
#include "autopilot/llm/pricing.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

/// The server's own words from an error body (OpenAI, Ollama and llama.cpp shapes).
struct ServerError {
  std::string message;
  std::string type;
  std::string code;
};

ServerError ParseServerError(const std::string& body) {
  ServerError e;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error")) {
    e.message = util::Trim(body.substr(0, 300));
    return e;
  }
  const json& err = j["error"];
  if (err.is_string()) {
    e.message = err.get<std::string>();
  } else if (err.is_object()) {
    if (err.contains("message") && err["message"].is_string()) e.message = err["message"];
    if (err.contains("type") && err["type"].is_string()) e.type = err["type"];
    if (err.contains("code")) {
      e.code = err["code"].is_string() ? err["code"].get<std::string>() : err["code"].dump();
    }
  }
  return e;
}

bool MentionsContext(const ServerError& e) {
  const std::string m = util::ToLower(e.message);
  return e.code == "context_length_exceeded" || e.type == "exceed_context_size_error" ||
         m.find("context length") != std::string::npos ||
         m.find("context size") != std::string::npos ||
         m.find("context window") != std::string::npos ||
         m.find("maximum context") != std::string::npos;
}

const char* KeyVariable(Provider p) {
  switch (p) {
    case Provider::kOpenAi: return "OPENAI_API_KEY";
    case Provider::kOpenAiCompatible: return "OPENAI_COMPATIBLE_API_KEY (and the server's --api-key)";
    case Provider::kOllama: return "your Ollama sign-in (ollama signin) for cloud models";
    case Provider::kReplay: return "nothing (replay needs no key)";
  }
  return "";
}

}  // namespace

std::string Where(const std::string& url) { return util::RedactUrlCredentials(url); }

LlmResult RunWithRetries(const BackendOptions& options, const StreamObserver& observer,
                         const std::function<AttemptOutcome()>& attempt) {
  std::mt19937_64 rng(options.jitter_seed ? options.jitter_seed : std::random_device{}());
  const RetryPolicy& policy = options.retry;
  std::vector<TransportAttempt> attempts;
  double waited = 0;
  for (int retry = 0;; ++retry) {
    AttemptOutcome o = attempt();
    auto finish = [&](std::string suffix) {
      if (!suffix.empty() && o.result.error) o.result.error->message += suffix;
      o.result.attempts = attempts;
      o.result.transport_retries = static_cast<int>(attempts.size());
      return std::move(o.result);
    };
    if (o.result.ok() || !o.retryable) return finish("");
    if (retry >= policy.max_retries) {
      return finish(retry == 0 ? std::string() : " (gave up after " + std::to_string(retry) + " retries)");
    }
    TransportAttempt a;
    a.http_status = o.result.http_status;
    a.code = o.result.error->code;
    a.message = o.result.error->message;
    if (o.hint) {
      if (o.hint->seconds > policy.max_delay_s) {
        return finish(" (the server asks to wait " + Fixed(o.hint->seconds) + " s, more than the " +
                      Fixed(policy.max_delay_s) + " s allowed; not retried)");
      }
      a.wait_s = o.hint->seconds;
      a.wait_source = o.hint->source;
    } else {
      a.wait_s = BackoffDelay(policy, retry, &rng);
      a.wait_source = "backoff";
    }
    if (waited + a.wait_s > policy.max_total_wait_s) {
      return finish(" (gave up: retry waits would exceed " + Fixed(policy.max_total_wait_s) + " s)");
    }
    attempts.push_back(a);
    if (observer.on_retry) observer.on_retry(a);
    options.sleep(a.wait_s);
    waited += a.wait_s;
  }
}

Error ClassifyHttpError(int status, const std::string& body, Provider provider,
                        const std::string& model, const std::string& url, bool* retryable) {
  const ServerError e = ParseServerError(body);
  const std::string said = e.message.empty() ? std::string() : " (server: " + e.message + ")";
  const std::string head = "HTTP " + std::to_string(status) + " from " + Where(url);
  *retryable = false;
  if (status == 429) {
    const std::string m = util::ToLower(e.message);
    if (e.code == "insufficient_quota" || e.type == "insufficient_quota" ||
        m.find("exceeded your current quota") != std::string::npos) {
      return {kTransportQuotaExhausted,
              head + ": the account's quota is exhausted" + said +
                  "; add credit or raise the spending limit with the provider, then rerun (not retried)"};
    }
    *retryable = true;
    return {kTransportRateLimited, head + ": rate limited" + said};
  }
  if (status == 401) {
    return {kTransportAuth, head + ": the API key was rejected" + said + "; check " + KeyVariable(provider)};
  }
  if (status == 403) {
    return {kTransportAuth, head + ": access denied" + said + "; the key's project may lack access to model '" +
                                model + "', or the organisation or region is not allowed"};
  }
  if (status == 404) {
    std::string fix = provider == Provider::kOllama
                          ? "run 'ollama pull " + model + "' or check the name with 'ollama list'"
                          : "check the model id and that the base URL ends in /v1";
    return {kEnvMisconfigured, head + ": model '" + model + "' or endpoint not found" + said + "; " + fix};
  }
  if (status == 413 || ((status == 400 || status == 422) && MentionsContext(e))) {
    return {kTransportContextOverflow,
            head + ": the prompt does not fit the model's context window" + said +
                "; shorten the prompt or raise the context size (--num-ctx for Ollama, the server's -c/--max-model-len)"};
  }
  if (status == 408 || status == 409 || status == 425 || status >= 500) {
    *retryable = true;
    if (status >= 500) return {kTransportServerError, head + ": server error" + said};
    return {kTransportTimeout, head + said};
  }
  return {kEnvMisconfigured, head + ": request rejected" + said + "; this is a configuration or tool problem, not the model's"};
}

bool TransportErrorRetryable(const Error& error) {
  return error.code == kTransportTimeout || error.code == kTransportServerError ||
         error.code == kTransportRateLimited;
}

void FinishAnswer(LlmResult* r, const std::string& content, const std::string& extra_reasoning,
                  const std::string& refusal, const BackendOptions& options,
                  const std::string& price_key) {
  SplitAnswer split = StripThink(content);
  r->text = std::move(split.text);
  r->reasoning = extra_reasoning;
  if (!split.reasoning.empty()) {
    if (!r->reasoning.empty()) r->reasoning += "\n";
    r->reasoning += split.reasoning;
  }
  if (r->usage.reported && r->usage.total_tokens == 0) {
    r->usage.total_tokens = r->usage.input_tokens + r->usage.output_tokens;
  }
  std::optional<Error> format_error;
  if (!refusal.empty() || r->finish_reason == "content_filter") {
    r->flags.push_back(kFormatRefusal);
    format_error = Error{kFormatRefusal, "the model refused" + (refusal.empty() ? std::string(" (content filter)")
                                                                                 : ": " + refusal.substr(0, 300))};
  }
  auto rep = FindRepetition(r->text);
  if (!rep) rep = FindRepetition(r->reasoning);
  if (rep) {
    r->flags.push_back(kFormatRepetition);
    if (!format_error) {
      format_error = Error{kFormatRepetition, "degenerate repetition: \"" + rep->unit + "\" repeated " +
                                                  std::to_string(rep->count) + " times in a row"};
    }
  }
  if (r->finish_reason == "length") {
    r->flags.push_back(kFormatTruncated);
    if (!format_error) {
      format_error = Error{kFormatTruncated,
                           "the answer was cut at the output limit (finish_reason=length); raise --max-tokens"};
    }
  }
  if (format_error && !r->error) r->error = format_error;
  if (options.prices) {
    const Cost c = options.prices->CostOf(price_key, r->usage, options.warn);
    r->cost_usd = c.usd;
    r->cost_known = c.known;
  }
}

void ScrubSecret(std::string* s, const std::string& secret) {
  if (secret.size() < 4) return;
  for (size_t at = s->find(secret); at != std::string::npos; at = s->find(secret, at + 3)) {
    s->replace(at, secret.size(), "***");
  }
}

void KeepRaw(LlmResult* r, const std::string& body, size_t max, const std::string& secret) {
  r->raw_truncated = body.size() > max;
  r->raw_response = r->raw_truncated ? body.substr(0, max) : body;
  ScrubSecret(&r->raw_response, secret);
}

BackendOptions WithDefaults(BackendOptions options) {
  if (!options.sleep) {
    options.sleep = [](double s) {
      std::this_thread::sleep_for(std::chrono::duration<double>(s));
    };
  }
  if (!options.warn) {
    options.warn = [](const std::string& m) { std::cerr << "autopilot: warning: " << m << "\n"; };
  }
  return options;
}

}  // namespace autopilot::llm
