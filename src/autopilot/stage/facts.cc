#include "autopilot/stage/facts.h"

#include <algorithm>

#include "autopilot/board/board_spec.h"
#include "autopilot/features/pipeline.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/inspect.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;

std::string FeatureDefinition(const config::DatasetSettings& d) { return features::Describe(d); }



/// The feature names a prompt lists: all of them, or the first and last of a long window.
std::string FeatureNames(const config::DatasetSettings& d) {
  const auto& n = d.feature_names;
  if (n.size() <= 12) return util::Join(n, ", ");
  return n[0] + ", " + n[1] + ", … , " + n.back() + " (" + std::to_string(n.size()) + " columns, in this order)";
}

/// When the sketch runs the model, from the feature pipeline.
std::string InferenceTrigger(const config::ProjectConfig& p) {
  const auto& d = p.dataset;
  if (d.feature_kind == "window") {
    const std::string cond = features::TriggerCondition(d);
    const std::string when = cond.empty() ? "continuously" : "when a reading has " + cond;
    return when + ": read the next " + std::to_string(d.window.samples) + " readings (each when the sensor has a new one), "
           "then run the model once and report; then wait for the next trigger";
  }
  return "when an object is near (proximity " + std::to_string(d.max_proximity) + " or less) and bright (clear " +
         std::to_string(d.min_clear) + " or more), once per presentation: wait until it is removed";
}

json Classes(const config::DatasetSettings& d) {
  static const char* kEmoji[] = {"\xF0\x9F\x8D\x8E", "\xF0\x9F\x8D\x8C", "\xF0\x9F\x8D\x8A"};
  json out = json::array();
  for (size_t i = 0; i < d.classes.size(); ++i) {
    std::string n = util::ToLower(d.classes[i]);
    std::string e = n == "apple" ? kEmoji[0] : n == "banana" ? kEmoji[1] : n == "orange" ? kEmoji[2] : "";
    out.push_back({{"index", i}, {"name", d.classes[i]}, {"emoji", e}});
  }
  return out;
}

json App(const config::ProjectConfig& p) {
  return {{"name", p.application.name.empty() ? "fruit classifier" : p.application.name},
          {"description", p.application.description.empty()
                              ? "classify objects by colour with the on-board colour sensor"
                              : p.application.description}};
}

std::string ShapeText(const std::vector<int32_t>& shape) {
  std::vector<std::string> parts;
  for (int32_t d : shape) parts.push_back(std::to_string(d));
  return "[" + util::Join(parts, ", ") + "]";
}

json TensorFacts(const tflite::Tensor& t) {
  std::string dtype = util::ToLower(tflite::DTypeName(t.type));
  bool quantized = !t.quant.scale.empty();
  char scale[32] = "none (float)";
  if (quantized) std::snprintf(scale, sizeof scale, "%.9g", static_cast<double>(t.quant.scale[0]));
  return {{"dtype", dtype},
          {"shape", ShapeText(t.shape)},
          {"scale", std::string(scale)},
          {"zero_point", quantized && !t.quant.zero_point.empty() ? std::to_string(t.quant.zero_point[0]) : "none (float)"}};
}

}  // namespace

json DpFacts(const config::ProjectConfig& p, const std::string& raw_name,
             const std::string& train_name, const std::string& test_name) {
  const auto& d = p.dataset;
  // The raw file's real columns (the user's CSV), else what the feature pipeline needs.
  std::vector<std::string> columns = d.feature_columns;
  if (d.feature_kind == "window" && !d.window.recording.empty()) columns.insert(columns.begin(), d.window.recording);
  columns.push_back(d.label);
  if (auto t = tflite::ReadCsv(d.raw_csv); t.ok() && !t->header.empty()) columns = t->header;
  const bool colour = std::find(columns.begin(), columns.end(), "clear") != columns.end() &&
                      std::find(columns.begin(), columns.end(), "proximity") != columns.end();
  std::string cleaning, summary;
  if (d.feature_kind == "window") {
    cleaning = "drop recordings with fewer than " + std::to_string(d.window.samples) + " readings; no other cleaning";
    summary = "raw sensor readings at " + util::ShortNumber(d.window.rate_hz) + " Hz, one reading per row" +
              (d.window.recording.empty() ? std::string() : "; rows with the same " + d.window.recording + " are one recording");
  } else if (colour) {
    cleaning = "drop rows whose clear value is below " + std::to_string(d.min_clear) +
               " (too dark) and rows whose proximity is above " + std::to_string(d.max_proximity) +
               " (object too far; 0 = near)";
    summary = "raw APDS9960 readings (integer counts), one sample per row";
  } else {
    cleaning = "keep every row with numeric values";
    summary = "raw sensor readings, one sample per row";
  }
  if (d.drop_duplicates && d.feature_kind != "window") cleaning += "; drop duplicate rows before splitting";
  cleaning += ".";
  return {{"app", App(p)},
          {"dataset",
           {{"path", raw_name},
            {"columns", util::Join(columns, ", ")},
            {"label", d.label},
            {"summary", summary}}},
          {"features", {{"definition", features::Describe(d, /*live=*/false)}, {"names", FeatureNames(d)}}},
          {"classes", Classes(d)},
          {"cleaning", {{"rules", cleaning}}},
          {"split", {{"test_fraction", d.test_fraction}, {"seed", d.split_seed}}},
          {"outputs", {{"train", train_name}, {"test", test_name}}},
          {"python", {{"modules", "pandas, numpy, scikit-learn and the standard library"}}}};
}

json McFacts(const config::ProjectConfig& p, int64_t representative_rows, const std::string& float_name,
             const std::string& output_name, const std::string& representative_name) {
  std::string how = p.model.mc_profile == "tensorflow"
                        ? "use tf.lite.TFLiteConverter.from_keras_model or from_saved_model with "
                          "optimizations=[tf.lite.Optimize.DEFAULT], a representative_dataset generator over "
                          "the CSV rows, TFLITE_BUILTINS_INT8 and the inference input/output types above."
                        : "TensorFlow is not installed; do not import it. Use numpy and the helper module "
                          "autopilot_tflite (autopilot_tflite.py next to the script; its docstring has the "
                          "details): load_float_model(path) returns the float MLP (.layers, .predict(x)); "
                          "write_int8_model(path, model, representative, input_dtype, output_dtype) calibrates "
                          "on a 2-D float32 array of the feature columns, quantizes (int8 per-channel weights, "
                          "int32 biases, int8 activations) and writes the .tflite. For your own maths: "
                          "choose_qparams, quantize_per_channel, quantize_bias, QuantizedDense, "
                          "write_quantized_model. Sketch: import autopilot_tflite as at; model = "
                          "at.load_float_model('" + float_name + "'); rep = <np.float32 array [rows, features] "
                          "read from " + representative_name + ">; at.write_int8_model('" + output_name +
                          "', model, rep, input_dtype='" + p.model.input_dtype + "', output_dtype='" +
                          p.model.output_dtype + "').";
  return {{"app", App(p)},
          {"model", {{"float_path", float_name}, {"output_path", output_name}}},
          {"data", {{"representative_path", representative_name}, {"rows", representative_rows}}},
          {"features", {{"names", FeatureNames(p.dataset)}}},
          {"io", {{"input_dtype", p.model.input_dtype}, {"output_dtype", p.model.output_dtype}}},
          {"profile", {{"name", p.model.mc_profile}, {"instructions", how}}},
          {"budget", {{"flash_kb", p.model.flash_kb}}}};
}

json DpPlanFacts(const config::ProjectConfig& p) {
  json f = DpFacts(p);
  f["plan"] = {{"max_operations", kMaxDpOperations}};
  return f;
}

std::string DpOperationInput(size_t index) {
  return index <= 1 ? "raw.csv" : "step" + std::to_string(index - 1) + ".csv";
}

std::vector<std::string> DpOperationOutputs(size_t index, size_t count) {
  if (index >= count) return {"train.csv", "test.csv"};
  return {"step" + std::to_string(index) + ".csv"};
}

json DpOperationFacts(const config::ProjectConfig& p, const std::vector<DpOperation>& plan, size_t index) {
  json f = DpFacts(p);
  json steps = json::array();
  for (size_t i = 0; i < plan.size(); ++i) {
    steps.push_back({{"index", i + 1}, {"name", plan[i].name}, {"description", plan[i].description}});
  }
  f["plan"] = steps;
  const DpOperation& op = plan.at(index - 1);
  std::vector<std::string> outs;
  for (const auto& o : DpOperationOutputs(index, plan.size())) outs.push_back("`" + o + "`");
  std::string outputs = util::Join(outs, " and ");
  if (index == plan.size()) outputs += " (the final split: columns " + FeatureNames(p.dataset) + ", " + p.dataset.label + ")";
  f["op"] = {{"index", index},         {"count", plan.size()},           {"name", op.name},
             {"description", op.description}, {"input", DpOperationInput(index)}, {"outputs", outputs},
             {"first", index == 1}};
  return f;
}

Result<json> SgFacts(const config::ProjectConfig& p, const std::string& model_path) {
  auto model = tflite::LoadModel(model_path);
  if (!model) return model.error();
  const auto& sg = model->subgraphs.at(0);
  if (sg.inputs.empty() || sg.outputs.empty()) return Error{"ml.schema_mismatch", model_path + ": no inputs or outputs"};
  auto arena = tflite::EstimateArena(*model);
  bool classic = p.board.profile == "harvard_tinymlx";
  json headers = classic ? json::array({"TensorFlowLite.h", "tensorflow/lite/micro/all_ops_resolver.h",
                                        "tensorflow/lite/micro/micro_error_reporter.h",
                                        "tensorflow/lite/micro/micro_interpreter.h",
                                        "tensorflow/lite/micro/micro_mutable_op_resolver.h",
                                        "tensorflow/lite/schema/schema_generated.h",
                                        "tensorflow/lite/version.h"})
                         : json::array({"TensorFlowLite.h", "tensorflow/lite/micro/micro_mutable_op_resolver.h",
                                        "tensorflow/lite/micro/micro_interpreter.h",
                                        "tensorflow/lite/micro/micro_log.h",
                                        "tensorflow/lite/micro/system_setup.h",
                                        "tensorflow/lite/schema/schema_generated.h"});
  std::string notes = classic
                          ? "Classic API: MicroInterpreter(model, resolver, arena, size, &error_reporter) with a "
                            "tflite::MicroErrorReporter; TFLITE_SCHEMA_VERSION comes from tensorflow/lite/version.h."
                          : "Current port: MicroInterpreter(model, resolver, arena, size); log with MicroPrintf; "
                            "no MicroErrorReporter and no AllOpsResolver.";
  // The board and its sensors come from the board data (board/boards/<model>/board.json).
  auto board = board::LoadBoard(p.board.model);
  if (!board) return board.error();
  std::vector<const board::SensorSpec*> sensors;
  for (const auto& id : p.board.sensors) {
    const board::SensorSpec* spec = board->Sensor(id);
    if (!spec) {
      std::vector<std::string> ids;
      for (const auto& b : board->sensors) ids.push_back(b.id);
      return Error{errc::kConfig, "board.sensors: " + board->display_name + " has no sensor " + id + " (it has " +
                                      util::Join(ids, ", ") + ")"};
    }
    sensors.push_back(spec);
  }
  if (sensors.empty()) return Error{errc::kConfig, "board.sensors: the sketch reads no sensor"};
  auto api = [](const board::SensorSpec& s) {
    return s.library.prompt_api.empty() ? s.library.methods : s.library.prompt_api;
  };
  const board::SensorSpec& first = *sensors.front();
  json others = json::array();
  for (size_t i = 1; i < sensors.size(); ++i) {
    const auto& o = *sensors[i];
    std::string line = o.id + " through " + o.library.library + " (#include <" + o.library.include + ">, object " +
                       o.library.object + "): " + util::Join(api(o), "; ");
    for (const auto& n : o.library.prompt_notes) line += "; " + n;
    others.push_back(line);
  }
  // The project's own board name wins; the default name follows the board data.
  const bool default_name = p.board.name == config::BoardSettings{}.name;
  const bool default_fqbn = p.board.fqbn == config::BoardSettings{}.fqbn;
  std::string symbol = p.model.header_symbol;
  std::string example = p.dataset.classes.empty() ? "apple" : p.dataset.classes.front();
  return json{
      {"app", App(p)},
      {"board", {{"name", default_name ? board->display_name : p.board.name},
                 {"fqbn", default_fqbn ? board->fqbn : p.board.fqbn}}},
      {"sensor",
       {{"name", first.id},
        {"library", first.library.library},
        {"header", first.library.include},
        {"object", first.library.object},
        {"api", api(first)},
        {"notes", first.library.prompt_notes},
        {"others", others}}},
      {"model",
       {{"header", "model.h"},
        {"symbol", symbol},
        {"length_symbol", symbol + "_len"},
        {"input", TensorFacts(sg.tensors.at(static_cast<size_t>(sg.inputs[0])))},
        {"output", TensorFacts(sg.tensors.at(static_cast<size_t>(sg.outputs[0])))},
        {"ops", tflite::ResolverCalls(*model)},
        {"arena_bytes", arena.suggested_bytes}}},
      {"tflm", {{"library", classic ? "Harvard_TinyMLx" : "Arduino_TensorFlowLite"}, {"headers", headers}, {"notes", notes}}},
      {"features", {{"definition", FeatureDefinition(p.dataset)}, {"names", FeatureNames(p.dataset)}}},
      {"classes", Classes(p.dataset)},
      {"inference", {{"trigger", InferenceTrigger(p)}}},
      {"serial", {{"baud", 9600}, {"report", "one line per inference with the class name, e.g. \"Prediction: " + example + "\""}}}};
}

}  // namespace autopilot::stage
