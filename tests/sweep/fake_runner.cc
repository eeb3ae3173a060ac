#include "fake_runner.h"

#include <chrono>
#include <thread>

namespace autopilot::sweep::testing {

CellOutcome FakeRunner::Run(const Cell& cell, store::RunStore& store) {
  ++calls;
  if (on_start) on_start(cell);
  CellOutcome out;
  auto h = store.BeginRun(cell.key, R"({"fake":true})");
  if (!h) return CellOutcome{"error", false, "store", 0, 0, 0, 0, h.error().message};
  if (h->existed) {
    if (h->status != "running") {
      return CellOutcome{"error", false, "store.exists", 0, 0, 0, 0, "finished run begun again"};
    }
    if (auto r = store.ResetRun(h->id); !r) return CellOutcome{"error", false, "store", 0, 0, 0, 0, r.error().message};
  }
  if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  const int attempts = 1 + static_cast<int>(cell.index % 3);
  const bool passes = cell.index % 2 == 0;
  for (int n = 1; n <= attempts; ++n) {
    auto a = store.BeginAttempt(h->id, cell.stages.back(), n);
    if (!a) return CellOutcome{"error", false, "store", 0, 0, 0, 0, a.error().message};
    store::LlmCallRecord call;
    call.attempt_id = *a;
    call.provider = cell.model->provider;
    call.model = cell.model->label;
    call.request_json = "{}";
    call.text = "code " + std::to_string(cell.index) + "/" + std::to_string(n);
    call.input_tokens = 60;
    call.output_tokens = 40;
    call.cost_usd = 0.001;
    (void)store.RecordLlmCall(call);
    bool ok = passes && n == attempts;
    store::ValidationRecord v;
    v.attempt_id = *a;
    v.layer = "build";
    v.passed = ok;
    v.code = ok ? "" : "build.undeclared";
    (void)store.RecordValidation(v);
    (void)store.FinishAttempt(*a, ok ? "passed" : "failed", ok ? "" : "build.undeclared", {}, "", 5);
    out.tokens += 100;
    out.cost_usd += 0.001;
  }
  (void)store.RecordArtifact(h->id, std::nullopt, "code", "sketch.ino", "int x = " + std::to_string(cell.index) + ";");
  out.status = passes ? "passed" : "failed";
  out.code = passes ? "" : "build.undeclared";
  out.attempts = attempts;
  if (auto r = store.FinishRun(h->id, out.status, out.code); !r) {
    return CellOutcome{"error", false, "store", 0, 0, 0, 0, r.error().message};
  }
  if (on_end) on_end(cell);
  return out;
}

SweepConfig SmallConfig(int repetitions, const std::vector<std::string>& providers) {
  SweepConfig c;
  c.name = "test-sweep";
  for (const auto& p : providers) {
    ModelEntry m;
    m.provider = p;
    m.label = p + "-model";
    m.spec = p + ":" + m.label;
    m.resolved = m.spec;
    c.models.push_back(m);
  }
  c.formats = {"json", "prose"};
  c.stages = {"sg"};
  c.presets = {"deterministic"};
  c.repetitions = repetitions;
  return c;
}

}  // namespace autopilot::sweep::testing
