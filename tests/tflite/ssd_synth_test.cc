// The synthetic SSD detector: the real model's I/O signature, a Save/Load round trip, and real
// detections (right class, high score, box on the drawn object) on frames drawn here.

#include "autopilot/tflite/ssd_synth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <vector>

#include "autopilot/tflite/detection_postprocess.h"
#include "autopilot/tflite/interpreter.h"
#include "autopilot/tflite/litert_oracle.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::tflite {
namespace {

constexpr int kSide = kSsdInputSize;
const int kSheep = SyntheticSsdClassId("sheep");  // 19 in the COCO map
const int kHorse = SyntheticSsdClassId("horse");  // 18

struct Rect {
  int x0, y0, x1, y1;  ///< pixels, exclusive end
};

/// A 300×300 RGB frame: a textured green field (as make_video.py paints it).
std::vector<uint8_t> Field() {
  std::vector<uint8_t> px(static_cast<size_t>(kSide * kSide * 3));
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const int t = ((x * 7 + y * 13) % 23) - 11;  // a deterministic grass texture
      uint8_t* p = &px[static_cast<size_t>((y * kSide + x) * 3)];
      p[0] = static_cast<uint8_t>(60 + t);
      p[1] = static_cast<uint8_t>(140 + t);
      p[2] = static_cast<uint8_t>(50 + t / 2);
    }
  }
  return px;
}

void Fill(std::vector<uint8_t>* px, Rect r, uint8_t red, uint8_t green, uint8_t blue) {
  for (int y = std::max(0, r.y0); y < std::min(kSide, r.y1); ++y) {
    for (int x = std::max(0, r.x0); x < std::min(kSide, r.x1); ++x) {
      uint8_t* p = &(*px)[static_cast<size_t>((y * kSide + x) * 3)];
      p[0] = red;
      p[1] = green;
      p[2] = blue;
    }
  }
}
void Sheep(std::vector<uint8_t>* px, Rect r) { Fill(px, r, 235, 235, 228); }
void Horse(std::vector<uint8_t>* px, Rect r) { Fill(px, r, 140, 90, 50); }

struct Detection {
  float ymin, xmin, ymax, xmax, cls, score;
};

std::vector<Detection> Detect(Interpreter& in, const std::vector<uint8_t>& frame) {
  EXPECT_TRUE(in.SetInputBytes(0, frame).ok());
  in.Invoke();
  auto floats = [&](size_t i) {
    auto b = in.TensorBytes(in.OutputIndex(i));
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), b.size());
    return v;
  };
  const auto boxes = floats(0), classes = floats(1), scores = floats(2), count = floats(3);
  std::vector<Detection> out;
  for (int i = 0; i < static_cast<int>(count.at(0)); ++i) {
    const auto k = static_cast<size_t>(i);
    out.push_back({boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3], classes[k],
                   scores[k]});
  }
  return out;
}

double Iou(const Detection& d, Rect r) {
  const double ax0 = d.xmin * kSide, ay0 = d.ymin * kSide, ax1 = d.xmax * kSide,
               ay1 = d.ymax * kSide;
  const double bx0 = std::max(0, r.x0), by0 = std::max(0, r.y0), bx1 = std::min(kSide, r.x1),
               by1 = std::min(kSide, r.y1);
  const double iw = std::max(0.0, std::min(ax1, bx1) - std::max(ax0, bx0));
  const double ih = std::max(0.0, std::min(ay1, by1) - std::max(ay0, by0));
  const double inter = iw * ih;
  return inter / ((ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter);
}

struct Truth {
  Rect r;
  int cls;
};

// Each object found once, with its class, score >= 0.75 and IoU >= 0.3 (the IoU reached is
// printed); no other detection scores 0.5 or more.
void ExpectFinds(const std::vector<Detection>& dets, const std::vector<Truth>& truth) {
  std::vector<bool> used(dets.size(), false);
  for (const Truth& t : truth) {
    int best = -1;
    double best_iou = 0;
    for (size_t i = 0; i < dets.size(); ++i) {
      const double iou = Iou(dets[i], t.r);
      if (static_cast<int>(dets[i].cls) == t.cls && iou > best_iou) {
        best = static_cast<int>(i);
        best_iou = iou;
      }
    }
    ASSERT_GE(best, 0) << "no detection of class " << t.cls << " at " << t.r.x0 << "," << t.r.y0;
    const Detection& d = dets[static_cast<size_t>(best)];
    used[static_cast<size_t>(best)] = true;
    std::cout << "[ssd] class " << t.cls << " score " << d.score << " IoU " << best_iou << "\n";
    EXPECT_GE(d.score, 0.75f);
    EXPECT_GE(best_iou, 0.3);
  }
  for (size_t i = 0; i < dets.size(); ++i) {
    if (!used[i]) {
      std::cout << "[ssd] extra: class " << dets[i].cls << " score " << dets[i].score << "\n";
      EXPECT_LT(dets[i].score, 0.5f) << "a second box on one object, or one on the field";
    }
  }
}

TEST(SsdSynth, HasTheRealModelsSignature) {
  auto in = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(in.ok()) << in.error().message;
  ASSERT_EQ(in->InputCount(), 1u);
  const Tensor& image = in->TensorInfo(in->InputIndex(0));
  EXPECT_EQ(image.name, "normalized_input_image_tensor");
  EXPECT_EQ(image.type, DType::kUInt8);
  EXPECT_EQ(image.shape, (std::vector<int32_t>{1, 300, 300, 3}));
  EXPECT_FLOAT_EQ(image.quant.scale.at(0), 1.0f / 128.0f);
  EXPECT_EQ(image.quant.zero_point.at(0), 128);
  ASSERT_EQ(in->OutputCount(), 4u);
  const char* names[] = {"TFLite_Detection_PostProcess", "TFLite_Detection_PostProcess:1",
                         "TFLite_Detection_PostProcess:2", "TFLite_Detection_PostProcess:3"};
  const std::vector<std::vector<int32_t>> shapes = {{1, 10, 4}, {1, 10}, {1, 10}, {1}};
  for (size_t i = 0; i < 4; ++i) {
    const Tensor& t = in->TensorInfo(in->OutputIndex(i));
    EXPECT_EQ(t.name, names[i]);
    EXPECT_EQ(t.type, DType::kFloat32);
    EXPECT_EQ(t.shape, shapes[i]) << "output " << i << " after allocation";
  }
  const Model m = BuildSyntheticSsd();
  EXPECT_TRUE(m.subgraphs[0].tensors[static_cast<size_t>(m.subgraphs[0].outputs[0])].shape.empty())
      << "declared [] as in the real model";
}

TEST(SsdSynth, SurvivesASaveAndLoad) {
  auto dir = util::MakeTempDir("ssd-");
  ASSERT_TRUE(dir.ok());
  const Model m = BuildSyntheticSsd();
  ASSERT_TRUE(SaveModel(m, *dir + "/detect.tflite").ok());
  auto back = LoadModel(*dir + "/detect.tflite");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->subgraphs[0].operators.back().custom_code, kDetectionPostProcess);
  EXPECT_EQ(back->subgraphs[0].operators.size(), m.subgraphs[0].operators.size());
  auto in = Interpreter::Create(*back);
  ASSERT_TRUE(in.ok()) << in.error().message;
  std::vector<uint8_t> frame = Field();
  Sheep(&frame, {40, 60, 110, 120});
  ExpectFinds(Detect(*in, frame), {{{40, 60, 110, 120}, kSheep}});
  util::RemoveTree(*dir);
}

TEST(SsdSynth, LabelFileIndexesClassIds) {
  const std::string text = SyntheticSsdLabelFile();
  const auto lines = util::Split(text, '\n');
  ASSERT_GE(lines.size(), 90u);
  EXPECT_EQ(lines[0], "person") << "index 0 = person, as the study's labelmap.txt";
  EXPECT_EQ(lines[static_cast<size_t>(kSheep)], "sheep");
  EXPECT_EQ(lines[static_cast<size_t>(kHorse)], "horse");
  EXPECT_EQ(lines[11], "???") << "unused COCO ids keep their line";
  EXPECT_EQ(SyntheticSsdLabels().size(), 90u);
}

TEST(SsdSynth, FindsASheepAndAHorse) {
  auto in = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(in.ok()) << in.error().message;
  std::vector<uint8_t> frame = Field();
  Sheep(&frame, {30, 40, 100, 95});
  Horse(&frame, {150, 120, 260, 210});
  ExpectFinds(Detect(*in, frame), {{{30, 40, 100, 95}, kSheep}, {{150, 120, 260, 210}, kHorse}});
}

TEST(SsdSynth, FindsOverlappingAndBorderObjects) {
  auto in = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(in.ok()) << in.error().message;
  std::vector<uint8_t> frame = Field();
  Horse(&frame, {100, 100, 190, 170});
  Sheep(&frame, {170, 140, 235, 200});  // in front of the horse's corner
  Sheep(&frame, {250, 10, 330, 70});    // cut by the right border
  ExpectFinds(Detect(*in, frame), {{{100, 100, 190, 170}, kHorse},
                                   {{170, 140, 235, 200}, kSheep},
                                   {{250, 10, 300, 70}, kSheep}});
}

TEST(SsdSynth, FindsNothingOnAnEmptyField) {
  auto in = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_TRUE(Detect(*in, Field()).empty());
}

TEST(SsdSynth, TimesAnInvoke) {
  auto in = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(in.ok());
  std::vector<uint8_t> frame = Field();
  Sheep(&frame, {30, 40, 100, 95});
  Detect(*in, frame);
  const int runs = 5;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) Detect(*in, frame);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      runs;
  std::cout << "[ssd] interpreter: " << ms << " ms per invoke\n";
  EXPECT_GT(ms, 0.0);
}

TEST(SsdSynth, MatchesLiteRt) {
  std::string why;
  if (!LiteRtAvailable(&why)) GTEST_SKIP() << "LiteRT oracle unavailable: " << why;
  auto dir = util::MakeTempDir("ssd-rt-");
  ASSERT_TRUE(dir.ok());
  SyntheticSsdOptions o;
  o.static_outputs = true;  // LiteRT.js needs the static shapes
  // LiteRT.js (the WASM build) decodes uint8 box encodings to empty boxes, so it is compared on
  // the variant that DEQUANTIZEs them first; the shipped uint8 model must give what that gives.
  o.float_encodings = true;
  const Model model = BuildSyntheticSsd(o);
  ASSERT_TRUE(SaveModel(model, *dir + "/detect.tflite").ok());
  auto in = Interpreter::Create(model);
  ASSERT_TRUE(in.ok()) << in.error().message;
  std::vector<uint8_t> frame = Field();
  Sheep(&frame, {30, 40, 100, 95});
  Horse(&frame, {150, 120, 260, 210});
  const auto ours = Detect(*in, frame);
  auto shipped = Interpreter::Create(BuildSyntheticSsd());
  ASSERT_TRUE(shipped.ok());
  const auto uint8_path = Detect(*shipped, frame);
  ASSERT_EQ(uint8_path.size(), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(uint8_path[i].cls, ours[i].cls);
    EXPECT_EQ(uint8_path[i].score, ours[i].score);
    EXPECT_EQ(uint8_path[i].ymin, ours[i].ymin);
    EXPECT_EQ(uint8_path[i].xmax, ours[i].xmax);
  }
  auto theirs = RunLiteRt(*dir + "/detect.tflite", {{frame}}, 5);
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  std::cout << "[ssd] LiteRT: " << theirs->run_us / 1000.0 << " ms per invoke\n";
  ASSERT_EQ(theirs->outputs.at(0).size(), 4u);
  auto floats = [](const std::vector<uint8_t>& b) {
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), b.size());
    return v;
  };
  const auto tb = floats(theirs->outputs[0][0]), tc = floats(theirs->outputs[0][1]),
             ts = floats(theirs->outputs[0][2]), tn = floats(theirs->outputs[0][3]);
  ASSERT_EQ(static_cast<size_t>(tn.at(0)), ours.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(tc[i], ours[i].cls) << "row " << i;
    EXPECT_EQ(ts[i], ours[i].score) << "row " << i;
    EXPECT_NEAR(tb[4 * i], ours[i].ymin, 1e-6) << "row " << i;
    EXPECT_NEAR(tb[4 * i + 1], ours[i].xmin, 1e-6) << "row " << i;
    EXPECT_NEAR(tb[4 * i + 2], ours[i].ymax, 1e-6) << "row " << i;
    EXPECT_NEAR(tb[4 * i + 3], ours[i].xmax, 1e-6) << "row " << i;
  }
  util::RemoveTree(*dir);
}

}  // namespace
}  // namespace autopilot::tflite
