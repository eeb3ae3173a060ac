#include "autopilot/stage/mc_checks.h"

#include <algorithm>
#include <filesystem>

#include "autopilot/stage/dp_checks.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

std::string Base(const std::string& path) { return path.substr(path.rfind('/') + 1); }

/// "int8", "uint8", "float32", … (the names the project file uses).
std::string DTypeOf(tflite::DType t) { return util::ToLower(tflite::DTypeName(t)); }

}  // namespace

Result<double> ModelAccuracy(const std::string& model_path, const std::string& csv,
                             const std::vector<std::string>& feature_names,
                             const std::string& label, const std::vector<std::string>& classes) {
  auto model = tflite::LoadModel(model_path);
  if (!model) return model.error();
  auto interp = tflite::Interpreter::Create(std::move(*model));
  if (!interp) return interp.error();
  auto table = tflite::ReadCsv(csv);
  if (!table) return table.error();
  auto x = tflite::ExtractFeatures(*table, feature_names);
  if (!x) return x.error();
  std::vector<std::string> cls = classes;
  auto y = tflite::ExtractLabels(*table, label, &cls);
  if (!y) return y.error();
  if (x->empty()) return Error{"semantic.artifact_invalid", csv + ": no rows"};
  size_t correct = 0;
  for (size_t i = 0; i < x->size(); ++i) {
    if (auto r = interp->SetInputFloat(0, (*x)[i]); !r) return r.error();
    interp->Invoke();
    auto out = interp->OutputValues(0, /*dequantize=*/true);
    int pred = static_cast<int>(std::max_element(out.begin(), out.end()) - out.begin());
    correct += pred == (*y)[i];
  }
  return static_cast<double>(correct) / static_cast<double>(x->size());
}

validate::LayerResult CheckMcOutput(const McContract& c, int64_t started_ns, McReport* report) {
  validate::LayerResult layer;
  layer.layer = "semantic";
  McReport local;
  McReport& rep = report ? *report : local;
  auto add = [&](const std::string& code, const std::string& msg, const std::string& hint = "") {
    layer.passed = false;
    layer.diagnostics.push_back({"semantic", code, msg, Base(c.output_model), {}, hint});
  };
  Freshness fresh = OutputFreshness(c.output_model, started_ns);
  if (fresh == Freshness::kMissing) {
    add("semantic.artifact_missing", "the script did not write " + Base(c.output_model),
        "save the converted model at exactly this path");
    return layer;
  }
  if (fresh == Freshness::kStale) {
    add("semantic.artifact_stale", Base(c.output_model) + " was not written by this run");
    return layer;
  }
  std::error_code size_ec;
  rep.size_bytes = static_cast<int64_t>(std::filesystem::file_size(c.output_model, size_ec));
  auto model = tflite::LoadModel(c.output_model);
  if (!model) {
    add("ml.schema_mismatch", "the file is not a valid TFLite model: " + model.error().message);
    return layer;
  }
  const auto& sg = model->subgraphs.at(0);
  if (sg.inputs.empty() || sg.outputs.empty()) {
    add("ml.schema_mismatch", "the model has no inputs or outputs");
    return layer;
  }
  rep.input_dtype = DTypeOf(sg.tensors.at(static_cast<size_t>(sg.inputs[0])).type);
  rep.output_dtype = DTypeOf(sg.tensors.at(static_cast<size_t>(sg.outputs[0])).type);
  if (rep.input_dtype != c.input_dtype) {
    add("ml.conversion_config", "the model's input is " + rep.input_dtype + ", " + c.input_dtype + " was asked",
        "set the converter's inference input type to " + c.input_dtype);
  }
  if (rep.output_dtype != c.output_dtype) {
    add("ml.conversion_config", "the model's output is " + rep.output_dtype + ", " + c.output_dtype + " was asked",
        "set the converter's inference output type to " + c.output_dtype);
  }
  // Weights of FULLY_CONNECTED/CONV ops must be integers.
  for (const auto& op : sg.operators) {
    if (op.builtin_code != tflite::op::kFullyConnected && op.builtin_code != tflite::op::kConv2D &&
        op.builtin_code != tflite::op::kDepthwiseConv2D) {
      continue;
    }
    if (op.inputs.size() < 2 || op.inputs[1] < 0) continue;
    const auto& w = sg.tensors.at(static_cast<size_t>(op.inputs[1]));
    if (w.type != tflite::DType::kInt8) {
      add("ml.not_quantized", tflite::OpName(op.builtin_code) + " weights '" + w.name + "' are " +
                                  DTypeOf(w.type) + ", not int8",
          "use full-integer post-training quantization with a representative dataset");
      break;
    }
  }
  if (rep.size_bytes > c.flash_kb * 1024) {
    add("build.memory_overflow", "the model is " + std::to_string(rep.size_bytes) +
                                     " bytes; the flash budget is " + std::to_string(c.flash_kb) + " KB");
  }
  if (!layer.passed) return layer;
  auto acc = ModelAccuracy(c.output_model, c.test_csv, c.feature_names, c.label, c.classes);
  if (!acc) {
    add(acc.error().code.find('.') != std::string::npos ? acc.error().code : "ml.schema_mismatch",
        "the model does not run: " + acc.error().message);
    return layer;
  }
  rep.model_accuracy = *acc;
  auto base = ModelAccuracy(c.float_model, c.test_csv, c.feature_names, c.label, c.classes);
  if (!base) {
    layer.passed = false;
    layer.diagnostics.push_back({"semantic", "harness.bug", "cannot evaluate the float model: " + base.error().message, "", {}, ""});
    return layer;
  }
  rep.float_accuracy = *base;
  if (rep.model_accuracy + c.accuracy_tolerance < rep.float_accuracy) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "accuracy on the test split is %.1f%%; the float model reaches %.1f%% (tolerance %.1f points)",
                  rep.model_accuracy * 100, rep.float_accuracy * 100, c.accuracy_tolerance * 100);
    add("ml.accuracy_degraded", buf,
        "calibrate with the real representative data (the feature columns), not random values");
  }
  return layer;
}

}  // namespace autopilot::stage
