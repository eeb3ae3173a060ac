// Classifier throughput on the shared corpus's real error texts (held in memory), against the
// cost of only cutting the texts into views (the baseline measured in the same run).
// Run: build/bench/bench_taxonomy  (skips when ../shared/corpus is absent)

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "autopilot/taxonomy/classifier.h"

namespace {

namespace fs = std::filesystem;
using autopilot::taxonomy::Classifier;
using autopilot::taxonomy::FailureInput;

std::vector<FailureInput> LoadCorpus() {
  std::vector<FailureInput> inputs;
  fs::path dir = fs::path(AUTOPILOT_SHARED_DIR) / "corpus" / "error_texts";
  if (!fs::is_directory(dir)) return inputs;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    FailureInput f;
    f.stage = autopilot::taxonomy::StageFromFileName(e.path().filename().string());
    f.text = ss.str();
    inputs.push_back(std::move(f));
  }
  return inputs;
}

const std::vector<FailureInput>& Corpus() {
  static const std::vector<FailureInput> corpus = LoadCorpus();
  return corpus;
}

const Classifier* Rules() {
  static const Classifier* c = [] () -> const Classifier* {
    auto r = Classifier::FromFile(autopilot::taxonomy::DefaultRulesPath());
    // With the stages' usual toolchains, as `autopilot classify` runs.
    if (!r.ok() || !r->LoadStageToolchains().ok()) return nullptr;
    return new Classifier(std::move(*r));
  }();
  return c;
}

void BM_Classify(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty() || !Rules()) {
    state.SkipWithError("no corpus or rules");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Rules()->Classify(corpus[i]));
    i = (i + 1) % corpus.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Classify);

void BM_EvidenceOnly(benchmark::State& state) {
  const auto& corpus = Corpus();
  if (corpus.empty() || !Rules()) {
    state.SkipWithError("no corpus or rules");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Rules()->Analyse(corpus[i]));
    i = (i + 1) % corpus.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EvidenceOnly);

void BM_LoadRules(benchmark::State& state) {
  for (auto _ : state) {
    auto r = Classifier::FromFile(autopilot::taxonomy::DefaultRulesPath());
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_LoadRules)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
