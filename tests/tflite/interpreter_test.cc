// Fixed-point helpers and interpreter behaviour that does not need the oracle.

#include <gtest/gtest.h>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model_builder.h"
#include "autopilot/tflite/quant_math.h"

namespace autopilot::tflite {
namespace {

TEST(tflite_QuantMath, QuantizeMultiplierMatchesTfliteValues) {
  QuantizedMultiplier q = QuantizeMultiplier(0.5);
  EXPECT_EQ(q.multiplier, 1 << 30);
  EXPECT_EQ(q.shift, 0);
  q = QuantizeMultiplier(0.25);
  EXPECT_EQ(q.multiplier, 1 << 30);
  EXPECT_EQ(q.shift, -1);
  q = QuantizeMultiplier(3.0);
  EXPECT_EQ(q.multiplier, 1610612736);  // 0.75 * 2^31
  EXPECT_EQ(q.shift, 2);
  EXPECT_EQ(QuantizeMultiplier(0.0).multiplier, 0);
}

TEST(tflite_QuantMath, RoundingIsHalfAwayFromZero) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);    // 2.5 → 3
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);  // -2.5 → -3
  EXPECT_EQ(RoundingDivideByPOT(7, 2), 2);    // 1.75 → 2
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
  const QuantizedMultiplier half = QuantizeMultiplier(0.5);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(101, half.multiplier, half.shift), 51);
  // The doubling high multiply rounds an exact negative half toward +infinity, as gemmlowp.
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-101, half.multiplier, half.shift), -50);
}

TEST(tflite_QuantMath, ActivationRanges) {
  const QuantRange relu = QuantizedActivationRange(Activation::kRelu, DType::kInt8, 0.1f, -10);
  EXPECT_EQ(relu.min, -10);
  EXPECT_EQ(relu.max, 127);
  const QuantRange relu6 = QuantizedActivationRange(Activation::kRelu6, DType::kUInt8, 0.05f, 3);
  EXPECT_EQ(relu6.min, 3);
  EXPECT_EQ(relu6.max, 123);
}

// A 1x2 → 2 int8 FC computed by hand.
TEST(tflite_Interpreter, Int8FullyConnectedByHand) {
  ModelBuilder b;
  const int32_t in = b.AddTensor("in", DType::kInt8, {1, 2}, QuantParams(0.5f, 1));
  Quantization wq;
  wq.scale = {0.25f, 0.5f};
  wq.zero_point = {0, 0};
  const int32_t w = b.AddConstant("w", DType::kInt8, {2, 2}, std::vector<int8_t>{4, -2, 1, 3}, wq);
  Quantization bq;
  bq.scale = {0.125f, 0.25f};
  bq.zero_point = {0, 0};
  const int32_t bias = b.AddConstant("b", DType::kInt32, {2}, std::vector<int32_t>{8, -4}, bq);
  const int32_t out = b.AddTensor("out", DType::kInt8, {1, 2}, QuantParams(0.25f, -3));
  b.AddOp(op::kFullyConnected, {in, w, bias}, {out});
  b.SetInputs({in});
  b.SetOutputs({out});
  auto interp = Interpreter::Create(b.Finish());
  ASSERT_TRUE(interp.ok()) << interp.error().message;
  // raw inputs 5, -3 → real 2.0, -2.0
  ASSERT_TRUE(interp->SetInputRaw(0, std::vector<double>{5, -3}).ok());
  interp->Invoke();
  // channel 0: (4*4 + -2*-4) + 8 = 32 → ×(0.5*0.25/0.25) = 16 → +(-3) = 13
  // channel 1: (1*4 + 3*-4) - 4 = -12 → ×(0.5*0.5/0.25) = -12 → -15
  EXPECT_EQ(interp->OutputValues(0, false), (std::vector<double>{13, -15}));
  EXPECT_EQ(interp->OutputValues(0, true), (std::vector<double>{4.0, -3.0}));
}

TEST(tflite_Interpreter, UnsupportedOpsAreNamedNotSkipped) {
  ModelBuilder b;
  const int32_t in = b.AddTensor("in", DType::kFloat32, {1, 4});
  const int32_t mid = b.AddTensor("mid", DType::kFloat32, {1, 4});
  const int32_t out = b.AddTensor("out", DType::kFloat32, {1, 4});
  b.AddOp(47 /* EXP */, {in}, {mid});
  b.AddOp(41 /* SUB */, {mid, in}, {out});
  b.SetInputs({in});
  b.SetOutputs({out});
  auto interp = Interpreter::Create(b.Finish());
  ASSERT_FALSE(interp.ok());
  EXPECT_EQ(interp.error().code, "ml.op_unsupported");
  EXPECT_NE(interp.error().message.find("EXP"), std::string::npos);
  EXPECT_NE(interp.error().message.find("SUB"), std::string::npos);
}

TEST(tflite_Interpreter, SupportedOpsAndResolverCallsComeFromTheKernelTable) {
  EXPECT_EQ(SupportedOps(),
            (std::vector<std::string>{"ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D",
                                      "DEPTHWISE_CONV_2D", "DEQUANTIZE", "FULLY_CONNECTED",
                                      "LOGISTIC", "MAX_POOL_2D", "MEAN", "MUL", "PAD", "QUANTIZE",
                                      "RELU", "RELU6", "RESHAPE", "SOFTMAX", "TANH"}));
  const auto table = SupportedOpTable();
  EXPECT_EQ(table.size(), SupportedOps().size());
  for (const SupportedOp& op : table) {
    EXPECT_EQ(op.name, OpName(op.builtin_code));
    EXPECT_EQ(TflmResolverCall(op.builtin_code), op.tflm_resolver);
    EXPECT_EQ(op.tflm_resolver.rfind("Add", 0), 0u) << op.tflm_resolver;
  }
  EXPECT_EQ(TflmResolverCall(op::kFullyConnected), "AddFullyConnected");
  EXPECT_EQ(TflmResolverCall(op::kAveragePool2D), "AddAveragePool2D");
  EXPECT_EQ(TflmResolverCall(41 /* SUB */), "");
  EXPECT_EQ(TflmResolverCall(op::kCustom), "");
}

TEST(tflite_Interpreter, RejectsWrongInputSizeAndDtypeMismatch) {
  ModelBuilder b;
  const int32_t in = b.AddTensor("in", DType::kFloat32, {1, 3});
  const int32_t out = b.AddTensor("out", DType::kInt8, {1, 3}, QuantParams(1.0f / 256, -128));
  b.AddOp(op::kSoftmax, {in}, {out});
  b.SetInputs({in});
  b.SetOutputs({out});
  auto bad = Interpreter::Create(b.Finish());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "ml.dtype_mismatch");
}

}  // namespace
}  // namespace autopilot::tflite
