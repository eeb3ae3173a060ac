// The TFLite core: model load and inference of the fruit MLP, a small CNN, a MobileNet block and
// the SSD-MobileNet v1 body in our interpreter, against LiteRT (TFLite in WebAssembly under Node)
// measured in the same run.

#include <benchmark/benchmark.h>

#include "../tests/tflite/test_models.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/litert_oracle.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

Model Int8(const Model& f) {
  auto q = QuantizeModel(f, testing::RandomRows(f, 64, 1), IoType::kInt8);
  return q.ok() ? *q : f;
}

std::vector<uint8_t> Bytes(const Model& m) {
  return *SerializeModel(m);
}

void BM_LoadFruitInt8(benchmark::State& state) {
  const auto bytes = Bytes(Int8(testing::FruitMlp()));
  for (auto _ : state) {
    auto m = ParseModel(bytes);
    auto interp = Interpreter::Create(std::move(*m));
    benchmark::DoNotOptimize(interp.ok());
  }
}
BENCHMARK(BM_LoadFruitInt8);

void Invoke(benchmark::State& state, const Model& m) {
  auto interp = Interpreter::Create(m);
  const auto rows = testing::RandomRows(m, 16, 3);
  size_t i = 0;
  for (auto _ : state) {
    (void)interp->SetInputFloat(0, rows[i++ % rows.size()]);
    interp->Invoke();
    benchmark::DoNotOptimize(interp->TensorBytes(interp->OutputIndex(0)).data());
  }
}
void BM_InvokeFruitMlpInt8(benchmark::State& s) {
  Invoke(s, Int8(testing::FruitMlp()));
}
void BM_InvokeFruitMlpFloat(benchmark::State& s) {
  Invoke(s, testing::FruitMlp());
}
void BM_InvokeSmallCnnInt8(benchmark::State& s) {
  Invoke(s, Int8(testing::SmallCnn()));
}
BENCHMARK(BM_InvokeFruitMlpInt8);
BENCHMARK(BM_InvokeFruitMlpFloat);
BENCHMARK(BM_InvokeSmallCnnInt8);
void BM_InvokeMobileNetBlockInt8(benchmark::State& s) {
  Invoke(s, Int8(testing::MobileNetBlock()));
}
BENCHMARK(BM_InvokeMobileNetBlockInt8)->Unit(benchmark::kMicrosecond);

// The SSD-MobileNet v1 body (≈ 1.06 G MAC per frame), quantized once for both engines: the
// calibration runs the float model on every representative row.
const Model& MobileNetV1BodyInt8() {
  static const Model m = Int8(testing::MobileNetV1Body());
  return m;
}
void BM_InvokeMobileNetV1BodyInt8(benchmark::State& s) {
  Invoke(s, MobileNetV1BodyInt8());
  s.counters["MMAC"] = static_cast<double>(testing::ConvMacs(MobileNetV1BodyInt8())) * 1e-6;
}
BENCHMARK(BM_InvokeMobileNetV1BodyInt8)->Unit(benchmark::kMillisecond);

// LiteRT in the same run: one Node process per model; its own timer measures load+compile and
// the mean of `repeat` invocations (including the JS tensor wrapping each call needs).
void LiteRt(benchmark::State& state, const Model& m, int repeat = 2000) {
  std::string why;
  if (!LiteRtAvailable(&why)) {
    state.SkipWithError(("LiteRT unavailable: " + why).c_str());
    return;
  }
  auto dir = util::MakeTempDir("bench-tflite-");
  const std::string path = *dir + "/m.tflite";
  (void)SaveModel(m, path);
  auto interp = Interpreter::Create(m);
  std::vector<TensorBytesList> inputs;
  for (const auto& row : testing::RandomRows(m, 16, 3)) {
    (void)interp->SetInputFloat(0, row);
    auto b = interp->TensorBytes(interp->InputIndex(0));
    inputs.push_back({std::vector<uint8_t>(b.begin(), b.end())});
  }
  for (auto _ : state) {
    auto r = RunLiteRt(path, inputs, repeat);
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
    state.SetIterationTime(r->run_us * 1e-6);
    state.counters["load_ms"] = r->load_ms;
  }
  util::RemoveTree(*dir);
}
void BM_LiteRtFruitMlpInt8(benchmark::State& s) {
  LiteRt(s, Int8(testing::FruitMlp()));
}
void BM_LiteRtSmallCnnInt8(benchmark::State& s) {
  LiteRt(s, Int8(testing::SmallCnn()));
}
BENCHMARK(BM_LiteRtFruitMlpInt8)->UseManualTime()->Iterations(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LiteRtSmallCnnInt8)->UseManualTime()->Iterations(1)->Unit(benchmark::kMicrosecond);
void BM_LiteRtMobileNetBlockInt8(benchmark::State& s) {
  LiteRt(s, Int8(testing::MobileNetBlock()));
}
BENCHMARK(BM_LiteRtMobileNetBlockInt8)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMicrosecond);
// A frame takes LiteRT a good part of a second: 20 timed invocations.
void BM_LiteRtMobileNetV1BodyInt8(benchmark::State& s) {
  LiteRt(s, MobileNetV1BodyInt8(), 20);
  s.counters["MMAC"] = static_cast<double>(testing::ConvMacs(MobileNetV1BodyInt8())) * 1e-6;
}
BENCHMARK(BM_LiteRtMobileNetV1BodyInt8)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace autopilot::tflite

BENCHMARK_MAIN();
