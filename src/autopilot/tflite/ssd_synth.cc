// BuildSyntheticSsd: weights set by hand from the colours the synthetic video and the tests draw.

#include "autopilot/tflite/ssd_synth.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/model_builder.h"

namespace autopilot::tflite {
namespace {

constexpr int32_t kClasses = 2;  // sheep, horse; the class predictions add a background column
// The COCO label map of the study (90 ids from 0 = person, "???" for the unused ones), as the
// quantized SSD-MobileNet v1 reads it; the detector's two classes keep their COCO ids.
constexpr int32_t kCocoClasses = 90;
constexpr std::array<int32_t, kClasses> kCocoIds = {19, 18};  // sheep, horse
constexpr std::array<const char*, kCocoClasses> kCocoLabels = {
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "???", "stop sign", "parking meter", "bench", "bird", "cat",
    "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "???", "backpack",
    "umbrella", "???", "???", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard",
    "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "???", "wine glass", "cup", "fork", "knife", "spoon", "bowl",
    "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
    "cake", "chair", "couch", "potted plant", "bed", "???", "dining table", "???", "???",
    "toilet", "???", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave",
    "oven", "toaster", "sink", "refrigerator", "???", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush"};

// Per-class colour logit = w · (r, g, b) + bias on the cell's mean colour in the input's real
// units ((q - 128) / 128). Sheep: bright red and blue (white); horse: red above green with
// little blue (brown); the green field is negative for both, a half-covered cell near 0.
constexpr std::array<std::array<float, 3>, kClasses> kColourWeights = {{{6.0f, 0.0f, 6.0f},
                                                                        {16.0f, -16.0f, -8.0f}}};
constexpr std::array<float, kClasses> kColourBias = {-1.38f, -3.04f};

// Anchor score logit = kSharpness · (d - kFit), d = (mask inside − mask in the ring) / area.
// d is 1 for an anchor that fits its blob exactly and about 0.5 for one whose IoU with it is 0.6.
constexpr float kSharpness = 14.0f;
constexpr float kFit = 0.6f;

uint8_t QuantizeU8(float real, float scale, int32_t zero_point) {
  const long q = std::lround(real / scale) + zero_point;
  return static_cast<uint8_t>(std::clamp<long>(q, 0, 255));
}

// A uint8 filter (zero point 128, scale from the largest magnitude) and its int32 bias.
struct QuantFilter {
  std::vector<uint8_t> q;
  std::vector<int32_t> bias;
  float scale = 1.0f;
};

QuantFilter QuantizeFilter(const std::vector<float>& w, const std::vector<float>& bias,
                           float input_scale) {
  float peak = 0.0f;
  for (float v : w) peak = std::max(peak, std::fabs(v));
  QuantFilter f;
  f.scale = peak > 0.0f ? peak / 127.0f : 1.0f;
  for (float v : w) f.q.push_back(QuantizeU8(v, f.scale, 128));
  for (float b : bias) {
    f.bias.push_back(static_cast<int32_t>(std::lround(b / (input_scale * f.scale))));
  }
  return f;
}

int32_t Ring(int32_t side) { return std::max(1, static_cast<int32_t>(std::lround(side / 4.0))); }

std::vector<uint8_t> PostProcessOptions(const SyntheticSsdOptions& o) {
  DetectionOptions d;
  d.max_detections = o.max_detections;
  d.nms_score_threshold = o.score_threshold;
  d.nms_iou_threshold = o.iou_threshold;
  d.num_classes = kCocoClasses;
  d.y_scale = d.x_scale = 10.0f;
  d.h_scale = d.w_scale = 5.0f;
  return DetectionOptionsFlexbuffer(d);
}

OpOptions Conv(Padding padding) {
  OpOptions o;
  o.padding = padding;
  return o;
}

}  // namespace

std::vector<SsdAnchorShape> SyntheticSsdAnchorShapes() {
  std::vector<SsdAnchorShape> shapes;
  for (int32_t s : {3, 4, 5, 7, 9, 12, 16, 20}) {
    shapes.push_back({s, s});
    shapes.push_back({s, static_cast<int32_t>(std::lround(s * 1.5))});
    shapes.push_back({static_cast<int32_t>(std::lround(s * 1.5)), s});
  }
  return shapes;
}

std::vector<std::string> SyntheticSsdLabels() {
  return std::vector<std::string>(kCocoLabels.begin(), kCocoLabels.end());
}

int32_t SyntheticSsdClassId(const std::string& name) {
  for (size_t i = 0; i < kCocoLabels.size(); ++i) {
    if (name == kCocoLabels[i]) return static_cast<int32_t>(i);
  }
  return -1;
}

std::string SyntheticSsdLabelFile() {
  std::string text;
  for (const std::string& l : SyntheticSsdLabels()) text += l + "\n";
  return text;
}

Model BuildSyntheticSsd(const SyntheticSsdOptions& options) {
  ModelBuilder b;
  const float in_scale = 1.0f / 128.0f;
  const Quantization image_q = QuantParams(in_scale, 128);
  const Quantization mask_q = QuantParams(1.0f / 256.0f, 0);   // LOGISTIC's uint8 output
  const Quantization colour_q = QuantParams(0.125f, 128);      // logits in [-16, 16)
  const Quantization logit_q = QuantParams(1.0f / 16.0f, 128);  // logits in [-8, 8)

  const int32_t image = b.AddTensor("normalized_input_image_tensor", DType::kUInt8,
                                    {1, kSsdInputSize, kSsdInputSize, 3}, image_q);
  const int32_t cells =
      b.AddTensor("cells/AvgPool", DType::kUInt8, {1, kSsdGrid, kSsdGrid, 3}, image_q);
  OpOptions pool;
  pool.padding = Padding::kValid;
  pool.filter_h = pool.filter_w = kSsdCell;
  pool.stride_h = pool.stride_w = kSsdCell;
  b.AddOp(op::kAveragePool2D, {image}, {cells}, pool);

  // Cell colour → per-class logits → soft masks.
  std::vector<float> cw, cb;
  for (int c = 0; c < kClasses; ++c) {
    for (float v : kColourWeights[static_cast<size_t>(c)]) cw.push_back(v);
    cb.push_back(kColourBias[static_cast<size_t>(c)]);
  }
  const QuantFilter colour = QuantizeFilter(cw, cb, in_scale);
  const int32_t cw_t = b.AddConstant("colour/weights", DType::kUInt8, {kClasses, 1, 1, 3}, colour.q,
                                     QuantParams(colour.scale, 128));
  const int32_t cb_t = b.AddConstant("colour/bias", DType::kInt32, {kClasses}, colour.bias,
                                     QuantParams(in_scale * colour.scale, 0));
  const int32_t colour_logits =
      b.AddTensor("colour/Conv2D", DType::kUInt8, {1, kSsdGrid, kSsdGrid, kClasses}, colour_q);
  b.AddOp(op::kConv2D, {cells, cw_t, cb_t}, {colour_logits}, Conv(Padding::kValid));
  const int32_t masks =
      b.AddTensor("colour/Sigmoid", DType::kUInt8, {1, kSsdGrid, kSsdGrid, kClasses}, mask_q);
  b.AddOp(op::kLogistic, {colour_logits}, {masks});

  // One scoring convolution per anchor shape; SAME padding treats outside the image as field.
  const auto shapes = SyntheticSsdAnchorShapes();
  const int32_t per_shape = kSsdGrid * kSsdGrid;
  const int32_t anchors_n = per_shape * static_cast<int32_t>(shapes.size());
  std::vector<int32_t> parts, box_parts;
  std::vector<float> anchors;
  anchors.reserve(static_cast<size_t>(anchors_n) * 4);
  const float mask_scale = 1.0f / 256.0f;
  for (size_t t = 0; t < shapes.size(); ++t) {
    const SsdAnchorShape s = shapes[t];
    const int32_t rh = Ring(s.h), rw = Ring(s.w);
    const int32_t kh = s.h + 2 * rh, kw = s.w + 2 * rw;
    const float area = static_cast<float>(s.h * s.w);
    // Filter [out = background + classes, kh, kw, in = classes].
    std::vector<float> w(static_cast<size_t>((kClasses + 1) * kh * kw * kClasses), 0.0f);
    for (int32_t c = 0; c < kClasses; ++c) {
      for (int32_t y = 0; y < kh; ++y) {
        for (int32_t x = 0; x < kw; ++x) {
          const bool inside = y >= rh && y < rh + s.h && x >= rw && x < rw + s.w;
          const size_t at = ((static_cast<size_t>(c + 1) * kh + y) * kw + x) * kClasses + c;
          w[at] = (inside ? kSharpness : -kSharpness) / area;
        }
      }
    }
    std::vector<float> bias = {-8.0f};  // background: never a detection (column ignored anyway)
    for (int32_t c = 0; c < kClasses; ++c) bias.push_back(-kSharpness * kFit);
    const QuantFilter f = QuantizeFilter(w, bias, mask_scale);
    const std::string name = "anchors_" + std::to_string(s.h) + "x" + std::to_string(s.w);
    const int32_t wt = b.AddConstant(name + "/weights", DType::kUInt8,
                                     {kClasses + 1, kh, kw, kClasses}, f.q,
                                     QuantParams(f.scale, 128));
    const int32_t bt = b.AddConstant(name + "/bias", DType::kInt32, {kClasses + 1}, f.bias,
                                     QuantParams(mask_scale * f.scale, 0));
    const int32_t out = b.AddTensor(name + "/Conv2D", DType::kUInt8,
                                    {1, kSsdGrid, kSsdGrid, kClasses + 1}, logit_q);
    b.AddOp(op::kConv2D, {masks, wt, bt}, {out}, Conv(Padding::kSame));
    const int32_t flat =
        b.AddTensor(name + "/Reshape", DType::kUInt8, {1, per_shape, kClasses + 1}, logit_q);
    OpOptions reshape;
    reshape.new_shape = {1, per_shape, kClasses + 1};
    const int32_t shape_t =
        b.AddConstant(name + "/shape", DType::kInt32, {3}, reshape.new_shape);
    b.AddOp(op::kReshape, {out, shape_t}, {flat}, reshape);
    parts.push_back(flat);
    // Zero box encodings (the boxes are the anchors), computed rather than constant: LiteRT
    // decodes a constant encodings tensor to empty boxes.
    const int32_t zw = b.AddConstant(name + "/box/weights", DType::kUInt8, {4, 1, 1, kClasses},
                                     std::vector<uint8_t>(4 * kClasses, 128),
                                     QuantParams(1.0f / 128.0f, 128));
    const int32_t zb = b.AddConstant(name + "/box/bias", DType::kInt32, {4},
                                     std::vector<int32_t>(4, 0),
                                     QuantParams(mask_scale / 128.0f, 0));
    const int32_t zc = b.AddTensor(name + "/box/Conv2D", DType::kUInt8,
                                   {1, kSsdGrid, kSsdGrid, 4}, QuantParams(1.0f / 16.0f, 128));
    b.AddOp(op::kConv2D, {masks, zw, zb}, {zc}, Conv(Padding::kValid));
    OpOptions box_reshape;
    box_reshape.new_shape = {1, per_shape, 4};
    const int32_t box_shape_t =
        b.AddConstant(name + "/box/shape", DType::kInt32, {3}, box_reshape.new_shape);
    const int32_t box_flat = b.AddTensor(name + "/box/Reshape", DType::kUInt8, {1, per_shape, 4},
                                         QuantParams(1.0f / 16.0f, 128));
    b.AddOp(op::kReshape, {zc, box_shape_t}, {box_flat}, box_reshape);
    box_parts.push_back(box_flat);
    // The anchor of output (i, j): the filter's inner window, placed as the interpreter's SAME
    // padding places the filter.
    const int32_t pad_h = (kh - 1) / 2, pad_w = (kw - 1) / 2;
    for (int32_t i = 0; i < kSsdGrid; ++i) {
      for (int32_t j = 0; j < kSsdGrid; ++j) {
        const float yc = static_cast<float>(i - pad_h + rh) + static_cast<float>(s.h) / 2.0f;
        const float xc = static_cast<float>(j - pad_w + rw) + static_cast<float>(s.w) / 2.0f;
        anchors.push_back(yc / kSsdGrid);
        anchors.push_back(xc / kSsdGrid);
        anchors.push_back(static_cast<float>(s.h) / kSsdGrid);
        anchors.push_back(static_cast<float>(s.w) / kSsdGrid);
      }
    }
  }
  const int32_t logits =
      b.AddTensor("concat_logits", DType::kUInt8, {1, anchors_n, kClasses + 1}, logit_q);
  OpOptions concat;
  concat.axis = 1;
  b.AddOp(op::kConcatenation, parts, {logits}, concat);
  // Spread the columns (background, sheep, horse) onto the COCO label map's 90 classes (+ the
  // background column): a one-hot 1x1 CONV_2D; every other class gets the lowest logit.
  OpOptions as_image;
  as_image.new_shape = {1, anchors_n, 1, kClasses + 1};
  const int32_t as_image_shape = b.AddConstant("coco/shape_in", DType::kInt32, {4}, as_image.new_shape);
  const int32_t logits_4d =
      b.AddTensor("coco/Reshape_in", DType::kUInt8, {1, anchors_n, 1, kClasses + 1}, logit_q);
  b.AddOp(op::kReshape, {logits, as_image_shape}, {logits_4d}, as_image);
  const int32_t columns = kCocoClasses + 1;
  std::vector<uint8_t> one_hot(static_cast<size_t>(columns * (kClasses + 1)), 128);
  std::vector<int32_t> coco_bias(static_cast<size_t>(columns), 0);
  const float onehot_scale = 1.0f / 127.0f;
  const float low_logit = -8.0f;  // q = 0 in logit_q: sigmoid(-8) = 0.0003
  for (int32_t col = 0; col < columns; ++col) {
    int32_t src = -1;
    if (col == 0) src = 0;
    for (int32_t c = 0; c < kClasses; ++c) {
      if (col == kCocoIds[static_cast<size_t>(c)] + 1) src = c + 1;
    }
    if (src >= 0) {
      one_hot[static_cast<size_t>(col * (kClasses + 1) + src)] = 255;  // weight 1.0
    } else {
      coco_bias[static_cast<size_t>(col)] =
          static_cast<int32_t>(std::lround(low_logit / ((1.0f / 16.0f) * onehot_scale)));
    }
  }
  const int32_t coco_w = b.AddConstant("coco/weights", DType::kUInt8, {columns, 1, 1, kClasses + 1},
                                       one_hot, QuantParams(onehot_scale, 128));
  const int32_t coco_b = b.AddConstant("coco/bias", DType::kInt32, {columns}, coco_bias,
                                       QuantParams((1.0f / 16.0f) * onehot_scale, 0));
  const int32_t coco_conv =
      b.AddTensor("coco/Conv2D", DType::kUInt8, {1, anchors_n, 1, columns}, logit_q);
  b.AddOp(op::kConv2D, {logits_4d, coco_w, coco_b}, {coco_conv}, Conv(Padding::kValid));
  OpOptions flat_cols;
  flat_cols.new_shape = {1, anchors_n, columns};
  const int32_t flat_shape = b.AddConstant("coco/shape_out", DType::kInt32, {3}, flat_cols.new_shape);
  const int32_t coco_logits = b.AddTensor("coco/Reshape_out", DType::kUInt8, {1, anchors_n, columns}, logit_q);
  b.AddOp(op::kReshape, {coco_conv, flat_shape}, {coco_logits}, flat_cols);
  const int32_t class_predictions = b.AddTensor(
      "raw_outputs/class_predictions", DType::kUInt8, {1, anchors_n, columns}, mask_q);
  b.AddOp(op::kLogistic, {coco_logits}, {class_predictions});

  const int32_t box_encodings = b.AddTensor("raw_outputs/box_encodings", DType::kUInt8,
                                            {1, anchors_n, 4}, QuantParams(1.0f / 16.0f, 128));
  b.AddOp(op::kConcatenation, box_parts, {box_encodings}, concat);
  int32_t box_input = box_encodings;
  if (options.float_encodings) {
    box_input = b.AddTensor("raw_outputs/box_encodings_float", DType::kFloat32, {1, anchors_n, 4});
    b.AddOp(op::kDequantize, {box_encodings}, {box_input});
  }
  const int32_t anchors_t =
      b.AddConstant("anchors", DType::kFloat32, {anchors_n, 4}, anchors);

  const int32_t n = options.max_detections;
  auto shape = [&](std::vector<int32_t> s) {
    return options.static_outputs ? s : std::vector<int32_t>{};
  };
  const int32_t boxes =
      b.AddTensor("TFLite_Detection_PostProcess", DType::kFloat32, shape({1, n, 4}));
  const int32_t classes =
      b.AddTensor("TFLite_Detection_PostProcess:1", DType::kFloat32, shape({1, n}));
  const int32_t scores =
      b.AddTensor("TFLite_Detection_PostProcess:2", DType::kFloat32, shape({1, n}));
  const int32_t count =
      b.AddTensor("TFLite_Detection_PostProcess:3", DType::kFloat32, shape({1}));
  b.AddOp(op::kCustom, {box_input, class_predictions, anchors_t},
          {boxes, classes, scores, count});
  b.SetInputs({image});
  b.SetOutputs({boxes, classes, scores, count});
  b.AddMetadata("autopilot.synthetic_ssd", "sheep=white horse=brown; not a trained model");
  Model m = b.Finish();
  m.signatures.clear();  // the TF1-exported SSD-MobileNet has none (pycoral reads outputs by position then)
  Operator& post = m.subgraphs[0].operators.back();
  post.custom_code = kDetectionPostProcess;
  post.custom_options = PostProcessOptions(options);
  return m;
}

}  // namespace autopilot::tflite
