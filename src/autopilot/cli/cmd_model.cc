// autopilot model inspect|run|header|train|quantize|eval — the TFLite core on the command line.

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <sstream>

#include "autopilot/cli/app.h"
#include "autopilot/cli/command.h"
#include "autopilot/cli/output.h"
#include "autopilot/tflite/dataset.h"
#include "autopilot/tflite/header.h"
#include "autopilot/tflite/inspect.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/keras.h"
#include "autopilot/tflite/quantizer.h"
#include "autopilot/tflite/trainer.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::cli {
namespace {

using nlohmann::ordered_json;

struct ModelArgs {
  std::string action;
  std::string model;
  std::string inputs;
  bool quantized_input = false;
  bool dequantize = false;
  std::string symbol = "g_model";
  std::string output;
  std::string data;
  std::string features;
  std::string label = "label";
  std::string hidden = "8,5";
  uint64_t seed = 1;
  int epochs = 400;
  std::string representative;
  std::string io = "int8";
};

// Exit code for a failed model operation: bad input files are the checked thing failing (1),
// bad flags are usage errors (2).
int Fail(bool json, const Error& e) {
  return ReportFailure(json, e);
}

std::string FormatValue(double v, bool integer) {
  if (integer) return std::to_string(static_cast<long long>(v));
  std::ostringstream o;
  o.precision(9);
  o << v;
  return o.str();
}

std::vector<std::string> FeatureList(const std::string& flag, const tflite::Model& model) {
  if (!flag.empty()) return util::Split(flag, ',');
  return tflite::ModelFeatures(model);
}

// Loads a .tflite or a Keras .keras file (run, quantize, eval).
Result<tflite::Model> LoadAnyModel(const std::string& path) {
  if (util::EndsWith(util::ToLower(path), ".keras")) return tflite::LoadKerasModel(path);
  return tflite::LoadModel(path);
}

int RunInspect(const ModelArgs& a, bool json) {
  auto bytes = util::ReadFile(a.model);
  if (!bytes) return Fail(json, bytes.error());
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  auto model = tflite::ParseModel(span);
  if (!model) {
    Error e{model.error().code, a.model + ": " + model.error().message};
    if (json) {
      PrintJson({{"valid", false}, {"file", a.model}, {"error", {{"code", e.code}, {"message", e.message}}}});
    } else {
      PrintError(e.message);
    }
    return kExitFailed;
  }
  ordered_json doc = tflite::InspectModel(*model, bytes->size());
  doc["file"] = a.model;
  if (json) PrintJson(doc);
  else std::cout << a.model << "\n" << tflite::FormatInspect(doc);
  return kExitOk;
}

int RunRun(const ModelArgs& a, bool json) {
  auto model = LoadAnyModel(a.model);
  if (!model) return Fail(json, model.error());
  auto interp = tflite::Interpreter::Create(std::move(*model));
  if (!interp) return Fail(json, Error{interp.error().code, a.model + ": " + interp.error().message});
  if (interp->InputCount() != 1) return Fail(json, Error{"ml.shape_mismatch", "model run supports single-input models"});
  auto text = util::ReadFile(a.inputs);
  if (!text) return Fail(json, text.error());
  const tflite::Tensor& out_t = interp->TensorInfo(interp->OutputIndex(0));
  const bool integer_out = out_t.type != tflite::DType::kFloat32 && !a.dequantize;
  ordered_json rows = ordered_json::array();
  size_t line_no = 0;
  for (const auto& raw : util::Split(*text, '\n')) {
    ++line_no;
    std::string line = util::Trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::vector<double> values;
    bool header = false;
    for (const auto& cell : util::Split(line, ',')) {
      char* end = nullptr;
      std::string c = util::Trim(cell);
      double v = std::strtod(c.c_str(), &end);
      if (c.empty() || *end != '\0') {
        header = true;
        break;
      }
      values.push_back(v);
    }
    if (header) {
      if (rows.empty() && line_no == 1) continue;  // a header row
      return Fail(json, Error{errc::kData, a.inputs + ":" + std::to_string(line_no) + ": not a row of numbers"});
    }
    Result<void> set = Ok();
    if (a.quantized_input) {
      set = interp->SetInputRaw(0, values);
    } else {
      std::vector<float> f(values.begin(), values.end());
      set = interp->SetInputFloat(0, f);
    }
    if (!set) return Fail(json, Error{set.error().code, a.inputs + ":" + std::to_string(line_no) + ": " + set.error().message});
    interp->Invoke();
    std::vector<double> out = interp->OutputValues(0, a.dequantize);
    if (json) {
      rows.push_back(out);
    } else {
      std::string s;
      for (size_t i = 0; i < out.size(); ++i) s += (i ? "," : "") + FormatValue(out[i], integer_out);
      std::cout << s << "\n";
    }
  }
  if (json) {
    PrintJson({{"model", a.model}, {"output", out_t.name}, {"dtype", tflite::DTypeName(out_t.type)},
               {"dequantized", a.dequantize}, {"rows", rows}});
  }
  return kExitOk;
}

int RunHeader(const ModelArgs& a, bool json) {
  if (!tflite::IsCIdentifier(a.symbol)) {
    return Fail(json, Error{errc::kUsage, "--symbol '" + a.symbol + "' is not a C identifier"});
  }
  auto bytes = util::ReadFile(a.model);
  if (!bytes) return Fail(json, bytes.error());
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
  if (auto m = tflite::ParseModel(span); !m) return Fail(json, Error{m.error().code, a.model + ": " + m.error().message});
  const std::string header = tflite::GenerateHeader(span, a.symbol, a.model);
  if (a.output.empty() || a.output == "-") {
    std::cout << header;
    return kExitOk;
  }
  if (auto w = util::WriteFileAtomic(a.output, header); !w) return Fail(json, w.error());
  if (json) PrintJson({{"header", a.output}, {"symbol", a.symbol}, {"bytes", bytes->size()}});
  else std::cout << a.output << ": " << a.symbol << "[" << bytes->size() << "]\n";
  return kExitOk;
}

int RunTrain(const ModelArgs& a, bool json) {
  if (a.features.empty()) return Fail(json, Error{errc::kUsage, "--features is required"});
  if (a.output.empty()) return Fail(json, Error{errc::kUsage, "-o FILE is required"});
  auto table = tflite::ReadCsv(a.data);
  if (!table) return Fail(json, table.error());
  const auto specs = util::Split(a.features, ',');
  auto x = tflite::ExtractFeatures(*table, specs);
  if (!x) return Fail(json, x.error());
  std::vector<std::string> classes;
  auto y = tflite::ExtractLabels(*table, a.label, &classes);
  if (!y) return Fail(json, y.error());
  tflite::TrainOptions opt;
  opt.seed = a.seed;
  opt.epochs = a.epochs;
  opt.hidden.clear();
  for (const auto& h : util::Split(a.hidden, ',')) {
    char* end = nullptr;
    const long v = std::strtol(h.c_str(), &end, 10);
    if (h.empty() || *end != '\0' || v <= 0) return Fail(json, Error{errc::kUsage, "--hidden takes sizes like 8,5"});
    opt.hidden.push_back(static_cast<int>(v));
  }
  auto r = tflite::TrainMlp(*x, *y, specs, classes, opt);
  if (!r) return Fail(json, r.error());
  if (auto s = tflite::SaveModel(r->model, a.output); !s) return Fail(json, s.error());
  if (json) {
    PrintJson({{"model", a.output}, {"rows", x->size()}, {"features", specs}, {"classes", classes},
               {"train_accuracy", r->train_accuracy}});
  } else {
    std::cout << a.output << ": float MLP " << specs.size() << "→" << a.hidden << "→" << classes.size()
              << ", train accuracy " << r->train_accuracy << " on " << x->size() << " rows\n";
  }
  return kExitOk;
}

int RunQuantize(const ModelArgs& a, bool json) {
  if (a.output.empty()) return Fail(json, Error{errc::kUsage, "-o FILE is required"});
  auto io = tflite::ParseIoType(a.io);
  if (!io) return Fail(json, io.error());
  auto model = LoadAnyModel(a.model);
  if (!model) return Fail(json, model.error());
  auto table = tflite::ReadCsv(a.representative);
  if (!table) return Fail(json, table.error());
  const auto specs = FeatureList(a.features, *model);
  if (specs.empty()) return Fail(json, Error{errc::kUsage, "the model names no features: pass --features"});
  auto x = tflite::ExtractFeatures(*table, specs);
  if (!x) return Fail(json, x.error());
  auto q = tflite::QuantizeModel(*model, *x, *io);
  if (!q) return Fail(json, q.error());
  if (auto s = tflite::SaveModel(*q, a.output); !s) return Fail(json, s.error());
  auto size = util::ReadFile(a.output);
  const size_t bytes = size ? size->size() : 0;
  if (json) {
    PrintJson({{"model", a.output}, {"io", a.io}, {"representative_rows", x->size()}, {"bytes", bytes}});
  } else {
    std::cout << a.output << ": full-integer int8 model (" << a.io << " I/O), " << bytes
              << " bytes, calibrated on " << x->size() << " rows\n";
  }
  return kExitOk;
}

int RunEval(const ModelArgs& a, bool json) {
  auto model = LoadAnyModel(a.model);
  if (!model) return Fail(json, model.error());
  auto table = tflite::ReadCsv(a.data);
  if (!table) return Fail(json, table.error());
  const auto specs = FeatureList(a.features, *model);
  if (specs.empty()) return Fail(json, Error{errc::kUsage, "the model names no features: pass --features"});
  auto x = tflite::ExtractFeatures(*table, specs);
  if (!x) return Fail(json, x.error());
  std::vector<std::string> classes = tflite::ModelLabels(*model);
  auto y = tflite::ExtractLabels(*table, a.label, &classes);
  if (!y) return Fail(json, y.error());
  auto interp = tflite::Interpreter::Create(std::move(*model));
  if (!interp) return Fail(json, interp.error());
  std::vector<int> pred;
  for (const auto& row : *x) {
    if (auto s = interp->SetInputFloat(0, row); !s) return Fail(json, s.error());
    interp->Invoke();
    const auto out = interp->OutputValues(0, true);
    pred.push_back(static_cast<int>(std::max_element(out.begin(), out.end()) - out.begin()));
  }
  const tflite::Evaluation e = tflite::Evaluate(*y, pred, classes);
  if (json) {
    PrintJson({{"model", a.model}, {"data", a.data}, {"rows", e.rows}, {"correct", e.correct},
               {"accuracy", e.accuracy}, {"classes", e.classes}, {"confusion", e.confusion}});
    return kExitOk;
  }
  std::cout << a.model << ": accuracy " << e.accuracy << " (" << e.correct << "/" << e.rows << ")\n";
  std::vector<std::string> header{"true \\ predicted"};
  header.insert(header.end(), e.classes.begin(), e.classes.end());
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < e.classes.size(); ++i) {
    std::vector<std::string> r{e.classes[i]};
    for (size_t v : e.confusion[i]) r.push_back(std::to_string(v));
    rows.push_back(r);
  }
  std::cout << FormatTable(header, rows);
  return kExitOk;
}

}  // namespace

CommandRunner SetupModel(CLI::App* sub, GlobalOptions* globals) {
  sub->require_subcommand(1);
  auto a = std::make_shared<ModelArgs>();
  CLI::App* inspect = sub->add_subcommand("inspect", "Verify a .tflite file and report tensors, operators, TFLM resolver ops and arena estimate");
  inspect->add_option("MODEL", a->model, "The .tflite file")->required();
  CLI::App* run = sub->add_subcommand("run", "Run a .tflite model on CSV rows with the reference interpreter");
  run->add_option("MODEL", a->model, "The .tflite file")->required();
  run->add_option("--inputs", a->inputs, "CSV: one row of flattened input values per inference")->required();
  run->add_flag("--quantized-input", a->quantized_input, "Rows hold raw integers for a quantized input");
  run->add_flag("--dequantize", a->dequantize, "Print dequantized outputs instead of stored values");
  CLI::App* header = sub->add_subcommand("header", "Emit model.h (alignas(16) byte array + length) for a sketch");
  header->add_option("MODEL", a->model, "The .tflite file")->required();
  header->add_option("--symbol", a->symbol, "Array name (default g_model; 'model' reproduces the study)");
  header->add_option("-o,--output", a->output, "Header file to write (default stdout)");
  CLI::App* train = sub->add_subcommand("train", "Train the reference float MLP (softmax output) on a CSV");
  train->add_option("DATA", a->data, "Training CSV")->required();
  train->add_option("--features", a->features, "Comma-separated columns or ratios COL/(A+B+C)")->required();
  train->add_option("--label", a->label, "Label column (default label)");
  train->add_option("--hidden", a->hidden, "Hidden layer sizes (default 8,5)");
  train->add_option("--seed", a->seed, "Random seed (default 1)");
  train->add_option("--epochs", a->epochs, "Training epochs (default 400)");
  train->add_option("-o,--output", a->output, "Float .tflite to write")->required();
  CLI::App* quant = sub->add_subcommand("quantize", "Full-integer int8 post-training quantization");
  quant->add_option("FLOAT_MODEL", a->model, "Float .tflite or Keras .keras (Sequential of Dense)")->required();
  quant->add_option("--representative", a->representative, "Representative data CSV")->required();
  quant->add_option("--features", a->features, "Feature specs (default: the ones stored in the model)");
  quant->add_option("--io", a->io, "Input/output type: int8 (default), uint8 or float");
  quant->add_option("-o,--output", a->output, "int8 .tflite to write")->required();
  CLI::App* eval = sub->add_subcommand("eval", "Accuracy and confusion matrix of a model on labelled data");
  eval->add_option("MODEL", a->model, "The .tflite (or .keras) model")->required();
  eval->add_option("--data", a->data, "Labelled CSV")->required();
  eval->add_option("--features", a->features, "Feature specs (default: the ones stored in the model)");
  eval->add_option("--label", a->label, "Label column (default label)");
  for (CLI::App* s : {inspect, run, header, train, quant, eval}) {
    s->add_flag("--json", globals->json, "Machine-readable JSON output on stdout");
    std::string name = s->get_name();
    s->callback([a, name] { a->action = name; });
  }
  return [globals, a]() -> int {
    const bool json = globals->json;
    if (a->action == "inspect") return RunInspect(*a, json);
    if (a->action == "run") return RunRun(*a, json);
    if (a->action == "header") return RunHeader(*a, json);
    if (a->action == "train") return RunTrain(*a, json);
    if (a->action == "quantize") return RunQuantize(*a, json);
    if (a->action == "eval") return RunEval(*a, json);
    PrintError("no model command given");
    return kExitUsage;
  };
}

}  // namespace autopilot::cli
