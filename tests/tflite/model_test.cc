// Reader/writer round trips, bounds checks beyond the Verifier, and a seeded mutation fuzz.

#include <gtest/gtest.h>

#include <random>

#include "autopilot/tflite/inspect.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/tflite/quantizer.h"
#include "test_models.h"

namespace autopilot::tflite {
namespace {

std::vector<uint8_t> Bytes(const Model& m) {
  auto b = SerializeModel(m);
  EXPECT_TRUE(b.ok());
  return b.ok() ? *b : std::vector<uint8_t>{};
}

Model QuantizedMlp() {
  const Model f = testing::FruitMlp();
  auto q = QuantizeModel(f, testing::RandomRows(f, 32, 3), IoType::kUInt8);
  EXPECT_TRUE(q.ok());
  return *q;
}

TEST(tflite_ModelIo, RoundTripKeepsEverything) {
  const Model m = QuantizedMlp();
  const auto bytes = Bytes(m);
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(std::string(bytes.begin() + 4, bytes.begin() + 8), "TFL3");
  auto back = ParseModel(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->subgraphs[0].tensors.size(), m.subgraphs[0].tensors.size());
  for (size_t i = 0; i < m.subgraphs[0].tensors.size(); ++i) {
    const Tensor &a = m.subgraphs[0].tensors[i], &b = back->subgraphs[0].tensors[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.quant.scale, b.quant.scale);  // floats written exactly, never via JSON
    EXPECT_EQ(a.quant.zero_point, b.quant.zero_point);
    EXPECT_EQ(m.buffers[a.buffer].data, back->buffers[b.buffer].data);
  }
  ASSERT_EQ(back->subgraphs[0].operators.size(), 6u);
  EXPECT_EQ(back->subgraphs[0].operators[1].builtin_code, op::kFullyConnected);
  EXPECT_EQ(back->subgraphs[0].operators[1].version, 4);
  EXPECT_EQ(back->subgraphs[0].operators[1].options.activation, Activation::kRelu);
  EXPECT_EQ(Bytes(*back), bytes);  // writing what we read is byte-identical
}

TEST(tflite_ModelIo, RejectsBadFilesWithReasons) {
  auto small = ParseModel(std::vector<uint8_t>{1, 2, 3});
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().message.find("too small"), std::string::npos);
  auto bytes = Bytes(QuantizedMlp());
  auto wrong_id = bytes;
  wrong_id[4] = 'X';
  auto r = ParseModel(wrong_id);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("TFL3"), std::string::npos);
  auto truncated = std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2));
  auto t = ParseModel(truncated);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, "ml.schema_mismatch");
}

TEST(tflite_ModelIo, BoundsChecksBeyondTheVerifier) {
  {
    Model m = QuantizedMlp();
    m.subgraphs[0].tensors[1].buffer = 999;
    auto r = ParseModel(Bytes(m));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("buffer 999"), std::string::npos) << r.error().message;
  }
  {
    Model m = QuantizedMlp();
    m.subgraphs[0].operators[2].inputs[0] = 77;
    auto r = ParseModel(Bytes(m));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("tensor 77"), std::string::npos) << r.error().message;
  }
  {
    Model m = QuantizedMlp();
    m.subgraphs[0].tensors[1].shape = {8, 4};  // the buffer holds 8x3 weights
    auto r = ParseModel(Bytes(m));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("buffer holds"), std::string::npos) << r.error().message;
  }
  {
    Model m = QuantizedMlp();
    m.subgraphs[0].tensors[3].shape = {1, -4};
    EXPECT_FALSE(ParseModel(Bytes(m)).ok());
  }
  {
    Model m = QuantizedMlp();
    m.subgraphs[0].tensors[1].quant.scale.pop_back();  // 7 scales for 8 channels
    m.subgraphs[0].tensors[1].quant.zero_point.pop_back();
    auto r = ParseModel(Bytes(m));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("per-channel"), std::string::npos) << r.error().message;
  }
}

// Flips, overwrites, truncates and splices bytes of real models; every result must be a clean
// error or a model that the inspector and interpreter handle without crashing.
TEST(tflite_ModelFuzz, SeededMutationsNeverCrash) {
  std::vector<std::vector<uint8_t>> seeds{Bytes(QuantizedMlp()), Bytes(testing::SmallCnn()),
                                          Bytes(testing::FruitMlp())};
  std::mt19937 rng(12345);
  size_t rejected = 0, accepted = 0, ran = 0;
  for (int iter = 0; iter < 6000; ++iter) {
    std::vector<uint8_t> b = seeds[static_cast<size_t>(iter) % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t pos = rng() % b.size();
      switch (rng() % 5) {
        case 0: b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
        case 1: b[pos] = static_cast<uint8_t>(rng()); break;
        case 2: b.resize(std::max<size_t>(1, pos)); break;
        case 3: {  // interesting values into a 32-bit slot
          const uint32_t v[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 255, 65535};
          const uint32_t x = v[rng() % 7];
          for (size_t k = 0; k < 4 && pos + k < b.size(); ++k) b[pos + k] = static_cast<uint8_t>(x >> (8 * k));
          break;
        }
        default: {  // copy a chunk from elsewhere
          const size_t from = rng() % b.size(), len = 1 + rng() % 16;
          for (size_t k = 0; k < len && from + k < b.size() && pos + k < b.size(); ++k) b[pos + k] = b[from + k];
        }
      }
      if (b.empty()) break;
    }
    auto m = ParseModel(b);
    if (!m.ok()) {
      ++rejected;
      EXPECT_FALSE(m.error().message.empty());
      continue;
    }
    ++accepted;
    const auto report = InspectModel(*m, b.size());
    EXPECT_TRUE(report.contains("subgraphs"));
    auto interp = Interpreter::Create(std::move(*m));
    if (interp.ok() && interp->InputCount() == 1) {
      const auto n = ElementCount(interp->TensorInfo(interp->InputIndex(0)).shape);
      if (n >= 0 && n < 100000) {
        std::vector<float> zeros(static_cast<size_t>(n), 0.25f);
        if (interp->SetInputFloat(0, zeros).ok()) {
          interp->Invoke();
          ++ran;
        }
      }
    }
  }
  // The mutations must exercise both paths, or the test proves nothing.
  EXPECT_GT(rejected, 1000u);
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(ran, 10u);
}

}  // namespace
}  // namespace autopilot::tflite
