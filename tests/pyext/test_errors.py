"""The exact exceptions and texts of the shims' Interpreter, as real tf.lite raises them
(python/edge/_autopilot_runtime.py encodes each one), checked on both Pi packages."""

import importlib
import os
import tempfile
import unittest

import numpy as np

import edge_test_util as u

_UNSAFE = ('There is at least 1 reference to internal data\n'
           '      in the interpreter in the form of a numpy array or slice. Be sure to\n'
           '      only hold the function returned from tensor() if you are using raw\n'
           '      data access.')


def setUpModule():
  global _ENV
  _ENV = u.edge_env()
  _ENV.__enter__()


def tearDownModule():
  _ENV.__exit__(None, None, None)


class _ErrorChecks:

  MODULE = None

  @classmethod
  def setUpClass(cls):
    cls.mod = importlib.import_module(cls.MODULE)

  def setUp(self):
    self.tmp = tempfile.TemporaryDirectory()
    self.addCleanup(self.tmp.cleanup)

  def make(self, name='ssd.tflite', allocate=True):
    it = self.mod.Interpreter(model_path=u.model(name))
    if allocate:
      it.allocate_tensors()
    return it

  def assert_raises_text(self, exc_type, text, fn, *args, **kwargs):
    with self.assertRaises(exc_type) as cm:
      fn(*args, **kwargs)
    self.assertIs(type(cm.exception), exc_type)
    self.assertEqual(str(cm.exception), text)

  def write(self, name, data):
    path = os.path.join(self.tmp.name, name)
    with open(path, 'wb') as f:
      f.write(data)
    return path

  # -- set_tensor -----------------------------------------------------------------------------

  def test_set_tensor_wrong_dtype(self):
    it = self.make()
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Got value of type FLOAT32 but expected type UINT8 for '
        'input 0, name: normalized_input_image_tensor ',
        it.set_tensor, 0, u.input_image().astype(np.float32))
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Got value of type INT8 but expected type UINT8 for '
        'input 0, name: normalized_input_image_tensor ',
        it.set_tensor, 0, np.zeros(u.INPUT_SHAPE, np.int8))
    # A Python list becomes int64, as numpy converts it.
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Got value of type INT64 but expected type UINT8 for '
        'input 0, name: normalized_input_image_tensor ',
        it.set_tensor, 0, np.zeros(u.INPUT_SHAPE, np.int64).tolist())

  def test_set_tensor_dimension_mismatch(self):
    it = self.make()
    image = u.input_image()
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Dimension mismatch. Got 3 but expected 4 for input 0.',
        it.set_tensor, 0, image[0])
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Dimension mismatch. Got 15 but expected 16 for '
        'dimension 2 of input 0.', it.set_tensor, 0, image[:, :, :15, :])
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Dimension mismatch. Got 2 but expected 1 for '
        'dimension 0 of input 0.', it.set_tensor, 0, np.concatenate([image, image]))

  def test_dtype_checked_before_dimensions(self):
    it = self.make()
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Got value of type FLOAT32 but expected type UINT8 for '
        'input 0, name: normalized_input_image_tensor ',
        it.set_tensor, 0, np.zeros((3,), np.float32))

  def test_set_tensor_before_allocate(self):
    it = self.make(allocate=False)
    self.assert_raises_text(
        ValueError,
        'Cannot set tensor: Tensor is unallocated. Try calling allocate_tensors() first',
        it.set_tensor, 0, u.input_image())

  def test_bad_tensor_index(self):
    it = self.make()
    count = len(it.get_tensor_details())
    text = 'Invalid tensor index %d exceeds max tensor index %d' % (count, count)
    self.assert_raises_text(ValueError, text, it.set_tensor, count, u.input_image())
    self.assert_raises_text(ValueError, text, it.get_tensor, count)
    self.assert_raises_text(ValueError, 'Invalid tensor index -1 exceeds max tensor index %d'
                            % count, it.get_tensor, -1)

  # -- invoke / get_tensor --------------------------------------------------------------------

  def test_invoke_before_allocate(self):
    it = self.make(allocate=False)
    self.assert_raises_text(RuntimeError, 'Invoke called on model that is not ready.', it.invoke)

  def test_get_tensor_before_allocate(self):
    it = self.make(allocate=False)
    self.assert_raises_text(ValueError, 'Tensor data is null. Run allocate_tensors() first',
                            it.get_tensor, 0)
    self.assert_raises_text(ValueError, 'Tensor data is null. Run allocate_tensors() first',
                            it.tensor(0))

  def test_bad_subgraph_index(self):
    it = self.make()
    self.assert_raises_text(ValueError, 'Invalid subgraph index 1 exceeds max subgraph index 1',
                            it.get_tensor, 0, 1)
    np.testing.assert_array_equal(it.get_tensor(0, 0), it.get_tensor(0))

  def test_live_view(self):
    it = self.make()
    view = it.tensor(0)()
    self.assert_raises_text(RuntimeError, _UNSAFE, it.invoke)
    self.assert_raises_text(RuntimeError, _UNSAFE, it.allocate_tensors)
    self.assert_raises_text(RuntimeError, _UNSAFE, it.resize_tensor_input, 0, list(u.INPUT_SHAPE))
    del view
    it.invoke()

  # -- construction ---------------------------------------------------------------------------

  def test_missing_model_file(self):
    path = os.path.join(self.tmp.name, 'missing.tflite')
    self.assert_raises_text(ValueError, "Could not open '%s'." % path,
                            self.mod.Interpreter, model_path=path)

  def test_directory_as_model(self):
    self.assert_raises_text(ValueError, "Could not open '%s'." % self.tmp.name,
                            self.mod.Interpreter, model_path=self.tmp.name)

  def test_not_a_tflite_file(self):
    data = b'\x1c\x00\x00\x00ABCD' + bytes(120)
    path = self.write('other.tflite', data)
    text = "Model provided has model identifier 'ABCD', should be 'TFL3'\n"
    self.assert_raises_text(ValueError, text, self.mod.Interpreter, model_path=path)
    self.assert_raises_text(ValueError, text, self.mod.Interpreter, model_content=data)

  def test_truncated_tfl3_model(self):
    with open(u.model(), 'rb') as f:
      data = f.read()
    path = self.write('truncated.tflite', data[:200])
    for kwargs in ({'model_path': path}, {'model_content': data[:200]}):
      with self.assertRaises(ValueError) as cm:
        self.mod.Interpreter(**kwargs)
      # The identifier is right, so the reason must be another one.
      self.assertNotIn('model identifier', str(cm.exception))
      self.assertTrue(str(cm.exception).strip(), kwargs)

  def test_both_or_neither_model(self):
    with open(u.model(), 'rb') as f:
      data = f.read()
    self.assert_raises_text(ValueError, "Can't both provide `model_path` and `model_content`",
                            self.mod.Interpreter, model_path=u.model(), model_content=data)
    self.assert_raises_text(ValueError, '`model_path` or `model_content` must be specified.',
                            self.mod.Interpreter)
    self.assert_raises_text(ValueError, '`model_path` or `model_content` must be specified.',
                            self.mod.Interpreter, model_content=b'')

  def test_bad_op_resolver_type(self):
    self.assert_raises_text(ValueError, 'Unrecognized passed in op resolver type: 7',
                            self.mod.Interpreter, model_path=u.model(),
                            experimental_op_resolver_type=7)

  def test_num_threads_type(self):
    self.assert_raises_text(ValueError, 'type of num_threads should be int',
                            self.mod.Interpreter, model_path=u.model(), num_threads=2.0)

  # -- resize ---------------------------------------------------------------------------------

  def test_resize_strict(self):
    it = self.make()
    self.assert_raises_text(
        RuntimeError, 'ResizeInputTensorStrict only allows mutating unknown dimensions '
        'identified by -1.', it.resize_tensor_input, 0, [1, 32, 32, 3], strict=True)
    self.assert_raises_text(
        RuntimeError, 'ResizeInputTensorStrict only allows mutating unknown dimensions '
        'identified by -1.', it.resize_tensor_input, 0, [1, 16, 16], strict=True)
    # The same shape mutates nothing, so strict allows it; the model still runs.
    it.resize_tensor_input(0, list(u.INPUT_SHAPE), strict=True)
    it.allocate_tensors()
    it.set_tensor(0, u.input_image())
    it.invoke()
    self.assertEqual(it.get_tensor(it.get_output_details()[0]['index']).tobytes(),
                     u.expected_bytes(0))
    self.assertEqual(it.get_input_details()[0]['shape'].tolist(), list(u.INPUT_SHAPE))

  def test_resize_shape_must_be_1d(self):
    it = self.make()
    self.assert_raises_text(ValueError, 'Shape should be 1D instead of 2.',
                            it.resize_tensor_input, 0, [[1, 16], [16, 3]])

  # -- signatures -----------------------------------------------------------------------------

  def test_signature_runner_without_signature(self):
    it = self.make(allocate=False)
    self.assert_raises_text(
        ValueError, 'SignatureDef signature_key is None and model has 0 Signatures. None is '
        'only allowed when the model has 1 SignatureDef', it.get_signature_runner)

  def test_signature_runner_bad_key_and_inputs(self):
    it = self.make('ssd_sig.tflite', allocate=False)
    self.assert_raises_text(ValueError, 'Invalid signature_key provided: "serving".',
                            it.get_signature_runner, 'serving')
    runner = it.get_signature_runner()
    self.assert_raises_text(
        ValueError, 'Invalid number of inputs provided for running a SignatureDef, expected 1 '
        'vs provided 0', runner)
    self.assert_raises_text(ValueError, 'Invalid Input name (image) for SignatureDef', runner,
                            image=u.input_image())
    self.assert_raises_text(
        ValueError, 'Cannot set tensor: Got value of type FLOAT32 but expected type UINT8 for '
        'input 0, name: normalized_input_image_tensor ', runner,
        normalized_input_image_tensor=u.input_image().astype(np.float32))


class LiteRtErrorsTest(_ErrorChecks, unittest.TestCase):
  MODULE = 'ai_edge_litert.interpreter'


class TfliteRuntimeErrorsTest(_ErrorChecks, unittest.TestCase):
  MODULE = 'tflite_runtime.interpreter'


if __name__ == '__main__':
  unittest.main()
