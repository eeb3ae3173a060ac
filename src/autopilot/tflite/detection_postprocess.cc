#include "autopilot/tflite/detection_postprocess.h"

#include <flatbuffers/flexbuffers.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace autopilot::tflite {
namespace {

struct Box {
  float ymin, xmin, ymax, xmax;
};

float Iou(const Box& a, const Box& b) {
  const float area_a = (a.ymax - a.ymin) * (a.xmax - a.xmin);
  const float area_b = (b.ymax - b.ymin) * (b.xmax - b.xmin);
  if (area_a <= 0 || area_b <= 0) return 0.0f;
  const float ymin = std::max(a.ymin, b.ymin), xmin = std::max(a.xmin, b.xmin);
  const float ymax = std::min(a.ymax, b.ymax), xmax = std::min(a.xmax, b.xmax);
  const float inter = std::max(ymax - ymin, 0.0f) * std::max(xmax - xmin, 0.0f);
  return inter / (area_a + area_b - inter);
}

/// Indices of the `k` largest of `values` (n of them), largest first (std::partial_sort, as
/// TFLite's DecreasingPartialArgSort).
void TopK(const float* values, int n, int k, std::vector<int>* out) {
  out->resize(static_cast<size_t>(n));
  std::iota(out->begin(), out->end(), 0);
  std::partial_sort(out->begin(), out->begin() + k, out->end(),
                    [values](int i, int j) { return values[i] > values[j]; });
  out->resize(static_cast<size_t>(k));
}

/// Greedy single-class NMS: candidates at or above the score threshold, in stable descending
/// score order; each taken box suppresses later ones overlapping it by more than the IoU
/// threshold; at most `limit` taken. Returns anchor indices.
std::vector<int> Nms(const std::vector<Box>& boxes, const std::vector<float>& scores, int limit,
                     const DetectionOptions& o) {
  std::vector<int> keep;
  for (int i = 0; i < static_cast<int>(scores.size()); ++i) {
    if (scores[static_cast<size_t>(i)] >= o.nms_score_threshold) keep.push_back(i);
  }
  std::stable_sort(keep.begin(), keep.end(), [&scores](int a, int b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  const size_t out_size = std::min(keep.size(), static_cast<size_t>(std::max(limit, 0)));
  std::vector<char> active(keep.size(), 1);
  size_t n_active = keep.size();
  std::vector<int> selected;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (n_active == 0 || selected.size() >= out_size) break;
    if (!active[i]) continue;
    selected.push_back(keep[i]);
    active[i] = 0;
    --n_active;
    for (size_t j = i + 1; j < keep.size(); ++j) {
      if (active[j] && Iou(boxes[static_cast<size_t>(keep[i])],
                           boxes[static_cast<size_t>(keep[j])]) > o.nms_iou_threshold) {
        active[j] = 0;
        --n_active;
      }
    }
  }
  return selected;
}

void WriteRow(size_t row, const Box& b, float cls, float score, float* boxes, float* classes,
              float* scores) {
  boxes[4 * row + 0] = b.ymin;
  boxes[4 * row + 1] = b.xmin;
  boxes[4 * row + 2] = b.ymax;
  boxes[4 * row + 3] = b.xmax;
  classes[row] = cls;
  scores[row] = score;
}

}  // namespace

std::vector<uint8_t> DetectionOptionsFlexbuffer(const DetectionOptions& o) {
  flexbuffers::Builder fbb;
  fbb.Map([&] {
    fbb.Int("max_detections", o.max_detections);
    fbb.Int("max_classes_per_detection", o.max_classes_per_detection);
    fbb.Int("detections_per_class", o.detections_per_class);
    fbb.Bool("use_regular_nms", o.use_regular_nms);
    fbb.Float("nms_score_threshold", o.nms_score_threshold);
    fbb.Float("nms_iou_threshold", o.nms_iou_threshold);
    fbb.Int("num_classes", o.num_classes);
    fbb.Float("y_scale", o.y_scale);
    fbb.Float("x_scale", o.x_scale);
    fbb.Float("h_scale", o.h_scale);
    fbb.Float("w_scale", o.w_scale);
  });
  fbb.Finish();
  return fbb.GetBuffer();
}

Result<DetectionOptions> ParseDetectionOptions(const std::vector<uint8_t>& flexbuffer) {
  const std::string op = std::string(kDetectionPostProcess) + ": ";
  if (flexbuffer.empty())
    return Error{"ml.schema_mismatch", op + "the operator has no custom options"};
  if (!flexbuffers::VerifyBuffer(flexbuffer.data(), flexbuffer.size())) {
    return Error{"ml.schema_mismatch", op + "the custom options are not a valid FlexBuffer"};
  }
  auto root = flexbuffers::GetRoot(flexbuffer.data(), flexbuffer.size());
  if (!root.IsMap()) return Error{"ml.schema_mismatch", op + "the custom options are not a map"};
  auto m = root.AsMap();
  std::string missing;
  auto has = [&](const char* key) { return !m[key].IsNull(); };
  auto need = [&](const char* key) {
    if (!has(key)) missing += (missing.empty() ? "" : ", ") + std::string(key);
  };
  for (const char* k :
       {"max_detections", "max_classes_per_detection", "nms_score_threshold", "nms_iou_threshold",
        "num_classes", "y_scale", "x_scale", "h_scale", "w_scale"}) {
    need(k);
  }
  if (!missing.empty()) return Error{"ml.schema_mismatch", op + "options lack " + missing};
  DetectionOptions o;
  o.max_detections = m["max_detections"].AsInt32();
  o.max_classes_per_detection = m["max_classes_per_detection"].AsInt32();
  if (has("detections_per_class")) o.detections_per_class = m["detections_per_class"].AsInt32();
  if (has("use_regular_nms")) o.use_regular_nms = m["use_regular_nms"].AsBool();
  o.nms_score_threshold = m["nms_score_threshold"].AsFloat();
  o.nms_iou_threshold = m["nms_iou_threshold"].AsFloat();
  o.num_classes = m["num_classes"].AsInt32();
  o.y_scale = m["y_scale"].AsFloat();
  o.x_scale = m["x_scale"].AsFloat();
  o.h_scale = m["h_scale"].AsFloat();
  o.w_scale = m["w_scale"].AsFloat();
  if (!(o.nms_iou_threshold > 0.0f && o.nms_iou_threshold <= 1.0f)) {
    return Error{"ml.schema_mismatch", op + "nms_iou_threshold must be in (0, 1]"};
  }
  if (o.max_detections < 1 || o.max_classes_per_detection < 1 || o.num_classes < 1 ||
      o.detections_per_class < 1 || o.max_detections > 100000 ||
      o.max_classes_per_detection > 1000) {
    return Error{"ml.schema_mismatch",
                 op + "max_detections, max_classes_per_detection, detections_per_class and "
                      "num_classes must be positive"};
  }
  for (float s : {o.y_scale, o.x_scale, o.h_scale, o.w_scale}) {
    if (!(s != 0.0f) || !std::isfinite(s))
      return Error{"ml.schema_mismatch", op + "box scales must be finite and non-zero"};
  }
  return o;
}

bool RunDetectionPostProcess(const DetectionOptions& o, const DetectionInputs& in, float* boxes,
                             float* classes, float* scores, float* num_detections) {
  const size_t rows = static_cast<size_t>(o.OutputRows());
  const int label_offset =
      in.num_classes_with_background - o.num_classes;  // 1: column 0 is background
  // Decode (CenterSize y, x, h, w against the anchors), in double as TFLite.
  std::vector<Box> decoded(static_cast<size_t>(in.num_anchors));
  for (int a = 0; a < in.num_anchors; ++a) {
    const float* e = in.box_encodings + static_cast<ptrdiff_t>(a) * in.box_code;
    const float* an = in.anchors + static_cast<ptrdiff_t>(a) * 4;
    const float yc = static_cast<float>(static_cast<double>(e[0]) / o.y_scale * an[2] + an[0]);
    const float xc = static_cast<float>(static_cast<double>(e[1]) / o.x_scale * an[3] + an[1]);
    const float hh =
        static_cast<float>(0.5 * std::exp(static_cast<double>(e[2]) / o.h_scale) * an[2]);
    const float hw =
        static_cast<float>(0.5 * std::exp(static_cast<double>(e[3]) / o.w_scale) * an[3]);
    decoded[static_cast<size_t>(a)] = {yc - hh, xc - hw, yc + hh, xc + hw};
    const Box& b = decoded[static_cast<size_t>(a)];
    if (b.ymin > b.ymax || b.xmin > b.xmax) {
      *num_detections = 0;
      return false;
    }
  }
  const float* sc = in.class_scores;
  const int ncwb = in.num_classes_with_background;
  if (!o.use_regular_nms) {
    // Fast NMS: each anchor's top classes; NMS once over the anchors' best scores.
    const int k = std::min(o.max_classes_per_detection, o.num_classes);
    std::vector<std::vector<int>> top(static_cast<size_t>(in.num_anchors));
    std::vector<float> best(static_cast<size_t>(in.num_anchors));
    for (int a = 0; a < in.num_anchors; ++a) {
      const float* row = sc + static_cast<ptrdiff_t>(a) * ncwb + label_offset;
      TopK(row, o.num_classes, k, &top[static_cast<size_t>(a)]);
      best[static_cast<size_t>(a)] = row[top[static_cast<size_t>(a)][0]];
    }
    std::vector<int> selected = Nms(decoded, best, o.max_detections, o);
    for (size_t i = 0; i < selected.size(); ++i) {
      const size_t a = static_cast<size_t>(selected[i]);
      const float* row = sc + static_cast<ptrdiff_t>(a) * ncwb + label_offset;
      for (int col = 0; col < k; ++col) {
        const size_t slot =
            static_cast<size_t>(o.max_classes_per_detection) * i + static_cast<size_t>(col);
        if (slot >= rows) break;
        const int cls = top[a][static_cast<size_t>(col)];
        WriteRow(slot, decoded[a], static_cast<float>(cls), row[cls], boxes, classes, scores);
      }
    }
    *num_detections = static_cast<float>(selected.size());
    return true;
  }
  // Regular NMS: per class, merged into the best max_detections by score.
  std::vector<int> kept_box;  // anchor * ncwb + column
  std::vector<float> kept_score;
  std::vector<float> class_scores(static_cast<size_t>(in.num_anchors));
  for (int col = 0; col < o.num_classes; ++col) {
    for (int a = 0; a < in.num_anchors; ++a) {
      class_scores[static_cast<size_t>(a)] =
          sc[static_cast<ptrdiff_t>(a) * ncwb + col + label_offset];
    }
    for (int a : Nms(decoded, class_scores, o.detections_per_class, o)) {
      kept_box.push_back(a * ncwb + col + label_offset);
      kept_score.push_back(class_scores[static_cast<size_t>(a)]);
    }
    const int n = static_cast<int>(kept_score.size());
    const int keep = std::min(n, o.max_detections);
    std::vector<int> order;
    TopK(kept_score.data(), n, keep, &order);
    std::vector<int> box2;
    std::vector<float> score2;
    for (int i : order) {
      box2.push_back(kept_box[static_cast<size_t>(i)]);
      score2.push_back(kept_score[static_cast<size_t>(i)]);
    }
    kept_box.swap(box2);
    kept_score.swap(score2);
  }
  for (size_t i = 0; i < static_cast<size_t>(o.max_detections) && i < rows; ++i) {
    if (i < kept_box.size()) {
      const int a = kept_box[i] / ncwb;
      const int cls = kept_box[i] - a * ncwb - label_offset;
      WriteRow(i, decoded[static_cast<size_t>(a)], static_cast<float>(cls), kept_score[i], boxes,
               classes, scores);
    } else {
      WriteRow(i, Box{0, 0, 0, 0}, 0.0f, 0.0f, boxes, classes, scores);
    }
  }
  *num_detections = static_cast<float>(kept_box.size());
  return true;
}

}  // namespace autopilot::tflite
