#include "viewer_store.h"

#include "autopilot/store/run_store.h"

namespace autopilot::serve::testing {

std::string WriteViewerStore(const std::string& path) {
  auto st = store::RunStore::Open(path);
  if (!st) return st.error().message;
  auto fail = [](const Error& e) { return e.message; };
  auto run = st->BeginRun({"study", "sg", "replay:m1", "json", "deterministic", 0});
  if (!run) return fail(run.error());
  // Attempt 1: the build layer fails on line 2 of the sketch.
  auto a1 = st->BeginAttempt(run->id, "sg", 1);
  if (!a1) return fail(a1.error());
  store::LlmCallRecord c1;
  c1.attempt_id = *a1;
  c1.provider = "replay";
  c1.model = "m1";
  c1.request_json = R"({"system":"You write sketches.","user":"Write the sketch <b>now</b>."})";
  c1.text = kHostileReply;
  c1.finish_reason = "stop";
  c1.input_tokens = 120;
  c1.output_tokens = 80;
  c1.total_ms = 1500;
  c1.cost_usd = 0.0012;
  if (auto r = st->RecordLlmCall(c1); !r) return fail(r.error());
  store::ValidationRecord v1{*a1, "format", true, "", "", "", {}, "", 1};
  store::ValidationRecord v2{*a1, "static", true, "", "", "", {}, "", 2};
  store::ValidationRecord v3{*a1, "build", false, "build.undeclared", "'foo' was not declared in this scope",
                             "sketch.ino", 2, "declare foo", 300};
  for (const auto& v : {v1, v2, v3}) {
    if (auto r = st->RecordValidation(v); !r) return fail(r.error());
  }
  if (auto r = st->RecordArtifact(run->id, *a1, "code", "sg_attempt1", "void setup() {}\nvoid loop() { foo(); }\n"); !r) {
    return fail(r.error());
  }
  if (auto r = st->FinishAttempt(*a1, "failed", "build.undeclared", 301, "layer:build", 1900); !r) return fail(r.error());
  // Attempt 2: passes; the board printed two lines and judged two samples.
  auto a2 = st->BeginAttempt(run->id, "sg", 2);
  if (!a2) return fail(a2.error());
  store::LlmCallRecord c2 = c1;
  c2.attempt_id = *a2;
  c2.text = "fixed";
  c2.input_tokens = 200;
  c2.output_tokens = 90;
  if (auto r = st->RecordLlmCall(c2); !r) return fail(r.error());
  for (const char* layer : {"format", "static", "build", "run", "semantic"}) {
    store::ValidationRecord v{*a2, layer, true, "", "", "", {}, "", 5};
    if (auto r = st->RecordValidation(v); !r) return fail(r.error());
  }
  if (auto r = st->RecordArtifact(run->id, *a2, "code", "sg_attempt2", "void setup() {}\nvoid loop() { bar(); }\n"); !r) {
    return fail(r.error());
  }
  if (auto r = st->RecordArtifact(run->id, *a2, "serial", "sg_attempt2_serial", "[0.010] Prediction: apple\n[0.020] Prediction: <i>banana</i>\n"); !r) {
    return fail(r.error());
  }
  if (auto r = st->RecordArtifact(run->id, *a2, "samples", "sg_attempt2_samples",
                                  R"([{"index":0,"expected":"apple","reported":"apple","invoked":true,"input_ok":true,"verdict":"pass"},)"
                                  R"({"index":1,"expected":"banana","reported":"apple","invoked":true,"input_ok":true,"verdict":"semantic.wrong_class"}])");
      !r) {
    return fail(r.error());
  }
  if (auto r = st->FinishAttempt(*a2, "passed", "", {}, "", 1200); !r) return fail(r.error());
  if (auto r = st->FinishRun(run->id, "passed"); !r) return fail(r.error());
  // A second run of another cell, still running with one attempt.
  auto run2 = st->BeginRun({"study", "sg", "replay:m2", "prose", "deterministic", 0});
  if (!run2) return fail(run2.error());
  auto b1 = st->BeginAttempt(run2->id, "sg", 1);
  if (!b1) return fail(b1.error());
  if (auto r = st->FinishAttempt(*b1, "failed", "format.no_code", 101, "layer:format", 10); !r) return fail(r.error());
  return "";
}

}  // namespace autopilot::serve::testing
