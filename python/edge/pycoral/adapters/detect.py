"""pycoral.adapters.detect: objects from an SSD model's TFLite_Detection_PostProcess outputs."""
import collections

import numpy as np

from pycoral.adapters import common

Object = collections.namedtuple('Object', ['id', 'score', 'bbox'])
Object.__doc__ = 'A detected object: label id, score and BBox.'


class BBox(collections.namedtuple('BBox', ['xmin', 'ymin', 'xmax', 'ymax'])):
  """An axis-aligned box; xmax/ymax are exclusive."""
  __slots__ = ()

  @property
  def width(self):
    return self.xmax - self.xmin

  @property
  def height(self):
    return self.ymax - self.ymin

  @property
  def area(self):
    return self.width * self.height

  @property
  def valid(self):
    return self.width >= 0 and self.height >= 0

  def scale(self, sx, sy):
    return BBox(xmin=sx * self.xmin, ymin=sy * self.ymin, xmax=sx * self.xmax,
                ymax=sy * self.ymax)

  def translate(self, dx, dy):
    return BBox(xmin=dx + self.xmin, ymin=dy + self.ymin, xmax=dx + self.xmax,
                ymax=dy + self.ymax)

  def map(self, f):
    return BBox(xmin=f(self.xmin), ymin=f(self.ymin), xmax=f(self.xmax), ymax=f(self.ymax))

  @staticmethod
  def intersect(a, b):
    return BBox(xmin=max(a.xmin, b.xmin), ymin=max(a.ymin, b.ymin), xmax=min(a.xmax, b.xmax),
                ymax=min(a.ymax, b.ymax))

  @staticmethod
  def union(a, b):
    return BBox(xmin=min(a.xmin, b.xmin), ymin=min(a.ymin, b.ymin), xmax=max(a.xmax, b.xmax),
                ymax=max(a.ymax, b.ymax))

  @staticmethod
  def iou(a, b):
    inter = BBox.intersect(a, b)
    if not inter.valid:
      return 0.0
    area = inter.area
    return area / (a.area + b.area - area)


def get_objects(interpreter, score_threshold=-float('inf'), image_scale=(1.0, 1.0)):
  """Objects with score >= score_threshold, boxes in input-image pixels.

  The outputs' order depends on the exporter: with a signature its outputs are looked up by
  the TF2 exporter's names, output_0..3 = count, scores, classes, boxes (whatever the graph's
  output order; a signature without those names raises KeyError as pycoral 2.0 does); without
  one, an output 3 of size 1 means the classic post-process order (boxes, classes, scores,
  count), otherwise (scores, boxes, count, classes).
  """
  signatures = interpreter._get_full_signature_list()  # pylint: disable=protected-access
  if len(signatures) > 1:
    raise ValueError('Only support model with one signature.')
  if signatures:
    outputs = signatures[next(iter(signatures))]['outputs']

    def named(name):
      return interpreter.tensor(outputs[name])()[0]

    count = int(named('output_0'))
    scores = named('output_1')
    class_ids = named('output_2')
    boxes = named('output_3')
  elif common.output_tensor(interpreter, 3).size == 1:
    boxes = common.output_tensor(interpreter, 0)[0]
    class_ids = common.output_tensor(interpreter, 1)[0]
    scores = common.output_tensor(interpreter, 2)[0]
    count = int(common.output_tensor(interpreter, 3)[0])
  else:
    scores = common.output_tensor(interpreter, 0)[0]
    boxes = common.output_tensor(interpreter, 1)[0]
    count = int(common.output_tensor(interpreter, 2)[0])
    class_ids = common.output_tensor(interpreter, 3)[0]
  del count  # pycoral 2.0 walks every score slot and filters by threshold
  width, height = common.input_size(interpreter)
  sx, sy = width / image_scale[0], height / image_scale[1]

  def make(i):
    ymin, xmin, ymax, xmax = boxes[i]
    return Object(id=int(class_ids[i]), score=float(scores[i]),
                  bbox=BBox(xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax).scale(sx, sy).map(int))

  return [make(i) for i in range(len(scores)) if scores[i] >= score_threshold]
