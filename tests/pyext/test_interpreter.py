"""The Interpreter API of ai_edge_litert.interpreter and tflite_runtime.interpreter on the
virtual Raspberry Pi 4B: tensor details, set/invoke/get against the C++ interpreter's outputs,
tensor() views, signatures and model_content."""

import importlib
import unittest

import numpy as np

import edge_test_util as u


def setUpModule():
  # The Pi profile with no trace/TPU flags, whatever the calling environment says.
  global _ENV
  _ENV = u.edge_env()
  _ENV.__enter__()


def tearDownModule():
  _ENV.__exit__(None, None, None)


class _InterpreterChecks:
  """The checks, run once per package (MODULE names it)."""

  MODULE = None

  @classmethod
  def setUpClass(cls):
    cls.mod = importlib.import_module(cls.MODULE)

  def make(self, name='ssd.tflite', allocate=True, **kwargs):
    if 'model_content' not in kwargs:
      kwargs['model_path'] = u.model(name)
    it = self.mod.Interpreter(**kwargs)
    if allocate:
      it.allocate_tensors()
    return it

  def run_fixture(self, it):
    it.set_tensor(it.get_input_details()[0]['index'], u.input_image())
    it.invoke()
    return [it.get_tensor(d['index']) for d in it.get_output_details()]

  def assert_expected(self, outputs):
    expected = u.expected_outputs()
    self.assertEqual(len(outputs), len(expected))
    for i, (got, want) in enumerate(zip(outputs, expected)):
      self.assertEqual(got.dtype, np.float32, 'output %d' % i)
      self.assertEqual(got.shape, want.shape, 'output %d' % i)
      # Bit-exact: the Python side computes with the same interpreter as the C++ side.
      self.assertEqual(got.tobytes(), u.expected_bytes(i), 'output %d' % i)

  # -- details --------------------------------------------------------------------------------

  def test_input_details(self):
    it = self.make(allocate=False)
    details = it.get_input_details()
    self.assertEqual(len(details), 1)
    d = details[0]
    self.assertEqual(d['name'], u.INPUT_NAME)
    self.assertIsInstance(d['index'], int)
    self.assertEqual(d['index'], 0)
    self.assertIsInstance(d['shape'], np.ndarray)
    self.assertEqual(d['shape'].dtype, np.int32)
    self.assertEqual(d['shape'].tolist(), list(u.INPUT_SHAPE))
    self.assertEqual(d['shape_signature'].dtype, np.int32)
    self.assertEqual(d['shape_signature'].tolist(), list(u.INPUT_SHAPE))
    self.assertIs(d['dtype'], np.uint8)
    self.assertEqual(d['quantization'], (1.0 / 128.0, 128))
    self.assertIsInstance(d['quantization'][0], float)
    self.assertIsInstance(d['quantization'][1], int)
    q = d['quantization_parameters']
    self.assertEqual(set(q), {'scales', 'zero_points', 'quantized_dimension'})
    self.assertEqual(q['scales'].dtype, np.float32)
    self.assertEqual(q['scales'].tolist(), [1.0 / 128.0])
    self.assertEqual(q['zero_points'].dtype, np.int32)
    self.assertEqual(q['zero_points'].tolist(), [128])
    self.assertEqual(q['quantized_dimension'], 0)
    self.assertEqual(d['sparsity_parameters'], {})

  def test_output_details(self):
    it = self.make(allocate=False)
    before = it.get_output_details()
    self.assertEqual([d['name'] for d in before], u.OUTPUT_NAMES)
    # The TF1 exporter declares the post-process outputs with no shape until allocation.
    for d in before:
      self.assertEqual(d['shape'].dtype, np.int32)
      self.assertEqual(d['shape'].tolist(), [])
    it.allocate_tensors()
    after = it.get_output_details()
    self.assertEqual([d['name'] for d in after], u.OUTPUT_NAMES)
    self.assertEqual([d['index'] for d in after], [d['index'] for d in before])
    self.assertEqual(len({d['index'] for d in after}), 4)
    for d, shape in zip(after, u.OUTPUT_SHAPES):
      self.assertIs(d['dtype'], np.float32)
      self.assertEqual(d['shape'].dtype, np.int32)
      self.assertEqual(tuple(d['shape'].tolist()), shape, d['name'])
      self.assertEqual(d['quantization'], (0.0, 0))
      q = d['quantization_parameters']
      self.assertEqual(q['scales'].dtype, np.float32)
      self.assertEqual(q['scales'].size, 0)
      self.assertEqual(q['zero_points'].dtype, np.int32)
      self.assertEqual(q['zero_points'].size, 0)
      self.assertEqual(q['quantized_dimension'], 0)

  def test_tensor_details_cover_every_tensor(self):
    it = self.make(allocate=False)
    details = it.get_tensor_details()
    self.assertEqual([d['index'] for d in details], list(range(len(details))))
    by_name = {d['name']: d for d in details}
    for d in it.get_input_details() + it.get_output_details():
      self.assertEqual(by_name[d['name']]['index'], d['index'])
    self.assertEqual(by_name['anchors']['shape'].tolist(), [4, 4])
    self.assertIs(by_name['anchors']['dtype'], np.float32)
    self.assertEqual(by_name['box/weights']['quantization'], (1.0 / 64.0, 128))

  # -- computing --------------------------------------------------------------------------------

  def test_outputs_equal_cpp_interpreter(self):
    self.assert_expected(self.run_fixture(self.make()))

  def test_input_round_trip_and_get_tensor_copies(self):
    it = self.make()
    outputs = self.run_fixture(it)
    np.testing.assert_array_equal(it.get_tensor(0), u.input_image())
    self.assertEqual(it.get_tensor(0).dtype, np.uint8)
    # get_tensor returns a copy: changing it leaves the interpreter's tensor alone.
    outputs[0][...] = -1.0
    self.assertEqual(it.get_tensor(it.get_output_details()[0]['index']).tobytes(),
                     u.expected_bytes(0))

  def test_other_input_then_fixture_again(self):
    it = self.make()
    idx = it.get_input_details()[0]['index']
    it.set_tensor(idx, np.full(u.INPUT_SHAPE, 255, dtype=np.uint8))
    it.invoke()
    other = [it.get_tensor(d['index']) for d in it.get_output_details()]
    self.assertFalse(all(o.tobytes() == u.expected_bytes(i) for i, o in enumerate(other)),
                     'a different image gave the fixture image\'s outputs')
    # No state is carried from one invoke to the next.
    self.assert_expected(self.run_fixture(it))

  def test_repeated_invokes_are_stable(self):
    it = self.make()
    for _ in range(3):
      self.assert_expected(self.run_fixture(it))

  def test_constant_readable_before_allocate(self):
    it = self.make(allocate=False)
    anchors = [d for d in it.get_tensor_details() if d['name'] == 'anchors'][0]
    got = it.get_tensor(anchors['index'])
    self.assertEqual(got.shape, (4, 4))
    np.testing.assert_array_equal(got[:, 2:], np.full((4, 2), 0.5, dtype=np.float32))
    np.testing.assert_array_equal(got[:, 0], np.array([0.25, 0.25, 0.75, 0.75], np.float32))

  def test_model_content_gives_same_results(self):
    with open(u.model(), 'rb') as f:
      content = f.read()
    it = self.make(model_content=content)
    self.assertEqual([d['name'] for d in it.get_output_details()], u.OUTPUT_NAMES)
    self.assert_expected(self.run_fixture(it))

  def test_num_threads_and_delegates_accepted(self):
    it = self.make(num_threads=2, experimental_delegates=[])
    self.assert_expected(self.run_fixture(it))

  # -- tensor() views -------------------------------------------------------------------------

  def test_views(self):
    it = self.make()
    in_idx = it.get_input_details()[0]['index']
    view = it.tensor(in_idx)
    self.assertTrue(callable(view))
    arr = view()
    self.assertEqual(arr.shape, u.INPUT_SHAPE)
    self.assertEqual(arr.dtype, np.uint8)
    arr[...] = u.input_image()  # writing through the view sets the input
    del arr
    it.invoke()
    out = [it.tensor(d['index'])() for d in it.get_output_details()]
    for i, o in enumerate(out):
      self.assertEqual(o.dtype, np.float32)
      self.assertEqual(o.tobytes(), u.expected_bytes(i))
    del o, out
    # A view sees the interpreter's buffer, so it follows a later set_tensor.
    in_view = it.tensor(in_idx)()
    it.set_tensor(in_idx, np.zeros(u.INPUT_SHAPE, np.uint8))
    self.assertEqual(int(in_view.max()), 0)
    in_view[0, 0, 0, 0] = 7
    self.assertEqual(int(it.get_tensor(in_idx)[0, 0, 0, 0]), 7)
    del in_view
    it.invoke()  # no live views: allowed again

  def test_live_view_blocks_invoke_and_allocate(self):
    it = self.make()
    it.set_tensor(0, u.input_image())
    held = it.tensor(it.get_output_details()[0]['index'])()
    with self.assertRaises(RuntimeError) as cm:
      it.invoke()
    self.assertIn('There is at least 1 reference to internal data', str(cm.exception))
    with self.assertRaises(RuntimeError):
      it.allocate_tensors()
    del held
    it.invoke()
    self.assertEqual(it.get_tensor(it.get_output_details()[0]['index']).tobytes(),
                     u.expected_bytes(0))

  # -- signatures -----------------------------------------------------------------------------

  def test_no_signature(self):
    it = self.make(allocate=False)
    self.assertEqual(it.get_signature_list(), {})

  def test_signature_list(self):
    it = self.make('ssd_sig.tflite', allocate=False)
    self.assertEqual(it.get_signature_list(),
                     {'serving_default': {'inputs': [u.INPUT_NAME], 'outputs': u.OUTPUT_NAMES}})

  def test_signature_runner(self):
    it = self.make('ssd_sig.tflite', allocate=False)
    runner = it.get_signature_runner()
    self.assertIsInstance(runner, self.mod.SignatureRunner)
    in_details = runner.get_input_details()
    self.assertEqual(list(in_details), [u.INPUT_NAME])
    self.assertEqual(in_details[u.INPUT_NAME]['quantization'], (1.0 / 128.0, 128))
    self.assertEqual(list(runner.get_output_details()), u.OUTPUT_NAMES)
    result = runner(**{u.INPUT_NAME: u.input_image()})  # allocates on first use
    self.assertEqual(list(result), u.OUTPUT_NAMES)
    self.assert_expected([result[n] for n in u.OUTPUT_NAMES])
    again = it.get_signature_runner('serving_default')(**{u.INPUT_NAME: u.input_image()})
    self.assert_expected([again[n] for n in u.OUTPUT_NAMES])

  def test_signature_model_plain_api(self):
    self.assert_expected(self.run_fixture(self.make('ssd_sig.tflite')))


class LiteRtInterpreterTest(_InterpreterChecks, unittest.TestCase):
  MODULE = 'ai_edge_litert.interpreter'


class TfliteRuntimeInterpreterTest(_InterpreterChecks, unittest.TestCase):
  MODULE = 'tflite_runtime.interpreter'


class PackagesTest(unittest.TestCase):

  def test_same_implementation_distinct_classes(self):
    import ai_edge_litert.interpreter as litert
    import tflite_runtime.interpreter as tflite
    self.assertIsNot(litert.Interpreter, tflite.Interpreter)
    self.assertTrue(issubclass(litert.InterpreterWithCustomOps, litert.Interpreter))
    self.assertTrue(issubclass(tflite.InterpreterWithCustomOps, tflite.Interpreter))
    it = tflite.InterpreterWithCustomOps(custom_op_registerers=[], model_path=u.model())
    it.allocate_tensors()
    it.set_tensor(0, u.input_image())
    it.invoke()
    self.assertEqual(it.get_tensor(it.get_output_details()[3]['index']).tobytes(),
                     u.expected_bytes(3))


if __name__ == '__main__':
  unittest.main()
