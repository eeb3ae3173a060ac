"""pycoral on the virtual Coral Dev Board: edgetpu.make_interpreter, the common/detect/classify
adapters against the C++ interpreter's outputs, BBox arithmetic, run_inference and the
Edge TPU listing."""

import os
import unittest

import numpy as np

import edge_test_util as u


def setUpModule():
  # pycoral exists on the Coral only; the device is read at import and at delegate loading.
  global _ENV, common, detect, classify, edgetpu
  _ENV = u.edge_env(AUTOPILOT_EDGE_DEVICE=u.CORAL)
  _ENV.__enter__()
  from pycoral.adapters import classify, common, detect  # pylint: disable=import-outside-toplevel
  from pycoral.utils import edgetpu  # pylint: disable=import-outside-toplevel


def tearDownModule():
  _ENV.__exit__(None, None, None)


def expected_objects(sx=16.0, sy=16.0, threshold=-float('inf')):
  """The objects pycoral 2.0 makes from the expected outputs, computed here independently."""
  boxes, classes, scores, count = u.expected_outputs()
  objects = []
  for i in range(scores.shape[1]):
    score = float(scores[0, i])
    if score < threshold:
      continue
    ymin, xmin, ymax, xmax = (float(v) for v in boxes[0, i])
    objects.append((int(classes[0, i]), score,
                    (int(xmin * sx), int(ymin * sy), int(xmax * sx), int(ymax * sy))))
  assert int(count[0]) == len(scores[0])  # the fixture fills every detection slot
  return objects


def as_tuples(objects):
  return [(o.id, o.score, tuple(o.bbox)) for o in objects]


class MakeInterpreterTest(unittest.TestCase):

  def detect(self, it, **kwargs):
    it.allocate_tensors()
    self.assertEqual(common.input_size(it), (16, 16))
    common.set_input(it, u.input_image()[0])
    it.invoke()
    return detect.get_objects(it, **kwargs)

  def test_versions(self):
    # (tflite_runtime.__version__ is fixed at its first import: test_profiles checks it.)
    import pycoral  # pylint: disable=import-outside-toplevel
    self.assertEqual(pycoral.__version__, '2.0.0')

  def test_make_interpreter_path(self):
    it = edgetpu.make_interpreter(u.model())
    import tflite_runtime.interpreter as tflite  # pylint: disable=import-outside-toplevel
    self.assertIsInstance(it, tflite.Interpreter)
    objects = self.detect(it)
    self.assertEqual(len(objects), 3)
    for o in objects:
      self.assertIsInstance(o, detect.Object)
      self.assertIsInstance(o.bbox, detect.BBox)
      self.assertIsInstance(o.id, int)
      self.assertIsInstance(o.score, float)
      self.assertTrue(all(isinstance(v, int) for v in o.bbox))
    self.assertEqual(as_tuples(objects), expected_objects())
    # The raw outputs behind them are the C++ interpreter's.
    for i in range(4):
      self.assertEqual(common.output_tensor(it, i).tobytes(), u.expected_bytes(i))

  def test_make_interpreter_content(self):
    with open(u.model(), 'rb') as f:
      content = f.read()
    self.assertEqual(as_tuples(self.detect(edgetpu.make_interpreter(content))),
                     expected_objects())

  def test_make_interpreter_delegate_and_device(self):
    delegate = edgetpu.load_edgetpu_delegate()
    self.assertEqual(as_tuples(self.detect(edgetpu.make_interpreter(u.model(),
                                                                    delegate=delegate))),
                     expected_objects())
    self.assertEqual(as_tuples(self.detect(edgetpu.make_interpreter(u.model(), device=':0'))),
                     expected_objects())
    with self.assertRaises(ValueError) as cm:
      edgetpu.make_interpreter(u.model(), device='usb:0')
    self.assertEqual(str(cm.exception), 'Failed to load delegate from libedgetpu.so.1\n')

  def test_threshold_and_image_scale(self):
    it = edgetpu.make_interpreter(u.model())
    scores = u.expected_outputs()[2][0]
    threshold = float(np.sort(scores)[1])  # keeps the two best of three
    objects = self.detect(it, score_threshold=threshold)
    self.assertEqual(len(objects), 2)
    self.assertTrue(all(o.score >= threshold for o in objects))
    self.assertEqual(as_tuples(objects), expected_objects(threshold=threshold))
    self.assertEqual(detect.get_objects(it, score_threshold=2.0), [])
    # image_scale: the image filled half of the input, so boxes double in image pixels.
    half = detect.get_objects(it, image_scale=(0.5, 0.25))
    self.assertEqual(as_tuples(half), expected_objects(sx=32.0, sy=64.0))

  def test_tf2_signature_outputs_by_name(self):
    # ssd_tf2's signature names the graph's outputs output_0..3 = count, scores, classes,
    # boxes; get_objects must look them up by those names, not by output position.
    it = edgetpu.make_interpreter(u.model('ssd_tf2.tflite'))
    self.assertEqual(list(it.get_signature_list()['serving_default']['outputs']),
                     ['output_0', 'output_1', 'output_2', 'output_3'])
    self.assertEqual(as_tuples(self.detect(it)), expected_objects())

  def test_signature_without_tf2_names(self):
    # pycoral 2.0 reads a signature's outputs by the TF2 names only.
    it = edgetpu.make_interpreter(u.model('ssd_sig.tflite'))
    with self.assertRaises(KeyError) as cm:
      self.detect(it)
    self.assertEqual(cm.exception.args, ('output_0',))


class RunInferenceTest(unittest.TestCase):

  def setUp(self):
    self.it = edgetpu.make_interpreter(u.model())
    self.it.allocate_tensors()

  def check_outputs(self):
    for i in range(4):
      self.assertEqual(common.output_tensor(self.it, i).tobytes(), u.expected_bytes(i))

  def test_bytes_and_array(self):
    edgetpu.run_inference(self.it, u.input_bytes())
    self.check_outputs()
    edgetpu.run_inference(self.it, np.zeros(16 * 16 * 3, np.uint8))
    self.assertNotEqual(common.output_tensor(self.it, 2).tobytes(), u.expected_bytes(2))
    edgetpu.run_inference(self.it, u.input_image())
    self.check_outputs()

  def test_size_check(self):
    with self.assertRaises(ValueError) as cm:
      edgetpu.run_inference(self.it, bytes(10))
    self.assertEqual(str(cm.exception), 'input size=10, expected=768.')
    with self.assertRaises(ValueError) as cm:
      edgetpu.run_inference(self.it, np.zeros((16, 16, 4), np.uint8))
    self.assertEqual(str(cm.exception), 'input size=1024, expected=768.')

  def test_type_check(self):
    with self.assertRaises(TypeError) as cm:
      edgetpu.run_inference(self.it, list(u.input_bytes()))
    self.assertEqual(str(cm.exception), 'input data type is not supported.')


class CommonTest(unittest.TestCase):

  def test_input_tensor_and_details(self):
    it = edgetpu.make_interpreter(u.model())
    it.allocate_tensors()
    self.assertEqual(common.input_details(it, 'quantization'), (1.0 / 128.0, 128))
    view = common.input_tensor(it)
    self.assertEqual(view.shape, (16, 16, 3))
    view[:, :] = u.input_image()[0]
    del view
    np.testing.assert_array_equal(it.get_tensor(0), u.input_image())

  def test_set_resized_input(self):
    it = edgetpu.make_interpreter(u.model())
    it.allocate_tensors()
    it.set_tensor(0, np.full(u.INPUT_SHAPE, 9, np.uint8))
    asked = []

    def resize(size):
      asked.append(size)
      w, h = size
      return np.full((h, w, 3), 200, np.uint8)

    result, scale = common.set_resized_input(it, (32, 16), resize)
    self.assertEqual(asked, [(16, 8)])
    self.assertEqual(scale, (0.5, 0.5))
    self.assertEqual(result.shape, (8, 16, 3))
    got = it.get_tensor(0)[0]
    self.assertTrue((got[:8] == 200).all())
    self.assertTrue((got[8:] == 0).all())  # padding is zeroed, not left over


class BBoxTest(unittest.TestCase):

  def test_properties(self):
    b = detect.BBox(xmin=1, ymin=2, xmax=5, ymax=10)
    self.assertEqual((b.width, b.height, b.area), (4, 8, 32))
    self.assertTrue(b.valid)
    self.assertFalse(detect.BBox(xmin=5, ymin=0, xmax=1, ymax=3).valid)
    self.assertTrue(detect.BBox(xmin=1, ymin=1, xmax=1, ymax=1).valid)
    self.assertEqual(b, (1, 2, 5, 10))
    with self.assertRaises(AttributeError):
      b.extra = 1  # __slots__: no instance dict

  def test_scale_translate_map(self):
    b = detect.BBox(xmin=0.1, ymin=0.2, xmax=0.5, ymax=0.9)
    s = b.scale(10, 100)
    self.assertIsInstance(s, detect.BBox)
    self.assertAlmostEqual(s.xmin, 1.0)
    self.assertAlmostEqual(s.ymin, 20.0)
    self.assertAlmostEqual(s.xmax, 5.0)
    self.assertAlmostEqual(s.ymax, 90.0)
    self.assertEqual(detect.BBox(1, 2, 3, 4).translate(10, -1), (11, 1, 13, 3))
    self.assertEqual(detect.BBox(1.7, 2.2, 3.9, 4.5).map(int), (1, 2, 3, 4))

  def test_intersect_union_iou(self):
    a = detect.BBox(xmin=0, ymin=0, xmax=4, ymax=4)
    b = detect.BBox(xmin=2, ymin=2, xmax=6, ymax=6)
    self.assertEqual(detect.BBox.intersect(a, b), (2, 2, 4, 4))
    self.assertEqual(detect.BBox.union(a, b), (0, 0, 6, 6))
    self.assertAlmostEqual(detect.BBox.iou(a, b), 4 / 28)
    self.assertEqual(detect.BBox.iou(a, a), 1.0)
    far = detect.BBox(xmin=10, ymin=10, xmax=12, ymax=12)
    self.assertFalse(detect.BBox.intersect(a, far).valid)
    self.assertEqual(detect.BBox.iou(a, far), 0.0)
    touching = detect.BBox(xmin=4, ymin=0, xmax=8, ymax=4)
    self.assertEqual(detect.BBox.iou(a, touching), 0.0)


class ClassifyTest(unittest.TestCase):

  def test_classes_from_scores(self):
    scores = np.array([0.1, 0.7, 0.05, 0.15], np.float32)
    top = classify.get_classes_from_scores(scores, top_k=2)
    self.assertEqual([c.id for c in top], [1, 3])
    self.assertEqual(classify.get_classes_from_scores(scores, score_threshold=0.12),
                     [classify.Class(1, scores[1]), classify.Class(3, scores[3])])
    self.assertEqual(len(classify.get_classes_from_scores(scores)), 4)


class EdgeTpuTest(unittest.TestCase):

  def test_list_edge_tpus(self):
    self.assertEqual(edgetpu.list_edge_tpus(), [{'type': 'pci', 'path': '/dev/apex_0'}])

  def test_delegate(self):
    d = edgetpu.load_edgetpu_delegate()
    self.assertTrue(d.is_edgetpu)
    self.assertIsInstance(d._get_native_delegate_pointer(), int)  # pylint: disable=protected-access
    self.assertTrue(edgetpu.load_edgetpu_delegate({'device': 'pci:0'}).is_edgetpu)

  def test_runtime_version(self):
    self.assertIn('RuntimeVersion(', edgetpu.get_runtime_version())

  def test_device_env_is_coral(self):
    self.assertEqual(os.environ.get('AUTOPILOT_EDGE_DEVICE'), u.CORAL)


if __name__ == '__main__':
  unittest.main()
