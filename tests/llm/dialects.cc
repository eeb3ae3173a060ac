#include "dialects.h"

#include <nlohmann/json.hpp>

namespace autopilot::llm::testing {
namespace {

using nlohmann::ordered_json;

std::string Event(const std::string& data, bool crlf) {
  const char* nl = crlf ? "\r\n" : "\n";
  return "data: " + data + nl + nl;
}

ordered_json Chunk(const OpenAiStreamSpec& s, ordered_json delta, ordered_json finish) {
  ordered_json c;
  c["id"] = "chatcmpl-AbC123";
  c["object"] = "chat.completion.chunk";
  c["created"] = 1730000000;
  c["model"] = s.model;
  c["system_fingerprint"] = "fp_50cad350e4";
  c["choices"] = ordered_json::array(
      {{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish}}});
  if (s.usage_chunk) c["usage"] = nullptr;
  return c;
}

ordered_json Usage(int prompt, int completion, int cached, int reasoning) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cached}, {"audio_tokens", 0}}},
          {"completion_tokens_details",
           {{"reasoning_tokens", reasoning},
            {"audio_tokens", 0},
            {"accepted_prediction_tokens", 0},
            {"rejected_prediction_tokens", 0}}}};
}

}  // namespace

std::string OpenAiStream(const OpenAiStreamSpec& s) {
  std::string out;
  if (s.comments) out += ": OPENROUTER PROCESSING\n\n";
  out += Event(Chunk(s, {{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}}, nullptr).dump(), s.crlf);
  for (const auto& p : s.pieces) {
    out += Event(Chunk(s, {{"content", p}}, nullptr).dump(), s.crlf);
    if (s.comments) out += ": keep-alive\n";
  }
  if (!s.finish_reason.empty()) {
    ordered_json last = Chunk(s, ordered_json::object(), s.finish_reason);
    if (s.llama_cpp_timings) {
      last["usage"] = Usage(s.prompt_tokens, s.completion_tokens, 0, 0);
      last["timings"] = {{"prompt_n", s.prompt_tokens - s.cached_tokens},
                         {"prompt_ms", 120.5},
                         {"prompt_per_token_ms", 6.3},
                         {"prompt_per_second", 157.7},
                         {"predicted_n", s.completion_tokens},
                         {"predicted_ms", 250.0},
                         {"predicted_per_token_ms", 25.0},
                         {"predicted_per_second", 40.0},
                         {"cache_n", s.cached_tokens}};
    }
    out += Event(last.dump(), s.crlf);
  }
  if (s.usage_chunk && !s.llama_cpp_timings) {
    ordered_json u;
    u["id"] = "chatcmpl-AbC123";
    u["object"] = "chat.completion.chunk";
    u["created"] = 1730000000;
    u["model"] = s.model;
    u["system_fingerprint"] = "fp_50cad350e4";
    u["choices"] = s.usage_choices_null ? ordered_json(nullptr) : ordered_json::array();
    u["usage"] = Usage(s.prompt_tokens, s.completion_tokens, s.cached_tokens, s.reasoning_tokens);
    out += Event(u.dump(), s.crlf);
  }
  if (s.done) out += Event("[DONE]", s.crlf);
  return out;
}

std::string OpenAiCompletion(const std::string& content, const std::string& finish_reason, int prompt_tokens,
                             int completion_tokens, const std::string& model, const std::string& refusal) {
  ordered_json j;
  j["id"] = "chatcmpl-AbC123";
  j["object"] = "chat.completion";
  j["created"] = 1730000000;
  j["model"] = model;
  ordered_json message = {{"role", "assistant"},
                          {"content", refusal.empty() ? ordered_json(content) : ordered_json(nullptr)},
                          {"refusal", refusal.empty() ? ordered_json(nullptr) : ordered_json(refusal)}};
  j["choices"] = ordered_json::array(
      {{{"index", 0}, {"message", message}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}});
  j["usage"] = Usage(prompt_tokens, completion_tokens, 0, 0);
  j["system_fingerprint"] = "fp_50cad350e4";
  return j.dump(2);  // OpenAI pretty-prints non-streamed replies
}

std::string OpenAiError(const std::string& message, const std::string& type, const std::string& code) {
  ordered_json j;
  j["error"] = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}};
  return j.dump(4) + "\n";
}

std::string OllamaStream(const OllamaStreamSpec& s) {
  std::string out;
  for (const auto& p : s.pieces) {
    ordered_json line;
    line["model"] = s.model;
    line["created_at"] = "2025-01-01T12:00:00.000000000Z";
    line["message"] = {{"role", "assistant"}, {"content", p}};
    line["done"] = false;
    out += line.dump() + "\n";
  }
  if (s.done) {
    ordered_json last;
    last["model"] = s.model;
    last["created_at"] = "2025-01-01T12:00:05.000000000Z";
    last["message"] = {{"role", "assistant"}, {"content", ""}};
    last["done_reason"] = s.done_reason;
    last["done"] = true;
    last["total_duration"] = 5043500667LL;
    last["load_duration"] = s.load_duration_ns;
    last["prompt_eval_count"] = s.prompt_eval_count;
    last["prompt_eval_duration"] = 325953000;
    last["eval_count"] = s.eval_count;
    last["eval_duration"] = s.eval_duration_ns;
    out += last.dump() + "\n";
  }
  return out;
}

std::string OllamaSingle(const OllamaStreamSpec& s) {
  std::string content;
  for (const auto& p : s.pieces) content += p;
  ordered_json j;
  j["model"] = s.model;
  j["created_at"] = "2025-01-01T12:00:05.000000000Z";
  j["message"] = {{"role", "assistant"}, {"content", content}};
  j["done_reason"] = s.done_reason;
  j["done"] = true;
  j["total_duration"] = 5043500667LL;
  j["load_duration"] = s.load_duration_ns;
  j["prompt_eval_count"] = s.prompt_eval_count;
  j["prompt_eval_duration"] = 325953000;
  j["eval_count"] = s.eval_count;
  j["eval_duration"] = s.eval_duration_ns;
  return j.dump();
}

}  // namespace autopilot::llm::testing
