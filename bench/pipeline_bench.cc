// Orchestration overhead per attempt, LLM time and validation excluded by construction: the
// attempt loop (pipeline::RunStage) with a backend that answers at once with a recorded reply and
// validator layers that return at once (failing four attempts, passing the fifth). Measured with
// the run store as recorder and without, against a baseline in the same process: the work no loop
// can avoid — rendering the same task/repair prompts and extracting the same reply. Prints
// ms/attempt and ratios as a table and as JSON lines.
//
// Usage: bench_pipeline [--runs N] [--rounds R] [--format F]
//   N stage runs of 5 attempts per variant per round; the median of R rounds is reported.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autopilot/config/project_config.h"
#include "autopilot/extract/extractor.h"
#include "autopilot/llm/backend.h"
#include "autopilot/llm/cassette.h"
#include "autopilot/pipeline/attempt_loop.h"
#include "autopilot/prompt/prompt_set.h"
#include "autopilot/stage/facts.h"
#include "autopilot/stage/reference.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"

namespace {

using namespace autopilot;

constexpr int kAttempts = 5;  // the project's per-stage budget; the fifth attempt passes

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "pipeline_bench: %s\n", what.c_str());
  std::exit(1);
}

/// Answers every request at once with the same reply, as a provider would report it.
class InstantBackend final : public llm::LlmBackend {
 public:
  explicit InstantBackend(std::string reply)
      : reply_(std::move(reply)),
        raw_(nlohmann::json{{"choices", {{{"message", {{"role", "assistant"}, {"content", reply_}}}}}}}.dump()) {}
  Result<llm::PingInfo> Ping() override { return llm::PingInfo{}; }
  std::string Describe() const override { return "instant:bench"; }

 protected:
  llm::LlmResult DoComplete(const llm::LlmRequest&, const llm::StreamObserver&) override {
    llm::LlmResult r;
    r.provider = "instant";
    r.requested_model = "bench";
    r.model = "bench";
    r.text = reply_;
    r.raw_response = raw_;
    r.finish_reason = "stop";
    r.usage.input_tokens = 1500;
    r.usage.output_tokens = 600;
    r.usage.total_tokens = 2100;
    return r;
  }

 private:
  std::string reply_;
  std::string raw_;
};

/// One stage as the bench drives it.
struct Case {
  std::string stage;
  extract::Lang lang = extract::Lang::kPython;
  nlohmann::json facts;
  std::string reply;
  std::vector<std::string> pass_layers;  // layers after format, as the real chain names them
  std::string fail_layer;
};

/// The validator: returns at once; the failing layer carries three diagnostics (two distinct).
std::vector<validate::LayerResult> InstantLayers(const Case& c, int attempt) {
  std::vector<validate::LayerResult> out;
  for (const auto& name : c.pass_layers) {
    validate::LayerResult l{name, true, {}, 0};
    if (attempt < kAttempts && name == c.fail_layer) {
      l.passed = false;
      const bool sketch = c.lang == extract::Lang::kCpp;
      const std::string file = sketch ? "sketch.ino" : "script.py";
      const std::string code = sketch ? "build.undeclared" : "runtime.undefined_name";
      const std::string msg = sketch ? "'tflOpsResolver' was not declared in this scope" : "name 'np' is not defined";
      l.diagnostics.push_back({name, code, msg, file, 39, ""});
      l.diagnostics.push_back({name, code, msg, file, 39, ""});
      l.diagnostics.push_back({name, code, msg, file, 52, ""});
      out.push_back(std::move(l));
      return out;
    }
    out.push_back(std::move(l));
  }
  return out;
}

double MsPerAttempt(int64_t us, int attempts) {
  return static_cast<double>(us) / 1000.0 / static_cast<double>(attempts);
}

/// Baseline: the prompts the loop renders and the extraction it runs, nothing else.
double RenderExtract(const Case& c, const prompt::PromptLibrary& lib, const std::string& format, int runs) {
  // The repair facts the loop would build (same shape, same previous code).
  auto ex = extract::Extract(c.reply, c.lang);
  int64_t t0 = util::MonotonicUs();
  size_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    nlohmann::json facts = c.facts;
    for (int n = 1; n <= kAttempts; ++n) {
      auto p = n == 1 ? lib.RenderTask(c.stage, format, facts) : lib.RenderRepair(c.stage, format, facts);
      if (!p) Die("render: " + p.error().message);
      auto e = extract::Extract(c.reply, c.lang);
      sink += p->user.size() + e.code.size();
      facts["repair"] = {{"attempt", n},
                         {"layer", c.fail_layer},
                         {"code", "build.undeclared"},
                         {"diagnostics", {"sketch.ino:39: build.undeclared: 'tflOpsResolver' was not declared in this scope",
                                          "sketch.ino:52: build.type_mismatch: invalid conversion from 'int' to 'const char*'"}},
                         {"previous_code", ex.code},
                         {"repeated", n > 1}};
    }
  }
  int64_t us = util::MonotonicUs() - t0;
  if (sink == 0) Die("nothing rendered");
  return MsPerAttempt(us, runs * kAttempts);
}

/// Render alone and extract alone (components of the baseline).
double RenderOnly(const Case& c, const prompt::PromptLibrary& lib, const std::string& format, int runs) {
  nlohmann::json repair_facts = c.facts;
  repair_facts["repair"] = {{"attempt", 1}, {"layer", c.fail_layer}, {"code", "build.undeclared"},
                            {"diagnostics", {"sketch.ino:39: build.undeclared: not declared"}},
                            {"previous_code", extract::Extract(c.reply, c.lang).code}, {"repeated", false}};
  int64_t t0 = util::MonotonicUs();
  size_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    for (int n = 1; n <= kAttempts; ++n) {
      auto p = n == 1 ? lib.RenderTask(c.stage, format, c.facts) : lib.RenderRepair(c.stage, format, repair_facts);
      if (!p) Die("render: " + p.error().message);
      sink += p->user.size();
    }
  }
  int64_t us = util::MonotonicUs() - t0;
  if (sink == 0) Die("nothing rendered");
  return MsPerAttempt(us, runs * kAttempts);
}

double ExtractOnly(const Case& c, int runs) {
  int64_t t0 = util::MonotonicUs();
  size_t sink = 0;
  for (int i = 0; i < runs * kAttempts; ++i) sink += extract::Extract(c.reply, c.lang).code.size();
  int64_t us = util::MonotonicUs() - t0;
  if (sink == 0) Die("nothing extracted");
  return MsPerAttempt(us, runs * kAttempts);
}

/// The cassette key every call computes (SHA-256 of the normalised request), on the same prompts.
double RequestKeyOnly(const Case& c, const prompt::PromptLibrary& lib, const std::string& format, int runs) {
  nlohmann::json repair_facts = c.facts;
  repair_facts["repair"] = {{"attempt", 1}, {"layer", c.fail_layer}, {"code", "build.undeclared"},
                            {"diagnostics", {"sketch.ino:39: build.undeclared: not declared"}},
                            {"previous_code", extract::Extract(c.reply, c.lang).code}, {"repeated", false}};
  auto task = lib.RenderTask(c.stage, format, c.facts);
  auto repair = lib.RenderRepair(c.stage, format, repair_facts);
  if (!task || !repair) Die("render failed");
  llm::LlmRequest first, later;
  first.messages = {{"system", task->system}, {"user", task->user}};
  later.messages = {{"system", repair->system}, {"user", repair->user}};
  int64_t t0 = util::MonotonicUs();
  size_t sink = 0;
  for (int r = 0; r < runs; ++r) {
    for (int n = 1; n <= kAttempts; ++n) sink += llm::RequestKey(n == 1 ? first : later).size();
  }
  int64_t us = util::MonotonicUs() - t0;
  if (sink == 0) Die("no keys");
  return MsPerAttempt(us, runs * kAttempts);
}

/// The attempt loop; `store` null = Recorder{} (nothing recorded).
double Loop(const Case& c, const prompt::PromptLibrary& lib, const std::string& format, int runs,
            store::RunStore* st, int round) {
  InstantBackend backend(c.reply);
  int attempt = 0;
  pipeline::StageSpec spec;
  spec.stage = c.stage;
  spec.lang = c.lang;
  spec.facts = c.facts;
  spec.validate = [&c, &attempt](const std::string&) { return InstantLayers(c, ++attempt); };
  pipeline::Budget budget;
  budget.max_attempts = kAttempts;
  int total = 0;
  int64_t t0 = util::MonotonicUs();
  for (int r = 0; r < runs; ++r) {
    attempt = 0;
    pipeline::Recorder rec;
    if (st) {
      store::RunKey key{"bench", c.stage, "instant:bench", format, "default", round * runs + r};
      auto h = st->BeginRun(key, "{}");
      if (!h) Die("store: " + h.error().message);
      rec.store = st;
      rec.run_id = h->id;
    }
    auto out = pipeline::RunStage(spec, lib, format, &backend, budget, rec);
    if (!out.passed || out.attempts.size() != static_cast<size_t>(kAttempts)) {
      Die(c.stage + ": the loop stopped after " + std::to_string(out.attempts.size()) + " attempts (" +
          out.stop_reason + ", " + (out.attempts.empty() ? "" : out.attempts.back().primary_code) + ")");
    }
    if (st) {
      if (auto f = st->FinishRun(rec.run_id, "passed"); !f) Die("store: " + f.error().message);
    }
    total += static_cast<int>(out.attempts.size());
  }
  return MsPerAttempt(util::MonotonicUs() - t0, total);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Reply(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) Die(text.error().message);
  return *text;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  int rounds = 3;
  std::string format = "markdown";
  for (int i = 1; i < argc; ++i) {
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) Die(std::string("missing value for ") + argv[i]);
      return argv[++i];
    };
    if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::atoi(next());
    } else if (std::strcmp(argv[i], "--rounds") == 0) {
      rounds = std::atoi(next());
    } else if (std::strcmp(argv[i], "--format") == 0) {
      format = next();
    } else {
      Die(std::string("unknown argument ") + argv[i] + " (usage: bench_pipeline [--runs N] [--rounds R] [--format F])");
    }
  }
  if (runs < 1 || rounds < 1) Die("--runs and --rounds must be positive");

  const std::string src = AUTOPILOT_SOURCE_DIR;
  auto cfg = config::LoadProjectConfig(src + "/examples/fruit/autopilot.yaml");
  if (!cfg) Die(cfg.error().message);
  auto lib = prompt::PromptLibrary::LoadDefault();
  if (!lib) Die(lib.error().message);
  auto dir = util::MakeTempDir("ap-pipeline-bench-");
  if (!dir) Die(dir.error().message);
  auto ref = stage::BuildReference(*cfg, *dir + "/ref");
  if (!ref) Die(ref.error().message);
  auto sg_facts = stage::SgFacts(*cfg, ref->int8_model);
  if (!sg_facts) Die(sg_facts.error().message);

  std::vector<Case> cases;
  cases.push_back({"dp", extract::Lang::kPython, stage::DpFacts(*cfg), Reply(src + "/examples/fruit/session/dp-2.md"),
                   {"static", "run", "semantic"}, "run"});
  cases.push_back({"sg", extract::Lang::kCpp, *sg_facts, Reply(src + "/examples/fruit/session/sg-3.md"),
                   {"static", "build", "run", "semantic"}, "build"});

  struct Row {
    std::string stage, variant;
    double ms = 0;
    double ratio = 0;
  };
  std::vector<Row> rows;
  for (const auto& c : cases) {
    std::vector<double> base, render, extract_ms, key, bare, stored;
    (void)Loop(c, *lib, format, std::max(1, runs / 10), nullptr, 0);  // warm-up
    for (int k = 0; k < rounds; ++k) {
      std::string db = *dir + "/" + c.stage + std::to_string(k) + ".db";
      auto st = store::RunStore::Open(db);
      if (!st) Die(st.error().message);
      base.push_back(RenderExtract(c, *lib, format, runs));
      render.push_back(RenderOnly(c, *lib, format, runs));
      extract_ms.push_back(ExtractOnly(c, runs));
      key.push_back(RequestKeyOnly(c, *lib, format, runs));
      bare.push_back(Loop(c, *lib, format, runs, nullptr, k));
      stored.push_back(Loop(c, *lib, format, runs, &*st, k));
    }
    double b = Median(base);
    rows.push_back({c.stage, "render+extract (baseline)", b, 1.0});
    rows.push_back({c.stage, "  render alone", Median(render), Median(render) / b});
    rows.push_back({c.stage, "  extract alone", Median(extract_ms), Median(extract_ms) / b});
    rows.push_back({c.stage, "  (request key alone)", Median(key), Median(key) / b});
    rows.push_back({c.stage, "RunStage, Recorder{}", Median(bare), Median(bare) / b});
    rows.push_back({c.stage, "RunStage, RunStore", Median(stored), Median(stored) / b});
  }
  util::RemoveTree(*dir);

  std::printf("orchestration overhead per attempt (format %s; %d runs x %d attempts, median of %d rounds;\n"
              "instant LLM reply, instant validator layers)\n",
              format.c_str(), runs, kAttempts, rounds);
  std::printf("%-5s %-28s %12s %8s\n", "stage", "variant", "ms/attempt", "ratio");
  for (const auto& r : rows) {
    std::printf("%-5s %-28s %12.4f %7.2fx\n", r.stage.c_str(), r.variant.c_str(), r.ms, r.ratio);
  }
  for (const auto& r : rows) {
    std::string v = r.variant;
    v.erase(0, v.find_first_not_of(' '));
    nlohmann::json j{{"bench", "pipeline"}, {"stage", r.stage}, {"variant", v}, {"format", format},
                     {"ms_per_attempt", r.ms}, {"ratio_to_baseline", r.ratio}, {"runs", runs},
                     {"attempts_per_run", kAttempts}, {"rounds", rounds}};
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}
