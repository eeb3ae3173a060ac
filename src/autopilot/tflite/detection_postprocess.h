#pragma once
// TFLite's custom operator TFLite_Detection_PostProcess (the SSD detectors' last step): decodes
// CenterSize box encodings against the anchors, runs fast (class-agnostic) or regular (per class)
// non-max suppression, and writes boxes (ymin, xmin, ymax, xmax), classes, scores and the number of
// detections. Arithmetic as TFLite's kernel: decoding in double, then float; NMS by a stable sort
// of the kept scores and greedy IoU suppression.

#include <cstdint>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::tflite {

inline constexpr const char* kDetectionPostProcess = "TFLite_Detection_PostProcess";

/// The operator's FlexBuffers options (custom_options).
struct DetectionOptions {
  int32_t max_detections = 0;
  int32_t max_classes_per_detection = 1;
  int32_t detections_per_class = 100;
  bool use_regular_nms = false;
  float nms_score_threshold = 0;
  float nms_iou_threshold = 0;
  int32_t num_classes = 0;
  float y_scale = 0, x_scale = 0, h_scale = 0, w_scale = 0;

  /// Detections written: max_detections × max_classes_per_detection.
  int32_t OutputRows() const { return max_detections * max_classes_per_detection; }
};

/// Parses and checks the options (required keys present, 0 < IoU threshold <= 1, positive
/// counts and scales). Errors name the key.
Result<DetectionOptions> ParseDetectionOptions(const std::vector<uint8_t>& flexbuffer);

/// The options as the operator's FlexBuffers custom_options (every key; the inverse of
/// ParseDetectionOptions), for models written by the tool and its tests.
std::vector<uint8_t> DetectionOptionsFlexbuffer(const DetectionOptions& o);

/// One invocation's inputs, dequantized to float.
struct DetectionInputs {
  const float* box_encodings = nullptr;  ///< [num_anchors, box_code] (y, x, h, w, …)
  int32_t box_code = 4;
  const float* class_scores = nullptr;  ///< [num_anchors, num_classes_with_background]
  int32_t num_classes_with_background = 0;
  const float* anchors = nullptr;  ///< [num_anchors, 4] (y, x, h, w)
  int32_t num_anchors = 0;
};

/// Runs the operator. Outputs hold OutputRows() rows; `num_detections` receives the count.
/// Returns false (and zero detections) when a decoded box is inverted, where TFLite fails.
bool RunDetectionPostProcess(const DetectionOptions& o, const DetectionInputs& in, float* boxes,
                             float* classes, float* scores, float* num_detections);

}  // namespace autopilot::tflite
