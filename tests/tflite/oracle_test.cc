// Our interpreter against Google's TFLite runtime (LiteRT.js in WebAssembly): every generated
// model, float and quantized, on many inputs, fed the same bytes to both engines.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/litert_oracle.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/util/files.h"
#include "test_models.h"

namespace autopilot::tflite {
namespace {

constexpr size_t kRows = 40;

struct Case {
  std::string name;
  Model model;
  bool float_io;  // float outputs are compared with a tolerance, integer outputs exactly
};

// Quantized ops for which LiteRT's CPU path (the XNNPACK delegate) requantizes in float32
// (acc * (s_in * s_w / s_out) rounded with lrintf) instead of TFLite's Q31 fixed-point
// multiplier: the two round a handful of near-tie values 1 LSB apart. TFLite's own XNNPACK
// delegate tests accept exactly this 1-LSB difference for CONV_2D, DEPTHWISE_CONV_2D, MUL and
// MEAN. Everything else must be bit-identical.
bool AllowsOneLsb(const Model& m) {
  for (const Operator& op : m.subgraphs[0].operators) {
    if (op.builtin_code == op::kConv2D || op.builtin_code == op::kDepthwiseConv2D ||
        op.builtin_code == op::kMul || op.builtin_code == op::kMean) {
      return true;
    }
  }
  return false;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  auto models = testing::FloatModels();
  // A larger block: the quantized convolutions' fast path over many channels and pixels.
  models.push_back({"mobilenet_block", testing::MobileNetBlock()});
  for (auto& m : models) {
    cases.push_back({m.name + "/float32", m.model, true});
    const auto rep = testing::RandomRows(m.model, 64, 1000);
    auto q = QuantizeModel(m.model, rep, IoType::kInt8);
    EXPECT_TRUE(q.ok()) << m.name << ": " << (q.ok() ? "" : q.error().message);
    if (q.ok()) cases.push_back({m.name + "/int8", *q, false});
    if (m.name == "fruit_mlp" || m.name == "small_cnn" || m.name == "softmax") {
      auto u = QuantizeModel(m.model, rep, IoType::kUInt8);
      if (u.ok()) cases.push_back({m.name + "/int8_uint8_io", *u, false});
      auto f = QuantizeModel(m.model, rep, IoType::kFloat);
      if (f.ok()) cases.push_back({m.name + "/int8_float_io", *f, true});
    }
  }
  return cases;
}

class tflite_Oracle : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!LiteRtAvailable(&why)) GTEST_SKIP() << "LiteRT oracle unavailable: " << why;
    auto dir = util::MakeTempDir("tflite-oracle-");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override {
    if (!dir_.empty()) util::RemoveTree(dir_);
  }
  std::string dir_;
};

TEST_F(tflite_Oracle, EveryModelMatchesLiteRtOnEveryInput) {
  const auto cases = AllCases();
  ASSERT_GE(cases.size(), 30u);
  size_t compared = 0, elements = 0, off_by_one = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto interp = Interpreter::Create(c.model);
    ASSERT_TRUE(interp.ok()) << interp.error().message;
    const std::string path = dir_ + "/model.tflite";
    ASSERT_TRUE(SaveModel(c.model, path).ok());
    // Inputs: random reals, quantized by our engine; both engines then see the same bytes.
    std::vector<TensorBytesList> inputs;
    std::vector<TensorBytesList> ours;
    for (const auto& row : testing::RandomRows(c.model, kRows, 7)) {
      ASSERT_TRUE(interp->SetInputFloat(0, row).ok());
      auto in = interp->TensorBytes(interp->InputIndex(0));
      inputs.push_back({std::vector<uint8_t>(in.begin(), in.end())});
      interp->Invoke();
      auto out = interp->TensorBytes(interp->OutputIndex(0));
      ours.push_back({std::vector<uint8_t>(out.begin(), out.end())});
    }
    auto theirs = RunLiteRt(path, inputs);
    ASSERT_TRUE(theirs.ok()) << theirs.error().message;
    ASSERT_EQ(theirs->outputs.size(), ours.size());
    for (size_t r = 0; r < ours.size(); ++r) {
      ASSERT_EQ(theirs->outputs[r].size(), 1u);
      const auto& a = ours[r][0];
      const auto& b = theirs->outputs[r][0];
      ASSERT_EQ(a.size(), b.size()) << "row " << r;
      if (!c.float_io && !AllowsOneLsb(c.model)) {
        EXPECT_EQ(a, b) << "row " << r << ": quantized outputs must be bit-identical";
      } else if (!c.float_io) {
        const bool is_signed = c.model.subgraphs[0].tensors[static_cast<size_t>(c.model.subgraphs[0].outputs[0])].type == DType::kInt8;
        for (size_t k = 0; k < a.size(); ++k) {
          const int x = is_signed ? static_cast<int8_t>(a[k]) : a[k];
          const int y = is_signed ? static_cast<int8_t>(b[k]) : b[k];
          EXPECT_LE(std::abs(x - y), 1) << "row " << r << " element " << k;
          ++elements;
          if (x != y) ++off_by_one;
        }
      } else {
        // Float kernels: TFLite (XNNPACK) sums in another order and uses vectorized exp/tanh,
        // so results may differ in the last bits; a relative 1e-5 bound still catches any
        // wrong arithmetic.
        // A quantized model with float output (DEQUANTIZE at the end) inherits the 1-LSB
        // allowance above, measured in the dequantized output's step.
        float lsb = 0.0f;
        const SubGraph& sg = c.model.subgraphs[0];
        if (AllowsOneLsb(c.model) && sg.operators.back().builtin_code == op::kDequantize) {
          lsb = sg.tensors[static_cast<size_t>(sg.operators.back().inputs[0])].quant.scale[0] * 1.0001f;
        }
        for (size_t k = 0; k < a.size() / 4; ++k) {
          float x, y;
          std::memcpy(&x, a.data() + 4 * k, 4);
          std::memcpy(&y, b.data() + 4 * k, 4);
          EXPECT_NEAR(x, y, std::max(lsb, 1e-5f * std::max(1.0f, std::fabs(y)))) << "row " << r << " element " << k;
        }
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, cases.size() * kRows);
  // The 1-LSB allowance covers rare ties only: nearly every value must still agree exactly.
  EXPECT_LT(off_by_one * 20, elements) << off_by_one << " of " << elements << " values differ by 1";
}

}  // namespace
}  // namespace autopilot::tflite
