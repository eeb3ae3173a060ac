#pragma once
// Replies as the real servers frame them (field order, nulls and all), built from a list of text
// pieces. Shapes follow anchors.md §2: OpenAI chat.completion(.chunk), vLLM's usage chunk with
// "choices": null, llama.cpp's "timings", Ollama's NDJSON with nanosecond durations.

#include <string>
#include <vector>

namespace autopilot::llm::testing {

/// An OpenAI (or compatible) SSE stream: role chunk, one chunk per piece, a finish chunk, the
/// usage chunk and "data: [DONE]".
struct OpenAiStreamSpec {
  std::vector<std::string> pieces;
  std::string model = "gpt-4o-2024-08-06";
  std::string finish_reason = "stop";
  int prompt_tokens = 19;
  int completion_tokens = 10;
  int cached_tokens = 0;
  int reasoning_tokens = 0;
  bool usage_chunk = true;
  bool usage_choices_null = false;  ///< vLLM
  bool llama_cpp_timings = false;   ///< llama.cpp: timings in the final chunk
  bool done = true;
  bool comments = false;            ///< ": keep-alive" comment lines (OpenRouter)
  bool crlf = false;                ///< CRLF line ends
};
std::string OpenAiStream(const OpenAiStreamSpec& spec);

/// A non-streamed chat.completion.
std::string OpenAiCompletion(const std::string& content, const std::string& finish_reason = "stop",
                             int prompt_tokens = 19, int completion_tokens = 10,
                             const std::string& model = "gpt-4o-2024-08-06", const std::string& refusal = "");

/// An OpenAI error body.
std::string OpenAiError(const std::string& message, const std::string& type, const std::string& code);

/// Ollama /api/chat NDJSON: one line per piece, then the final "done": true line.
struct OllamaStreamSpec {
  std::vector<std::string> pieces;
  std::string model = "qwen2.5-coder:32b";
  std::string done_reason = "stop";
  long long prompt_eval_count = 26;
  long long eval_count = 290;
  long long load_duration_ns = 5025959;
  long long eval_duration_ns = 4709213000LL;
  bool done = true;
};
std::string OllamaStream(const OllamaStreamSpec& spec);
/// The same answer as one JSON object (stream: false).
std::string OllamaSingle(const OllamaStreamSpec& spec);

}  // namespace autopilot::llm::testing
