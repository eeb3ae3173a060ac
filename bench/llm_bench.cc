// LLM client overhead: OpenAiBackend::Complete (HTTP + parse + bookkeeping) against the same
// request made with plain libcurl, same loopback server, same run; and SSE parsing throughput.
//
//   build-llm/bench/bench_llm --benchmark_min_time=1
//
// Compare BM_PlainCurl/<kind> with BM_Client/<kind>: the ratio is the client's cost per call.

#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <nlohmann/json.hpp>
#include <string>

#include "autopilot/llm/openai_backend.h"
#include "autopilot/llm/stream_parsers.h"
#include "dialects.h"
#include "mock_server.h"

namespace {

using autopilot::llm::LlmRequest;
using autopilot::llm::ModelSpec;
using autopilot::llm::Provider;
namespace t = autopilot::llm::testing;

/// Reply kinds: 0 = small non-streamed completion, 1 = streamed (60 chunks), 2 = 1 MB completion.
std::string ReplyBody(int kind) {
  if (kind == 0) return t::OpenAiCompletion("void setup() {\n  Serial.begin(9600);\n}\n");
  if (kind == 1) {
    t::OpenAiStreamSpec s;
    for (int i = 0; i < 60; ++i) s.pieces.push_back("token" + std::to_string(i) + " ");
    return t::OpenAiStream(s);
  }
  std::string big;
  for (int i = 0; big.size() < (1u << 20); ++i) big += "const float w" + std::to_string(i) + " = 0.5f;\n";
  return t::OpenAiCompletion(big);
}

t::MockServer& Server() {
  static t::MockServer server([](const t::MockRequest& req) {
    const bool stream = req.body.find("\"stream\":true") != std::string::npos;
    static const std::string small = ReplyBody(0);
    static const std::string streamed = ReplyBody(1);
    static const std::string big = ReplyBody(2);
    if (stream) return t::FullResponse(200, "text/event-stream", streamed);
    if (req.body.find("BIG") != std::string::npos) return t::FullResponse(200, "application/json", big);
    return t::FullResponse(200, "application/json", small);
  });
  return server;
}

LlmRequest Request(int kind) {
  LlmRequest r;
  r.messages = {{"system", "You write Arduino sketches."}, {"user", kind == 2 ? "BIG" : "Blink the LED."}};
  r.sampling.temperature = 0.1;
  r.sampling.top_p = 0.3;
  r.stream = kind == 1;
  return r;
}

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

/// The baseline: one reused easy handle, the same body and headers, the reply kept in a string.
void BM_PlainCurl(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  ModelSpec spec{Provider::kOpenAi, "gpt-4o", Server().url() + "/v1", "sk-bench"};
  const std::string body = autopilot::llm::BuildOpenAiRequestBody(spec, Request(kind));
  const std::string url = spec.base_url + "/chat/completions";
  CURL* easy = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Authorization: Bearer sk-bench");
  headers = curl_slist_append(headers, "Expect:");
  std::string reply;
  size_t bytes = 0;
  for (auto _ : state) {
    reply.clear();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply);
    if (curl_easy_perform(easy) != CURLE_OK || reply.empty()) {
      state.SkipWithError("plain libcurl request failed");
      break;
    }
    bytes += reply.size();
    benchmark::DoNotOptimize(reply.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
}
BENCHMARK(BM_PlainCurl)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

/// Our client: the same request through OpenAiBackend (transport, SSE/JSON parse, hygiene, usage).
void BM_Client(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  ModelSpec spec{Provider::kOpenAi, "gpt-4o", Server().url() + "/v1", "sk-bench"};
  autopilot::llm::BackendOptions options;
  options.warn = [](const std::string&) {};
  autopilot::llm::OpenAiBackend backend(spec, options);
  const LlmRequest req = Request(kind);
  size_t bytes = 0;
  for (auto _ : state) {
    auto r = backend.Complete(req);
    if (!r.ok()) {
      state.SkipWithError(r.error->message.c_str());
      break;
    }
    bytes += r.text.size();
    benchmark::DoNotOptimize(r.text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Client)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();

std::string BigStream() {
  t::OpenAiStreamSpec s;
  for (int i = 0; i < 40000; ++i) s.pieces.push_back("  analogRead(A" + std::to_string(i % 8) + ");\n");
  return t::OpenAiStream(s);
}

/// SSE framing alone.
void BM_SseSplit(benchmark::State& state) {
  static const std::string stream = BigStream();
  const size_t piece = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    size_t events = 0;
    autopilot::llm::SseParser parser([&](const autopilot::llm::SseEvent& e) {
      events += e.data.size() > 0;
      return true;
    });
    for (size_t at = 0; at < stream.size(); at += piece) parser.Feed(std::string_view(stream).substr(at, piece));
    parser.Finish();
    benchmark::DoNotOptimize(events);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_SseSplit)->Arg(16 * 1024)->Arg(64)->Unit(benchmark::kMillisecond);

/// SSE framing plus the JSON parse of every event, as the backend does it.
void BM_SseSplitAndParse(benchmark::State& state) {
  static const std::string stream = BigStream();
  for (auto _ : state) {
    std::string text;
    autopilot::llm::SseParser parser([&](const autopilot::llm::SseEvent& e) {
      if (e.data == "[DONE]") return true;
      auto j = nlohmann::json::parse(e.data, nullptr, false);
      const auto& c = j["choices"];
      if (c.is_array() && !c.empty() && c[0]["delta"].contains("content")) {
        text += c[0]["delta"]["content"].get_ref<const std::string&>();
      }
      return true;
    });
    for (size_t at = 0; at < stream.size(); at += 16 * 1024) parser.Feed(std::string_view(stream).substr(at, 16 * 1024));
    parser.Finish();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_SseSplitAndParse)->Unit(benchmark::kMillisecond);

/// The whole streamed path through the backend on the same big stream (transport included).
void BM_ClientBigStream(benchmark::State& state) {
  static t::MockServer server([](const t::MockRequest&) {
    static const std::string stream = BigStream();
    return t::FullResponse(200, "text/event-stream", stream);
  });
  static const size_t size = BigStream().size();
  ModelSpec spec{Provider::kOpenAiCompatible, "m", server.url() + "/v1", ""};
  autopilot::llm::BackendOptions options;
  options.warn = [](const std::string&) {};
  autopilot::llm::OpenAiBackend backend(spec, options);
  LlmRequest req = Request(1);
  for (auto _ : state) {
    auto r = backend.Complete(req);
    if (!r.ok()) {
      state.SkipWithError(r.error->message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.text.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(BM_ClientBigStream)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
