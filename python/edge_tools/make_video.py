"""Writes the edge example's synthetic input video: sheep (white) and a horse (brown) walking
over a textured green field, the objects the synthetic SSD detector (tflite/ssd_synth.h) finds.

  make_video.py OUT.mp4 [--frames N] [--width W] [--height H] [--fps F] [--seed S]

Deterministic for a given argument set. Encoded as MPEG-4 part 2 ('mp4v'), which the study's
scripts and OpenCV on both boards read. Prints one JSON line: {frames, width, height, fps, objects}.
"""
import argparse
import json
import math
import random
import sys

import numpy as np
import cv2

# RGB colours shared with the detector's hand-set weights and tests/tflite/ssd_synth_test.cc.
SHEEP_RGB = (235, 235, 228)
HORSE_RGB = (140, 90, 50)


def field(width, height):
  """The grass: (60, 140, 50) RGB with a deterministic diagonal texture, as BGR."""
  ys, xs = np.mgrid[0:height, 0:width]
  t = ((xs * 7 + ys * 13) % 23) - 11
  img = np.empty((height, width, 3), dtype=np.uint8)
  img[..., 2] = np.clip(60 + t, 0, 255)   # R
  img[..., 1] = np.clip(140 + t, 0, 255)  # G
  img[..., 0] = np.clip(50 + t // 2, 0, 255)  # B
  return img


class Walker:
  """One animal: a rectangle that walks a straight line and bounces off the frame's edges."""

  def __init__(self, rng, kind, width, height, size):
    self.kind = kind
    self.w, self.h = size
    self.x = rng.uniform(0, width - self.w)
    self.y = rng.uniform(0, height - self.h)
    angle = rng.uniform(0, 2 * math.pi)
    speed = rng.uniform(1.0, 2.5) * width / 640.0
    self.dx, self.dy = speed * math.cos(angle), speed * math.sin(angle)
    self.width, self.height = width, height

  def step(self):
    self.x += self.dx
    self.y += self.dy
    if self.x < 0 or self.x + self.w > self.width:
      self.dx = -self.dx
      self.x = min(max(self.x, 0), self.width - self.w)
    if self.y < 0 or self.y + self.h > self.height:
      self.dy = -self.dy
      self.y = min(max(self.y, 0), self.height - self.h)

  def draw(self, img):
    r, g, b = SHEEP_RGB if self.kind == 'sheep' else HORSE_RGB
    x0, y0 = int(round(self.x)), int(round(self.y))
    cv2.rectangle(img, (x0, y0), (x0 + self.w - 1, y0 + self.h - 1), (b, g, r), thickness=-1)


def place(rng, width, height, count_sheep, count_horse):
  """Animals placed apart from each other (their starting boxes do not overlap)."""
  walkers = []
  kinds = ['horse'] * count_horse + ['sheep'] * count_sheep
  for kind in kinds:
    sx, sy = width / 640.0, height / 360.0
    size = (int(150 * sx), int(100 * sy)) if kind == 'horse' else (int(105 * sx), int(80 * sy))
    for _ in range(200):
      w = Walker(rng, kind, width, height, size)
      if all(w.x + w.w + 20 < o.x or o.x + o.w + 20 < w.x or w.y + w.h + 20 < o.y or
             o.y + o.h + 20 < w.y for o in walkers):
        break
    walkers.append(w)
  return walkers


def main():
  ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  ap.add_argument('output')
  ap.add_argument('--frames', type=int, default=96)
  ap.add_argument('--width', type=int, default=640)
  ap.add_argument('--height', type=int, default=360)
  ap.add_argument('--fps', type=float, default=24.0)
  ap.add_argument('--seed', type=int, default=7)
  ap.add_argument('--sheep', type=int, default=2)
  ap.add_argument('--horses', type=int, default=1)
  a = ap.parse_args()
  if a.frames < 1 or a.width < 64 or a.height < 64 or a.fps <= 0:
    print(json.dumps({'error': 'need --frames >= 1, --width/--height >= 64, --fps > 0'}))
    return 2
  rng = random.Random(a.seed)
  walkers = place(rng, a.width, a.height, a.sheep, a.horses)
  writer = cv2.VideoWriter(a.output, cv2.VideoWriter_fourcc(*'mp4v'), a.fps, (a.width, a.height))
  if not writer.isOpened():
    print(json.dumps({'error': 'OpenCV cannot write ' + a.output}))
    return 1
  base = field(a.width, a.height)
  for _ in range(a.frames):
    img = base.copy()
    for w in walkers:
      w.draw(img)
    writer.write(img)
    for w in walkers:
      w.step()
  writer.release()
  print(json.dumps({'frames': a.frames, 'width': a.width, 'height': a.height, 'fps': a.fps,
                    'objects': [w.kind for w in walkers]}))
  return 0


if __name__ == '__main__':
  sys.exit(main())
