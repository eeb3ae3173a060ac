#include "synthetic_store.h"

#include <vector>

#include "autopilot/store/run_store.h"

namespace autopilot::report::testing {
namespace {

struct Attempt {
  std::string status;
  std::string code;
};

// Every attempt makes one LLM call of 100 input + 50 output tokens, 1000 ms and $0.01, and takes
// 2000 ms of wall time, so the sums in the tests are attempts × these.
Result<void> AddRun(store::RunStore& s, store::RunKey key, const std::string& final_status,
                    const std::string& final_code, const std::vector<Attempt>& attempts) {
  auto run = s.BeginRun(key);
  if (!run) return run.error();
  for (size_t i = 0; i < attempts.size(); ++i) {
    auto id = s.BeginAttempt(run->id, key.stage, static_cast<int>(i + 1));
    if (!id) return id.error();
    store::LlmCallRecord call;
    call.attempt_id = *id;
    call.provider = "replay";
    call.model = key.model;
    call.request_json = "{}";
    call.input_tokens = 100;
    call.output_tokens = 50;
    call.total_ms = 1000;
    call.cost_usd = 0.01;
    if (auto c = s.RecordLlmCall(call); !c) return c.error();
    if (auto f = s.FinishAttempt(*id, attempts[i].status, attempts[i].code, {}, "", 2000); !f) return f;
  }
  if (final_status == "running") return Ok();
  return s.FinishRun(run->id, final_status, final_code);
}

}  // namespace

std::string WriteKnownStore(const std::string& path) {
  auto s = store::RunStore::Open(path);
  if (!s) return s.error().message;
  int rep = 0;
  auto key = [&rep](const std::string& model, const std::string& format, const std::string& stage) {
    return store::RunKey{"study", stage, model, format, "default", rep++};
  };
  const Attempt pass{"passed", ""};
  auto fail = [](const std::string& code) { return Attempt{"failed", code}; };
  auto error = [](const std::string& code) { return Attempt{"error", code}; };
  std::vector<Result<void>> results;

  // Cell m1 · md · sg · default: 10 finished runs, 7 passed.
  for (int i = 0; i < 4; ++i) results.push_back(AddRun(*s, key("m1", "md", "sg"), "passed", "", {pass}));
  for (int i = 0; i < 2; ++i) {
    results.push_back(AddRun(*s, key("m1", "md", "sg"), "passed", "", {fail("build.undeclared"), pass}));
  }
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "passed", "",
                           {fail("build.missing_header"), fail("build.undeclared"), pass}));
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "failed", "build.undeclared",
                           {fail("build.undeclared"), fail("build.undeclared"), fail("build.undeclared")}));
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "failed", "build.api_mismatch",
                           {fail("format.no_code"), fail("build.api_mismatch"), fail("build.api_mismatch")}));
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "error", "transport.timeout",
                           {error("transport.timeout"), error("transport.timeout"), error("transport.timeout")}));
  //   … and 2 unfinished runs: one still running after a failed attempt, one interrupted.
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "running", "", {fail("runtime.crash")}));
  results.push_back(AddRun(*s, key("m1", "md", "sg"), "interrupted", "harness.interrupted",
                           {{"interrupted", "harness.interrupted"}}));

  // Cell m1 · json · sg · default: 4 runs, 1 passed at once, 3 failed after one attempt each; the
  // last one's attempt carries no code at all (unclassified).
  results.push_back(AddRun(*s, key("m1", "json", "sg"), "passed", "", {pass}));
  for (int i = 0; i < 2; ++i) {
    results.push_back(AddRun(*s, key("m1", "json", "sg"), "failed", "static.structure", {fail("static.structure")}));
  }
  results.push_back(AddRun(*s, key("m1", "json", "sg"), "failed", "", {fail("")}));

  // Cell m2 · md · dp · default: 2 of 2 passed at once.
  for (int i = 0; i < 2; ++i) results.push_back(AddRun(*s, key("m2", "md", "dp"), "passed", "", {pass}));

  // Cell m2 · json · dp · default: one run that never started an attempt and is still running.
  results.push_back(AddRun(*s, key("m2", "json", "dp"), "running", "", {}));

  for (const auto& r : results) {
    if (!r) return r.error().message;
  }
  return "";
}

}  // namespace autopilot::report::testing
