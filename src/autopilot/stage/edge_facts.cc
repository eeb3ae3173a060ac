#include "autopilot/stage/edge_facts.h"

#include <cstdio>
#include <vector>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/model.h"
#include "autopilot/util/error_codes.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::stage {
namespace {

using nlohmann::json;

constexpr size_t kLabelPreview = 10;

/// What each device offers a script. psg and tpusg differ in the interpreter package and the
/// delegate; both are headless Linux boards with Debian-style OpenCV and numpy.
struct Device {
  const char* name;
  const char* runtime;
  const char* delegate;
  const char* modules;
};

const Device kRaspberryPi = {
    "Raspberry Pi 4B",
    "Raspberry Pi OS (64-bit, aarch64) with Python 3. The TFLite interpreter comes from "
    "ai_edge_litert (from ai_edge_litert.interpreter import Interpreter) or, on older images, "
    "tflite_runtime (from tflite_runtime.interpreter import Interpreter); OpenCV (cv2) and numpy "
    "are installed; TensorFlow and pycoral are not. Headless: there is no display, so no "
    "cv2.imshow, cv2.waitKey or other GUI calls.",
    "none — CPU only",
    "numpy, cv2, ai_edge_litert.interpreter (or tflite_runtime.interpreter as a guarded fallback) "
    "and the Python standard library (os, sys, time, …); nothing else"};

const Device kCoral = {
    "Coral Dev Board",
    "Mendel Linux (aarch64) with Python 3 and the Edge TPU runtime. The TFLite interpreter comes "
    "from tflite_runtime (from tflite_runtime.interpreter import Interpreter, load_delegate); "
    "pycoral is installed too (pycoral.utils.edgetpu, pycoral.adapters.common, "
    "pycoral.adapters.detect); OpenCV (cv2) and numpy are installed; TensorFlow and ai_edge_litert "
    "are not. Headless: there is no display, so no cv2.imshow, cv2.waitKey or other GUI calls.",
    "Edge TPU, loaded with delegate = load_delegate('libedgetpu.so.1') and passed as "
    "Interpreter(model_path=MODEL_PATH, experimental_delegates=[delegate]); if that name does not "
    "load, try 'libedgetpu.so.1.0', then '/usr/lib/aarch64-linux-gnu/libedgetpu.so.1.0' "
    "(pycoral.utils.edgetpu.make_interpreter(MODEL_PATH) does the same with 'libedgetpu.so.1'). "
    "If none loads, print which libraries were tried and the error, and exit with a non-zero "
    "status: never fall back to the CPU silently",
    "numpy, cv2, tflite_runtime.interpreter (Interpreter, load_delegate), optionally "
    "pycoral.utils.edgetpu and pycoral.adapters, and the Python standard library (os, sys, time, "
    "…); nothing else"};

std::string ShapeText(const std::vector<int32_t>& shape) {
  std::vector<std::string> parts;
  for (int32_t d : shape) parts.push_back(std::to_string(d));
  return "[" + util::Join(parts, ", ") + "]";
}

std::string Extension(const std::string& path) {
  size_t slash = path.find_last_of('/');
  size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return util::ToLower(path.substr(dot));
}

/// The labels file's lines (trailing CR and blanks at the end dropped).
Result<std::vector<std::string>> ReadLabels(const std::string& file) {
  auto text = util::ReadFile(file);
  if (!text) return Error{text.error().code, "edge.labels: " + text.error().message};
  std::vector<std::string> labels;
  for (auto& line : util::Split(*text, '\n')) labels.push_back(util::Trim(line));
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty())
    return Error{errc::kData, "edge.labels: " + file + ": the labels file is empty"};
  return labels;
}

/// Which detection output (0 boxes, 1 classes, 2 scores, 3 count) each model output is, and how
/// many detections the operator writes (0 = unknown): the post-processing op fixes its outputs'
/// order; without it the classic order is assumed.
struct DetectionLayout {
  std::vector<int> roles = {0, 1, 2, 3};
  int32_t rows = 0;
};

DetectionLayout Layout(const tflite::SubGraph& sg) {
  DetectionLayout layout;
  for (const auto& op : sg.operators) {
    if (op.custom_code != tflite::kDetectionPostProcess || op.outputs.size() != 4) continue;
    for (size_t i = 0; i < sg.outputs.size(); ++i) {
      for (size_t r = 0; r < 4; ++r) {
        if (op.outputs[r] == sg.outputs[i]) layout.roles[i] = static_cast<int>(r);
      }
    }
    auto options = tflite::ParseDetectionOptions(op.custom_options);
    if (options) layout.rows = options->OutputRows();
  }
  return layout;
}

std::string OutputsSentence(const tflite::SubGraph& sg, const std::vector<std::string>& labels) {
  static const char* kWhat[] = {
      "boxes: one [ymin, xmin, ymax, xmax] per detection, normalized to 0..1 of the image "
      "(multiply "
      "y by the frame height and x by the frame width, then clip to the frame)",
      nullptr,  // classes: depends on the labels file
      "scores: the confidence of each detection, 0..1",
      "count: the number of valid detections; read only the first int(count) entries of the other "
      "three"};
  std::string classes =
      labels.front() == "???"
          ? "classes: the class id of each detection as a float; the labels file's first line is a "
            "placeholder, so the label of id k is line k + 1 (0-based): labels[int(k) + 1]"
          : "classes: the class id of each detection as a float; the label of id k is line k of "
            "the "
            "labels file (0-based): labels[int(k)]";
  DetectionLayout layout = Layout(sg);
  // SSD exports declare the outputs without a shape (the operator sets it at allocation).
  const std::string n = layout.rows > 0 ? std::to_string(layout.rows) : "N";
  const std::string kShapes[] = {"[1, " + n + ", 4]", "[1, " + n + "]", "[1, " + n + "]", "[1]"};
  std::vector<std::string> parts;
  bool all_float = true;
  for (size_t i = 0; i < sg.outputs.size(); ++i) {
    const auto& t = sg.tensors.at(static_cast<size_t>(sg.outputs[i]));
    all_float = all_float && t.type == tflite::DType::kFloat32;
    int role = layout.roles[i];
    std::string shape = t.shape.empty() ? kShapes[role] : ShapeText(t.shape);
    parts.push_back("output " + std::to_string(i) + " (" +
                    util::ToLower(tflite::DTypeName(t.type)) + ", shape " + shape + ") " +
                    (role == 1 ? classes : kWhat[role]));
  }
  return "4 tensors from the " + std::string(tflite::kDetectionPostProcess) +
         " operator, in the order get_output_details() lists them: " + util::Join(parts, "; ") +
         (all_float ? ". They are float32 already: do not dequantize them."
                    : ". Dequantize an integer output as scale * (q - zero_point) with its own "
                      "quantization.");
}

json App(const config::ProjectConfig& p) {
  const auto& a = p.application;
  return {{"name", a.name.empty() ? "object detection on a video file" : a.name},
          {"description",
           a.description.empty()
               ? "detect objects in every frame of a video with a quantized SSD-MobileNet v1 "
                 "detector, draw a box and a label with its score around every detection at or "
                 "above the threshold, and write the annotated video"
               : a.description}};
}

}  // namespace

Result<std::vector<int>> DetectionOutputRoles(const std::string& model_path, int32_t* rows) {
  auto model = tflite::LoadModel(model_path);
  if (!model) return model.error();
  if (model->subgraphs.empty()) return Error{"ml.schema_mismatch", model_path + ": no subgraph"};
  DetectionLayout layout = Layout(model->subgraphs[0]);
  if (rows) *rows = layout.rows;
  layout.roles.resize(std::min<size_t>(layout.roles.size(), model->subgraphs[0].outputs.size()));
  return layout.roles;
}

Result<json> EdgeFacts(const config::ProjectConfig& p, const std::string& stage) {
  const Device* device = stage == "psg" ? &kRaspberryPi : stage == "tpusg" ? &kCoral : nullptr;
  if (device == nullptr)
    return Error{errc::kHarnessBug, "EdgeFacts: '" + stage + "' is not an edge stage"};
  const auto& e = p.edge;
  const std::string where = p.source_file.empty() ? "the project" : p.source_file;
  if (!e.present) {
    return Error{errc::kConfig, where + " has no edge: section; the " + stage +
                                    " stage needs its model, labels, input and output"};
  }
  auto model = tflite::LoadModel(e.model.file);
  if (!model) return Error{model.error().code, "edge.model: " + model.error().message};
  if (model->subgraphs.empty())
    return Error{errc::kModelInvalid, "edge.model: " + e.model.file + ": no subgraph"};
  const auto& sg = model->subgraphs[0];
  if (sg.inputs.size() != 1) {
    return Error{errc::kModelInvalid, "edge.model: " + e.model.file +
                                          ": expected one image input, found " +
                                          std::to_string(sg.inputs.size())};
  }
  if (sg.outputs.size() != 4) {
    return Error{errc::kModelInvalid,
                 "edge.model: " + e.model.file + ": expected the 4 outputs of " +
                     tflite::kDetectionPostProcess + " (boxes, classes, scores, count), found " +
                     std::to_string(sg.outputs.size())};
  }
  const auto& in = sg.tensors.at(static_cast<size_t>(sg.inputs[0]));
  if (in.shape.size() != 4) {
    return Error{errc::kModelInvalid, "edge.model: " + e.model.file + ": input shape " +
                                          ShapeText(in.shape) +
                                          " is not [1, height, width, channels]"};
  }
  auto labels = ReadLabels(e.labels.file);
  if (!labels) return labels.error();

  bool quantized = !in.quant.scale.empty();
  char scale[32] = "none (float)";
  if (quantized) std::snprintf(scale, sizeof scale, "%.9g", static_cast<double>(in.quant.scale[0]));
  std::string zero_point = quantized && !in.quant.zero_point.empty()
                               ? std::to_string(in.quant.zero_point[0])
                               : "none (float)";

  json preview = json::array();
  for (size_t i = 0; i < labels->size() && i < kLabelPreview; ++i) preview.push_back((*labels)[i]);

  std::string ext = Extension(e.input.as);
  std::string fourcc = Extension(e.output.as) == ".avi" ? "MJPG" : "mp4v";
  return json{
      {"app", App(p)},
      {"device",
       {{"name", device->name}, {"runtime", device->runtime}, {"delegate", device->delegate}}},
      {"model",
       {{"path", e.model.as},
        {"input",
         {{"dtype", util::ToLower(tflite::DTypeName(in.type))},
          {"shape", ShapeText(in.shape)},
          {"height", in.shape[1]},
          {"width", in.shape[2]},
          {"scale", std::string(scale)},
          {"zero_point", zero_point}}},
        {"outputs", OutputsSentence(sg, *labels)}}},
      {"labels", {{"path", e.labels.as}, {"count", labels->size()}, {"preview", preview}}},
      {"input",
       {{"path", e.input.as},
        {"description",
         "a video file" + (ext.empty() ? std::string() : " (" + ext + ")") +
             "; open it with cv2.VideoCapture and read frames until read() returns "
             "False. Frames are BGR uint8 of the video's own size, which is not the "
             "model's; the frame count and rate are the file's own: do not assume them"}}},
      {"output",
       {{"path", e.output.as},
        {"description",
         "the annotated video: every input frame, in order, at the input's width, height and frame "
         "rate (cv2.CAP_PROP_FPS; 30 if it reports 0), each with a rectangle and a text of its "
         "label and score "
         "for every detection at or above the threshold (frames without detections are written "
         "unchanged). Write it with cv2.VideoWriter and fourcc '" +
             fourcc +
             "'; create its folder "
             "first (os.makedirs(..., exist_ok=True)) and check isOpened(), because OpenCV does "
             "not raise "
             "when it cannot write"}}},
      {"threshold", e.threshold},
      {"python", {{"modules", device->modules}}}};
}

}  // namespace autopilot::stage
