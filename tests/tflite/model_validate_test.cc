// ValidateModel through Interpreter::Create: an in-memory model with one thing corrupted is
// refused with a message naming the tensor or operator, before any kernel reads it.

#include "autopilot/tflite/model_validate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite {
namespace {

// int8 [1,2] → FULLY_CONNECTED (weights 'w' [2,2], bias 'b' [2]) → int8 [1,2].
Model ValidFc() {
  ModelBuilder b;
  const int32_t in = b.AddTensor("in", DType::kInt8, {1, 2}, QuantParams(0.5f, 1));
  const int32_t w = b.AddConstant("w", DType::kInt8, {2, 2}, std::vector<int8_t>{4, -2, 1, 3},
                                  QuantParams(0.25f, 0));
  const int32_t bias =
      b.AddConstant("b", DType::kInt32, {2}, std::vector<int32_t>{8, -4}, QuantParams(0.125f, 0));
  const int32_t out = b.AddTensor("out", DType::kInt8, {1, 2}, QuantParams(0.25f, -3));
  b.AddOp(op::kFullyConnected, {in, w, bias}, {out});
  b.SetInputs({in});
  b.SetOutputs({out});
  return b.Finish();
}

SubGraph& Sg(Model& m) {
  return m.subgraphs[0];
}
Tensor& Named(Model& m, const std::string& name) {
  for (Tensor& t : Sg(m).tensors) {
    if (t.name == name) return t;
  }
  throw std::runtime_error("no tensor " + name);
}

// Create must refuse the corrupted model with `code` and a message containing every `parts`.
void ExpectRefused(const std::function<void(Model&)>& corrupt, const std::string& code,
                   const std::vector<std::string>& parts) {
  Model m = ValidFc();
  ASSERT_TRUE(ValidateModel(m).ok());
  corrupt(m);
  EXPECT_FALSE(ValidateModel(m).ok());
  auto interp = Interpreter::Create(m);
  ASSERT_FALSE(interp.ok());
  EXPECT_EQ(interp.error().code, code) << interp.error().message;
  for (const auto& p : parts) {
    EXPECT_NE(interp.error().message.find(p), std::string::npos)
        << "'" << p << "' not in: " << interp.error().message;
  }
}

TEST(tflite_ValidateModel, TheValidModelRuns) {
  auto interp = Interpreter::Create(ValidFc());
  ASSERT_TRUE(interp.ok()) << interp.error().message;
  ASSERT_TRUE(interp->SetInputRaw(0, std::vector<double>{5, -3}).ok());
  interp->Invoke();
  EXPECT_EQ(interp->OutputValues(0, false).size(), 2u);
}

TEST(tflite_ValidateModel, RefusesAWeightBufferShorterThanItsShape) {
  ExpectRefused([](Model& m) { m.buffers[Named(m, "w").buffer].data.resize(3); },
                "ml.schema_mismatch", {"tensor 1 'w'", "[2,2]", "4 bytes", "holds 3 bytes"});
}

TEST(tflite_ValidateModel, RefusesABiasBufferShorterThanItsShape) {
  ExpectRefused([](Model& m) { m.buffers[Named(m, "b").buffer].data.resize(7); },
                "ml.schema_mismatch", {"tensor 2 'b'", "8 bytes", "holds 7 bytes"});
}

TEST(tflite_ValidateModel, RefusesABufferIndexOutOfRange) {
  ExpectRefused([](Model& m) { Named(m, "w").buffer = 42; }, "ml.schema_mismatch",
                {"tensor 1 'w'", "buffer 42"});
}

TEST(tflite_ValidateModel, RefusesAnOperatorInputOutOfRange) {
  ExpectRefused([](Model& m) { Sg(m).operators[0].inputs[1] = 99; }, "ml.schema_mismatch",
                {"operator 0 (FULLY_CONNECTED)", "input 1", "tensor 99"});
}

TEST(tflite_ValidateModel, RefusesANegativeOperatorInputOtherThanOmitted) {
  ExpectRefused([](Model& m) { Sg(m).operators[0].inputs[0] = -2; }, "ml.schema_mismatch",
                {"operator 0 (FULLY_CONNECTED)", "input 0", "tensor -2"});
}

TEST(tflite_ValidateModel, RefusesAnOperatorOutputOutOfRange) {
  ExpectRefused([](Model& m) { Sg(m).operators[0].outputs[0] = -1; }, "ml.schema_mismatch",
                {"operator 0 (FULLY_CONNECTED)", "output 0", "tensor -1"});
}

TEST(tflite_ValidateModel, RefusesSubgraphInputsAndOutputsOutOfRange) {
  ExpectRefused([](Model& m) { Sg(m).inputs = {7}; }, "ml.schema_mismatch",
                {"subgraph 0 input 0", "tensor 7"});
  ExpectRefused(
      [](Model& m) {
        Sg(m).outputs = {0, 4};
      },
      "ml.schema_mismatch", {"subgraph 0 output 1", "tensor 4"});
}

TEST(tflite_ValidateModel, RefusesANegativeDimension) {
  ExpectRefused(
      [](Model& m) {
        Named(m, "out").shape = {1, -2};
      },
      "ml.schema_mismatch", {"tensor 3 'out'", "negative dimension", "[1,-2]"});
}

TEST(tflite_ValidateModel, RefusesAnOverflowingShape) {
  ExpectRefused(
      [](Model& m) {
        Named(m, "out").shape = {65536, 65536, 2};
      },
      "ml.schema_mismatch", {"tensor 3 'out'", "overflows"});
}

TEST(tflite_ValidateModel, RefusesATensorLargerThanTheLimit) {
  ExpectRefused(
      [](Model& m) {
        Named(m, "out").shape = {1 << 15, 1 << 14};
      },
      "ml.schema_mismatch", {"tensor 3 'out'", "larger than 256 MiB"});
}

TEST(tflite_ValidateModel, RefusesAnUnknownType) {
  ExpectRefused([](Model& m) { Named(m, "out").type = static_cast<DType>(42); },
                "ml.schema_mismatch", {"tensor 3 'out'", "unknown type code 42"});
}

TEST(tflite_ValidateModel, RefusesAQuantizedTensorWithoutParameters) {
  ExpectRefused([](Model& m) { Named(m, "in").quant = {}; }, "ml.dtype_mismatch",
                {"tensor 0 'in'", "INT8", "no quantization parameters"});
}

TEST(tflite_ValidateModel, RefusesANonPositiveScale) {
  ExpectRefused([](Model& m) { Named(m, "out").quant.scale = {0.0f}; }, "ml.dtype_mismatch",
                {"tensor 3 'out'", "must be > 0"});
}

TEST(tflite_ValidateModel, RefusesANonFiniteScale) {
  ExpectRefused(
      [](Model& m) { Named(m, "w").quant.scale = {std::numeric_limits<float>::quiet_NaN()}; },
      "ml.schema_mismatch", {"tensor 1 'w'", "non-finite"});
}

TEST(tflite_ValidateModel, RefusesMoreZeroPointsThanScales) {
  ExpectRefused(
      [](Model& m) {
        Named(m, "in").quant.zero_point = {1, 1};
      },
      "ml.schema_mismatch", {"tensor 0 'in'", "1 scales but 2 zero points"});
}

TEST(tflite_ValidateModel, RefusesAZeroPointOutsideTheTypeRange) {
  ExpectRefused([](Model& m) { Named(m, "out").quant.zero_point = {200}; }, "ml.dtype_mismatch",
                {"tensor 3 'out'", "zero point 200", "INT8"});
}

TEST(tflite_ValidateModel, RefusesPerChannelScalesThatDoNotMatchTheDimension) {
  ExpectRefused(
      [](Model& m) {
        Named(m, "w").quant.scale = {0.25f, 0.5f, 1.0f};
        Named(m, "w").quant.zero_point = {0, 0, 0};
      },
      "ml.schema_mismatch", {"tensor 1 'w'", "3 per-channel scales", "dimension 0 is 2"});
  ExpectRefused(
      [](Model& m) {
        Named(m, "w").quant.scale = {0.25f, 0.5f};
        Named(m, "w").quant.zero_point = {0, 0};
        Named(m, "w").quant.quantized_dimension = 2;
      },
      "ml.schema_mismatch", {"tensor 1 'w'", "quantized_dimension 2 outside its rank 2"});
}

}  // namespace
}  // namespace autopilot::tflite
