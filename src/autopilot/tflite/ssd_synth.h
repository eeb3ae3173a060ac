#pragma once
// A hand-weighted, fully quantized SSD-style detector with the I/O signature of the quantized
// SSD-MobileNet v1 (uint8 [1,300,300,3] in, TFLite_Detection_PostProcess out): an offline
// stand-in for the real COCO model that really finds white ("sheep") and brown ("horse") blobs
// on a green field, so the edge stages can be run and judged without the user's model file.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/tflite/model.h"

namespace autopilot::tflite {

/// What can vary between builds of the synthetic detector.
struct SyntheticSsdOptions {
  int32_t max_detections = 10;
  float score_threshold = 0.3f;
  float iou_threshold = 0.3f;  // the video's objects barely overlap; anchors of one blob do
  /// Outputs declared with their real shapes (LiteRT.js needs them); else [] as the real model.
  bool static_outputs = false;
  /// Box encodings DEQUANTIZEd to float before the post-process (a diagnostic variant).
  bool float_encodings = false;
};

/// The input side: 300 pixels square, split into cells of 10 pixels (30 × 30).
inline constexpr int32_t kSsdInputSize = 300;
inline constexpr int32_t kSsdCell = 10;
inline constexpr int32_t kSsdGrid = kSsdInputSize / kSsdCell;

/// One anchor shape of the detector, in cells.
struct SsdAnchorShape {
  int32_t h = 0, w = 0;
};
/// The anchor shapes, in the order their anchors appear (each shape: all 30 × 30 positions).
std::vector<SsdAnchorShape> SyntheticSsdAnchorShapes();

/// The labels, one per class id: the study's COCO label map (90 lines from "person", "???" for
/// unused ids). The detector finds "sheep" (id 19) and "horse" (id 18).
std::vector<std::string> SyntheticSsdLabels();
/// The class id of a label ("sheep" → 19), -1 when it is not in the map.
int32_t SyntheticSsdClassId(const std::string& name);
/// The label file text (one label a line, class id = line index), as the COCO labelmap is read.
std::string SyntheticSsdLabelFile();

/// Builds the model: AVERAGE_POOL_2D to 10-pixel cells, a 1×1 CONV_2D from cell colour to
/// per-class logits and LOGISTIC (a soft class mask per cell); per anchor shape a CONV_2D
/// scoring "mask inside the anchor minus mask in a ring around it" (so the best-fitting anchor
/// scores highest), RESHAPE, CONCATENATION, a one-hot 1x1 CONV_2D onto the 90 COCO classes, LOGISTIC; zero box encodings from a zero CONV_2D (boxes are the
/// anchors) and constant anchors; TFLite_Detection_PostProcess (fast NMS).
Model BuildSyntheticSsd(const SyntheticSsdOptions& options = {});

}  // namespace autopilot::tflite
