#include "autopilot/pipeline/attempt_loop.h"

#include <algorithm>

#include "autopilot/stage/chains.h"
#include "autopilot/taxonomy/category.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/strings.h"

namespace autopilot::pipeline {
namespace {

/// How much of a reply without code the repair prompt quotes.
constexpr size_t kMaxPreviousReply = 4000;

const validate::LayerResult* FirstFailing(const std::vector<validate::LayerResult>& layers) {
  for (const auto& l : layers) {
    if (!l.passed) return &l;
  }
  return nullptr;
}

/// Records one attempt in the store; failures to record are reported, not fatal to the stage.
void Record(const Recorder& rec, const std::string& stage, const Attempt& a) {
  if (rec.observer) rec.observer(stage, a);
  if (!rec.store) return;
  auto recorded = rec.store->InTransaction([&]() -> Result<void> {
    auto id = rec.store->BeginAttempt(rec.run_id, stage, a.number);
    if (!id) return id.error();
    store::LlmCallRecord call;
    call.attempt_id = *id;
    call.provider = a.llm.provider;
    call.model = a.llm.requested_model;
    call.response_model = a.llm.model;
    call.request_json = nlohmann::json{{"system", a.prompt.system}, {"user", a.prompt.user}}.dump();
    call.response_raw = a.llm.raw_response;
    call.text = a.llm.text;
    call.finish_reason = a.llm.finish_reason;
    call.input_tokens = a.llm.usage.input_tokens;
    call.output_tokens = a.llm.usage.output_tokens;
    call.cached_input_tokens = a.llm.usage.cached_input_tokens;
    call.reasoning_tokens = a.llm.usage.reasoning_tokens;
    call.total_ms = static_cast<int64_t>(a.llm.timing.total_s * 1000);
    call.cost_usd = a.llm.cost_usd;
    call.retries = a.llm.transport_retries;
    if (a.llm.error) {
      call.error_code = a.llm.error->code;
      call.error_message = a.llm.error->message;
    }
    if (auto r = rec.store->RecordLlmCall(call); !r) return r.error();
    for (const auto& layer : a.layers) {
      store::ValidationRecord v;
      v.attempt_id = *id;
      v.layer = layer.layer;
      v.passed = layer.passed;
      v.duration_ms = layer.duration_ms;
      if (!layer.diagnostics.empty()) {
        const auto& d = layer.diagnostics.front();
        v.code = d.code;
        v.message = d.message;
        v.file = d.file;
        if (d.line) v.line = *d.line;
        v.hint = d.hint;
      }
      if (auto r = rec.store->RecordValidation(v); !r) return r.error();
    }
    // The validations table keeps each layer's first finding; the full list and what the layers
    // saw (serial transcript, per-sample verdicts) are the attempt's artifacts, for the viewer.
    const std::string prefix = stage + "_attempt" + std::to_string(a.number);
    nlohmann::json all = nlohmann::json::array();
    bool more = false;
    for (const auto& layer : a.layers) {
      more = more || layer.diagnostics.size() > 1;
      for (const auto& d : layer.diagnostics) {
        all.push_back({{"layer", layer.layer}, {"code", d.code}, {"message", d.message}, {"file", d.file},
                       {"line", d.line ? nlohmann::json(*d.line) : nlohmann::json(nullptr)}, {"hint", d.hint}});
      }
      for (const auto& [kind, text] : layer.evidence) {
        if (auto r = rec.store->RecordArtifact(rec.run_id, *id, kind, prefix + "_" + kind, text); !r) {
          return r.error();
        }
      }
    }
    if (more) {
      if (auto r = rec.store->RecordArtifact(rec.run_id, *id, "diagnostics", prefix + "_diagnostics", all.dump()); !r) {
        return r.error();
      }
    }
    if (!a.code.empty()) {
      if (auto r = rec.store->RecordArtifact(rec.run_id, *id, "code", stage + "_attempt" + std::to_string(a.number), a.code); !r) {
        return r.error();
      }
    }
    std::optional<int> numeric;
    if (auto cat = taxonomy::FindById(a.primary_code)) numeric = taxonomy::CodeOf(*cat);
    const validate::LayerResult* failing = FirstFailing(a.layers);
    std::string rule = failing ? "layer:" + failing->layer : "";
    return rec.store->FinishAttempt(*id, a.passed ? "passed" : "failed", a.primary_code, numeric, rule,
                                    a.wall_ms);
  });
  if (!recorded && rec.on_store_error) rec.on_store_error(recorded.error());
}

}  // namespace

std::vector<std::string> FeedbackLines(const validate::LayerResult& failing, size_t max_lines) {
  std::vector<std::string> out;
  for (const auto& d : failing.diagnostics) {
    std::string where = d.file.empty() ? "" : d.file + (d.line ? ":" + std::to_string(*d.line) : "") + ": ";
    std::string line = where + d.code + ": " + d.message + (d.hint.empty() ? "" : " (" + d.hint + ")");
    if (std::find(out.begin(), out.end(), line) != out.end()) continue;  // deduplicate
    out.push_back(line);
    if (out.size() == max_lines) break;
  }
  if (failing.diagnostics.size() > out.size()) {
    out.push_back("… and " + std::to_string(failing.diagnostics.size() - out.size()) + " more");
  }
  return out;
}

nlohmann::json RepairFacts(const Attempt& a, const validate::LayerResult& failing,
                           const exec::Redactor& redactor) {
  bool redacted = false;
  auto scrub = [&](std::string* text) {
    bool replaced = redactor.Apply(text);
    redacted = redacted || replaced || exec::ContainsRedactionMarker(*text);
  };
  std::vector<std::string> lines = FeedbackLines(failing);
  for (auto& line : lines) scrub(&line);
  // Redact before cutting, so that a cut can never leave the start of a secret behind.
  std::string previous = a.code.empty() ? a.llm.text : a.code;
  scrub(&previous);
  if (a.code.empty() && previous.size() > kMaxPreviousReply) previous.resize(kMaxPreviousReply);
  return {{"attempt", a.number},
          {"layer", failing.layer},
          {"code", a.primary_code},
          {"diagnostics", lines},
          {"previous_code", previous},
          {"repeated", false},
          {"redacted", redacted}};
}

StageOutcome RunStage(const StageSpec& spec, const prompt::PromptLibrary& prompts,
                      const std::string& format, llm::LlmBackend* backend, const Budget& budget,
                      const Recorder& recorder) {
  StageOutcome outcome;
  const int64_t start = util::MonotonicMs();
  nlohmann::json facts = spec.facts;
  const exec::Redactor& redactor = spec.redactor ? *spec.redactor : exec::ProcessRedactor();
  std::string previous_signature;
  for (int n = 1; n <= budget.max_attempts; ++n) {
    if (budget.stop && budget.stop->load()) {
      outcome.stop_reason = "interrupted";
      break;
    }
    if (budget.max_tokens > 0 && outcome.tokens >= budget.max_tokens) {
      outcome.stop_reason = "tokens";
      break;
    }
    if (budget.max_cost_usd > 0 && outcome.cost_usd >= budget.max_cost_usd) {
      outcome.stop_reason = "cost";
      break;
    }
    if (budget.max_time_s > 0 && static_cast<double>(util::MonotonicMs() - start) / 1000.0 >= budget.max_time_s) {
      outcome.stop_reason = "time";
      break;
    }
    Attempt a;
    a.number = n;
    const int64_t t0 = util::MonotonicMs();
    const std::string& prompt_stage = spec.prompt_stage.empty() ? spec.stage : spec.prompt_stage;
    auto rendered = n == 1 ? prompts.RenderTask(prompt_stage, format, facts)
                           : prompts.RenderRepair(prompt_stage, format, facts);
    if (!rendered) {
      a.layers.push_back({"format", false, {{"format", "harness.bug", rendered.error().message, "", {}, ""}}, 0});
      a.primary_code = "harness.bug";
      outcome.attempts.push_back(a);
      outcome.stop_reason = "harness";
      break;
    }
    a.prompt = *rendered;
    llm::LlmRequest req;
    req.messages = {{"system", a.prompt.system}, {"user", a.prompt.user}};
    req.sampling = spec.sampling;
    req.tag.stage = spec.stage;
    req.tag.attempt = n;
    a.llm = backend->Complete(req);
    outcome.tokens += a.llm.usage.input_tokens + a.llm.usage.output_tokens;
    outcome.cost_usd += a.llm.cost_usd;
    // Transport and environment failures (a replay without the request, a missing key) are not
    // the LLM's fault and no repair prompt can fix them: the stage stops.
    if (a.llm.error && (util::StartsWith(a.llm.error->code, "transport.") || util::StartsWith(a.llm.error->code, "env."))) {
      a.primary_code = a.llm.error->code;
      a.layers.push_back({"format", false, {{"format", a.llm.error->code, a.llm.error->message, "", {}, ""}}, 0});
      a.wall_ms = util::MonotonicMs() - t0;
      Record(recorder, spec.stage, a);
      outcome.attempts.push_back(a);
      outcome.stop_reason = util::StartsWith(a.llm.error->code, "transport.") ? "transport" : "error";
      break;
    }
    // Format layer: extraction (format.* flags from the backend, e.g. truncation, come first).
    validate::LayerResult format_layer;
    format_layer.layer = "format";
    auto ex = extract::Extract(a.llm.text, spec.lang);
    if (a.llm.error) {
      format_layer.passed = false;
      format_layer.diagnostics.push_back({"format", a.llm.error->code, a.llm.error->message, "", {}, ""});
    } else if (!ex.ok) {
      format_layer.passed = false;
      format_layer.diagnostics.push_back({"format", ex.error_code, ex.message, "", {}, "answer with one complete code block"});
    }
    // Invented paths and template placeholders are a format failure, as in `autopilot validate`.
    if (format_layer.passed && ex.ok) stage::CheckPlaceholders(ex.code, "", &format_layer);
    a.layers.push_back(format_layer);
    if (format_layer.passed) {
      a.code = ex.code;
      for (auto& l : spec.validate(a.code)) a.layers.push_back(std::move(l));
    }
    const auto* failing = FirstFailing(a.layers);
    a.passed = failing == nullptr;
    a.wall_ms = util::MonotonicMs() - t0;
    if (failing && !failing->diagnostics.empty()) a.primary_code = failing->diagnostics.front().code;
    Record(recorder, spec.stage, a);
    outcome.attempts.push_back(a);
    if (!a.code.empty()) outcome.code = a.code;
    if (a.passed) {
      outcome.passed = true;
      outcome.stop_reason = "passed";
      break;
    }
    // Repair facts for the next prompt, with what looked like secrets replaced.
    nlohmann::json repair = RepairFacts(a, *failing, redactor);
    const auto& lines = repair["diagnostics"];
    std::string signature = failing->layer + "|" + a.primary_code + "|" +
                            (lines.empty() ? "" : lines.front().get<std::string>());
    repair["repeated"] = signature == previous_signature;
    facts["repair"] = std::move(repair);
    previous_signature = signature;
    outcome.stop_reason = "attempts";
  }
  return outcome;
}

}  // namespace autopilot::pipeline
