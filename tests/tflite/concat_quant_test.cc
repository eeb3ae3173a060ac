// CONCATENATION of quantized inputs whose parameters differ from the output's (as in
// SSD-MobileNet v1's box and class heads): uint8 inputs are requantized the way TFLite does it,
// int8 ones are refused as TFLite refuses them. Checked against the formula and, when it is
// installed, against LiteRT itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/litert_oracle.h"
#include "autopilot/tflite/model.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/util/files.h"

namespace autopilot::tflite {
namespace {

Quantization Q(float scale, int64_t zp) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

const std::vector<uint8_t> kConst = {0, 10, 11, 120, 200, 255};

/// input [1,2,3] (0.02, 128) ++ constant [1,2,3] (0.1, 10) → output [1,4,3] (0.05, 60), axis 1.
Model ConcatModel(DType type) {
  ModelBuilder b;
  const int64_t zin = type == DType::kInt8 ? 0 : 128;
  const int32_t in = b.AddTensor("input", type, {1, 2, 3}, Q(0.02f, zin));
  const int32_t k =
      b.AddConstantBytes("const", type, {1, 2, 3}, kConst, Q(0.1f, type == DType::kInt8 ? 0 : 10));
  const int32_t out =
      b.AddTensor("output", type, {1, 4, 3}, Q(0.05f, type == DType::kInt8 ? 0 : 60));
  OpOptions o;
  o.axis = 1;
  b.AddOp(op::kConcatenation, {in, k}, {out}, o);
  b.SetInputs({in});
  b.SetOutputs({out});
  return b.Finish();
}

/// TFLite's ConcatenationWithScaling, written from its definition.
uint8_t Requant(uint8_t q, float in_scale, int32_t in_zp, float out_scale, int32_t out_zp) {
  const float s = in_scale * (1.0f / out_scale);
  const float bias = -static_cast<float>(in_zp) * s;
  const int32_t v = static_cast<int32_t>(std::round(static_cast<float>(q) * s + bias)) + out_zp;
  return static_cast<uint8_t>(std::clamp(v, 0, 255));
}

TEST(ConcatQuant, Uint8InputsAreRequantizedToTheOutput) {
  auto interp = Interpreter::Create(ConcatModel(DType::kUInt8));
  ASSERT_TRUE(interp.ok()) << interp.error().message;
  const std::vector<uint8_t> input = {0, 1, 100, 128, 200, 255};
  ASSERT_TRUE(interp->SetInputBytes(0, input).ok());
  interp->Invoke();
  auto out = interp->TensorBytes(interp->OutputIndex(0));
  ASSERT_EQ(out.size(), 12u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(out[i], Requant(input[i], 0.02f, 128, 0.05f, 60)) << "input element " << i;
    EXPECT_EQ(out[6 + i], Requant(kConst[i], 0.1f, 10, 0.05f, 60)) << "constant element " << i;
  }
  EXPECT_EQ(out[11], 255);  // 255 → round(510 − 20) + 60: clamped
  EXPECT_EQ(out[6], 40);    // 0 → round(0 − 20) + 60
}

TEST(ConcatQuant, Int8InputsWithOtherQuantizationAreRefusedAsTfliteDoes) {
  auto interp = Interpreter::Create(ConcatModel(DType::kInt8));
  ASSERT_FALSE(interp.ok());
  EXPECT_EQ(interp.error().code, "ml.dtype_mismatch");
  EXPECT_NE(interp.error().message.find("int8"), std::string::npos) << interp.error().message;
}

TEST(ConcatQuant, MatchesLiteRt) {
  std::string why;
  if (!LiteRtAvailable(&why)) GTEST_SKIP() << "LiteRT oracle unavailable: " << why;
  auto dir = util::MakeTempDir("concat-q-");
  ASSERT_TRUE(dir.ok());
  const Model model = ConcatModel(DType::kUInt8);
  ASSERT_TRUE(SaveModel(model, *dir + "/m.tflite").ok());
  auto interp = Interpreter::Create(model);
  ASSERT_TRUE(interp.ok());
  std::vector<TensorBytesList> inputs;
  std::vector<std::vector<uint8_t>> ours;
  for (int r = 0; r < 43; ++r) {
    std::vector<uint8_t> in(6);
    for (size_t i = 0; i < 6; ++i)
      in[i] = static_cast<uint8_t>((r * 37 + static_cast<int>(i) * 91) % 256);
    ASSERT_TRUE(interp->SetInputBytes(0, in).ok());
    interp->Invoke();
    auto out = interp->TensorBytes(interp->OutputIndex(0));
    ours.emplace_back(out.begin(), out.end());
    inputs.push_back({in});
  }
  auto theirs = RunLiteRt(*dir + "/m.tflite", inputs);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  ASSERT_EQ(theirs->outputs.size(), ours.size());
  for (size_t r = 0; r < ours.size(); ++r) EXPECT_EQ(theirs->outputs[r][0], ours[r]) << "row " << r;
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::tflite
