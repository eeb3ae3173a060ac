// autopilot llm chat --model SPEC [...] | autopilot llm ping SPEC

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <iterator>
#include <memory>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/config/project_config.h"
#include "autopilot/llm/backend.h"
#include "autopilot/llm/hygiene.h"
#include "autopilot/llm/pricing.h"
#include "autopilot/llm/result_json.h"
#include "autopilot/pipeline/backend_factory.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

/// Options of `llm chat` and `llm ping`, bound to CLI11.
struct LlmOptions {
  std::string model;
  std::string system;
  std::string prompt;
  bool stream = false;
  double temperature = 0;
  double top_p = 0;
  int64_t seed = 0;
  int64_t max_tokens = 0;
  int64_t num_ctx = 0;
  std::vector<std::string> stop;
  std::string preset;
  std::string record;
  std::string pricing;
  bool json = false;
  double timeout_s = 1800;
  double idle_timeout_s = 300;
  double connect_timeout_s = 10;
  int retries = 4;
  // Which optional flags were given.
  CLI::Option* temperature_opt = nullptr;
  CLI::Option* top_p_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
  CLI::Option* max_tokens_opt = nullptr;
  CLI::Option* num_ctx_opt = nullptr;
};

int UsageError(bool json, const std::string& message) {
  return ReportFailure(json, Error{errc::kUsage, message});
}

llm::BackendOptions MakeBackendOptions(const LlmOptions& o) {
  llm::BackendOptions b;
  b.transport.deadline_s = o.timeout_s;
  b.transport.idle_timeout_s = o.idle_timeout_s;
  b.transport.connect_timeout_s = o.connect_timeout_s;
  b.retry.max_retries = o.retries;
  b.warn = [](const std::string& m) { std::cerr << "autopilot: warning: " << m << "\n"; };
  return b;
}



int RunChat(const GlobalOptions& g, const LlmOptions& o) {
  const bool json = g.json || o.json;
  std::string spec_text = o.model;
  std::string preset = o.preset;
  std::string project_dir;
  int64_t config_num_ctx = 0;
  if (spec_text.empty() || preset.empty() || !o.num_ctx_opt->count()) {
    auto cfg = LoadConfig(g);
    if (!cfg) return UsageError(json, cfg.error().message);
    if (spec_text.empty()) spec_text = cfg->llm.model;
    if (preset.empty()) preset = cfg->llm.preset;
    project_dir = cfg->base_dir;
    config_num_ctx = cfg->llm.num_ctx;
  }
  if (spec_text.empty()) {
    return UsageError(json, "no model: give --model PROVIDER:MODEL[@BASE_URL] or set llm.model in autopilot.yaml");
  }
  auto spec = llm::ParseModelSpec(spec_text, llm::ProcessEnv());
  if (!spec) {
    return ReportFailure(json, spec.error());
  }
  auto sampling = llm::PresetSampling(preset);
  if (!sampling) return UsageError(json, sampling.error().message);
  if (o.temperature_opt->count()) sampling->temperature = o.temperature;
  if (o.top_p_opt->count()) sampling->top_p = o.top_p;
  if (o.seed_opt->count()) sampling->seed = o.seed;
  if (o.max_tokens_opt->count()) sampling->max_tokens = o.max_tokens;
  if (!o.stop.empty()) sampling->stop = o.stop;

  std::string prompt = o.prompt;
  if (prompt == "-") {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (prompt.empty()) {
    return UsageError(json, "no prompt: give --prompt TEXT, or --prompt - to read it from stdin");
  }
  if (!o.record.empty() && spec->provider == llm::Provider::kReplay) {
    return UsageError(json, "--record cannot be combined with a replay: model");
  }

  llm::BackendOptions options = MakeBackendOptions(o);
  auto prices = pipeline::LoadPrices(o.pricing, {project_dir, "."});
  if (!prices) return UsageError(json, prices.error().message);
  options.prices = *prices;
  auto backend = llm::MakeBackend(*spec, options);
  if (!backend) {
    return ReportFailure(json, backend.error());
  }
  std::unique_ptr<llm::LlmBackend> client = std::move(*backend);
  if (!o.record.empty()) {
    auto recording = llm::WithRecording(std::move(client), *spec, o.record);
    if (!recording) {
      return ReportFailure(json, recording.error());
    }
    client = std::move(*recording);
  }

  llm::LlmRequest request;
  if (!o.system.empty()) request.messages.push_back({"system", o.system});
  request.messages.push_back({"user", prompt});
  request.sampling = *sampling;
  if (o.num_ctx_opt->count()) {
    request.num_ctx = o.num_ctx;
  } else if (config_num_ctx > 0) {
    request.num_ctx = config_num_ctx;  // llm.num_ctx in autopilot.yaml
  }
  request.stream = o.stream;

  llm::StreamObserver observer;
  llm::ThinkFilter think;
  const bool live = o.stream && !json;
  if (live) {
    observer.on_text = [&](std::string_view piece) {
      std::cout << think.Feed(piece);
      std::cout.flush();
    };
  }
  observer.on_retry = [&](const llm::TransportAttempt& a) {
    std::cerr << "autopilot: " << a.code << ": " << a.message << "; retrying in " << a.wait_s << " s ("
              << a.wait_source << ")\n";
    if (live) {
      std::cout << "\n";
      think = llm::ThinkFilter();
    }
  };
  llm::LlmResult r = client->Complete(request, observer);

  if (json) {
    nlohmann::ordered_json doc;
    doc["spec"] = client->Describe();
    const nlohmann::ordered_json body = llm::ResultToJson(r, true);
    for (auto it = body.begin(); it != body.end(); ++it) doc[it.key()] = it.value();
    PrintJson(doc);
  } else {
    if (live) {
      std::cout << think.Finish();
      if (r.ok() || !r.text.empty()) std::cout << "\n";
    } else if (!r.text.empty()) {
      std::cout << r.text;
      if (r.text.back() != '\n') std::cout << "\n";
    }
    std::cout.flush();
    if (r.error) PrintError(r.error->code + ": " + r.error->message);
  }
  return r.ok() ? kExitOk : kExitFailed;
}

int RunPing(const GlobalOptions& g, const LlmOptions& o) {
  const bool json = g.json || o.json;
  auto spec = llm::ParseModelSpec(o.model, llm::ProcessEnv());
  if (!spec) {
    return ReportFailure(json, spec.error());
  }
  LlmOptions short_limits = o;
  short_limits.timeout_s = std::min(o.timeout_s, 30.0);
  short_limits.idle_timeout_s = std::min(o.idle_timeout_s, 30.0);
  auto backend = llm::MakeBackend(*spec, MakeBackendOptions(short_limits));
  if (!backend) {
    return ReportFailure(json, backend.error());
  }
  auto info = (*backend)->Ping();
  const std::string described = (*backend)->Describe();
  if (!info) {
    if (json) {
      nlohmann::ordered_json doc{{"ok", false}, {"spec", described},
                                 {"error", {{"code", info.error().code}, {"message", info.error().message}}}};
      PrintJson(doc);
    } else {
      PrintError(info.error().code + ": " + info.error().message);
    }
    return kExitFailed;
  }
  std::string problem;
  if (!info->model_found) {
    std::string hint = util::ClosestMatch(spec->model, info->models);
    problem = "the server at " + info->base_url + " answers but has no model '" + spec->model + "'" +
              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
              (spec->provider == llm::Provider::kOllama ? "; run 'ollama pull " + spec->model + "'" : "");
  }
  if (json) {
    nlohmann::ordered_json doc{{"ok", info->model_found},
                               {"spec", described},
                               {"base_url", info->base_url},
                               {"model_found", info->model_found},
                               {"models", info->models},
                               {"latency_s", info->latency_s}};
    doc["error"] = problem.empty() ? nlohmann::ordered_json(nullptr)
                                   : nlohmann::ordered_json{{"code", "env.misconfigured"}, {"message", problem}};
    PrintJson(doc);
  } else if (problem.empty()) {
    std::cout << "ok: " << described << " reachable (" << static_cast<int>(info->latency_s * 1000)
              << " ms), model present (" << info->models.size() << " models served)\n";
  } else {
    PrintError("env.misconfigured: " + problem);
  }
  return problem.empty() ? kExitOk : kExitFailed;
}

void AddTransportFlags(CLI::App* app, LlmOptions* o) {
  app->add_option("--timeout", o->timeout_s, "Overall deadline of one call in seconds")
      ->default_val(1800)
      ->check(CLI::PositiveNumber);
  app->add_option("--idle-timeout", o->idle_timeout_s, "Abort when no byte arrives for this many seconds")
      ->default_val(300)
      ->check(CLI::PositiveNumber);
  app->add_option("--connect-timeout", o->connect_timeout_s, "Connection timeout in seconds")
      ->default_val(10)
      ->check(CLI::PositiveNumber);
  app->add_flag("--json", o->json, "Machine-readable JSON output on stdout");
}

}  // namespace

CommandRunner SetupLlm(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto o = std::make_shared<LlmOptions>();
  auto action = std::make_shared<std::string>();
  CLI::App* chat = sub->add_subcommand(
      "chat",
      "Send one prompt and print the answer (<think> blocks removed), or with --json the normalised "
      "result. Exit 0 on success, 1 on an LLM/transport failure (its taxonomy code is printed), 2 on "
      "usage errors.");
  chat->add_option("--model", o->model,
                   "PROVIDER:MODEL[@BASE_URL]: openai:gpt-4o, ollama:qwen2.5-coder:32b, "
                   "openai-compatible:NAME@http://HOST:PORT/v1, replay:CASSETTE.jsonl (default: llm.model "
                   "in autopilot.yaml)");
  chat->add_option("--system", o->system, "System message");
  chat->add_option("--prompt", o->prompt, "User message, or - to read it from stdin");
  chat->add_flag("--stream", o->stream, "Stream the answer (SSE/NDJSON) and print it as it arrives");
  o->temperature_opt = chat->add_option("--temperature", o->temperature, "Sampling temperature")
                           ->check(CLI::Range(0.0, 2.0));
  o->top_p_opt = chat->add_option("--top-p", o->top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
  o->seed_opt = chat->add_option("--seed", o->seed, "Sampling seed (where the provider honours it)");
  o->max_tokens_opt = chat->add_option("--max-tokens", o->max_tokens, "Output token limit")
                          ->check(CLI::PositiveNumber);
  o->num_ctx_opt = chat->add_option("--num-ctx", o->num_ctx,
                                    "Ollama context window in tokens (default: the model's, from /api/show)")
                       ->check(CLI::PositiveNumber);
  chat->add_option("--stop", o->stop, "Stop sequence (repeatable)");
  chat->add_option("--preset", o->preset,
                   std::string("Sampling preset: ") + llm::PresetNames() +
                       " (deterministic = temperature 0.1, top_p 0.3); flags override it");
  chat->add_option("--record", o->record, "Append the request and answer to this JSONL cassette");
  chat->add_option("--pricing", o->pricing, "Pricing file (default: $AUTOPILOT_PRICING, ./pricing.yaml)");
  chat->add_option("--retries", o->retries, "Transport retries (429, 5xx, resets, timeouts)")
      ->default_val(4)
      ->check(CLI::Range(0, 20));
  AddTransportFlags(chat, o.get());
  chat->callback([action] { *action = "chat"; });

  CLI::App* ping = sub->add_subcommand(
      "ping", "Check that the server answers and has the model (/api/tags or /v1/models). Exit 0 when "
              "both hold, 1 when not, 2 on a bad spec.");
  ping->add_option("spec", o->model, "PROVIDER:MODEL[@BASE_URL]")->required();
  AddTransportFlags(ping, o.get());
  ping->callback([action] { *action = "ping"; });

  return [globals, o, action]() -> int {
    if (*action == "ping") return RunPing(*globals, *o);
    return RunChat(*globals, *o);
  };
}

}  // namespace autopilot::cli
