"""The board profiles (AUTOPILOT_EDGE_DEVICE, AUTOPILOT_EDGE_TPU_MODEL): which packages import,
which delegates load, and the Edge TPU compiled model's need of the delegate. Imports are
cached per process, so every profile runs in a fresh interpreter (sys.executable)."""

import unittest

import edge_test_util as u

_NO_LIB = 'libedgetpu.so.1: cannot open shared object file: No such file or directory'
_TPU_FAILURE = ('Encountered unresolved custom op: edgetpu-custom-op.'
                'Node number 0 (edgetpu-custom-op) failed to prepare.\n')

# Imports every package and loads the Edge TPU delegate each way a script would.
_PACKAGES = '''
def imp(name):
  import importlib
  return importlib.import_module(name)
report('ai_edge_litert', outcome(lambda: imp('ai_edge_litert')))
report('ai_edge_litert.interpreter', outcome(lambda: imp('ai_edge_litert.interpreter')))
report('tflite_runtime', outcome(lambda: imp('tflite_runtime')))
report('pycoral', outcome(lambda: imp('pycoral')))
report('pycoral.adapters.detect', outcome(lambda: imp('pycoral.adapters.detect')))
report('pycoral.utils.edgetpu', outcome(lambda: imp('pycoral.utils.edgetpu')))
import tflite_runtime
import tflite_runtime.interpreter as tflite
report('version', tflite_runtime.__version__)
report('delegate', outcome(lambda: tflite.load_delegate('libedgetpu.so.1')))
report('delegate_path', outcome(
    lambda: tflite.load_delegate('/usr/lib/aarch64-linux-gnu/libedgetpu.so.1')))
report('delegate_other', outcome(lambda: tflite.load_delegate('libnnapi.so')))
try:
  import ai_edge_litert.interpreter as litert
  report('litert_delegate', outcome(lambda: litert.load_delegate('libedgetpu.so.1')))
except ModuleNotFoundError:
  report('litert_delegate', None)
'''

# Runs the fixture model without and with the delegate; the outputs go back as hex.
_TPU_MODEL = '''
import numpy as np
import tflite_runtime.interpreter as tflite
path = os.path.join(MODELS, 'ssd.tflite')
image = np.fromfile(os.path.join(MODELS, 'ssd_input.bin'), np.uint8).reshape(1, 16, 16, 3)

def run(delegates):
  it = tflite.Interpreter(model_path=path, experimental_delegates=delegates)
  it.allocate_tensors()
  it.set_tensor(0, image)
  it.invoke()
  return [it.get_tensor(d['index']).tobytes().hex() for d in it.get_output_details()]

report('cpu', outcome(lambda: run(None)))
report('cpu_invoke', outcome(lambda: tflite.Interpreter(model_path=path).invoke()))
try:
  delegate = tflite.load_delegate('libedgetpu.so.1')
except OSError:
  delegate = None
if delegate is not None:
  report('tpu', run([delegate]))
  from pycoral.utils import edgetpu
  it = edgetpu.make_interpreter(path)
  it.allocate_tensors()
  from pycoral.adapters import common, detect
  common.set_input(it, image[0])
  it.invoke()
  report('pycoral_count', len(detect.get_objects(it)))
'''


class PiProfileTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.results = {}
    for label, value in (('default', None), ('explicit', u.PI), ('unknown', 'jetson_nano')):
      cls.results[label] = u.run_json(cls(), _PACKAGES, AUTOPILOT_EDGE_DEVICE=value)

  def each(self):
    for label, r in self.results.items():
      with self.subTest(profile=label):
        yield r

  def test_pycoral_not_installed(self):
    for r in self.each():
      self.assertEqual(r['pycoral'], ['ModuleNotFoundError', "No module named 'pycoral'",
                                      'pycoral'])
      self.assertEqual(r['pycoral.adapters.detect'][0], 'ModuleNotFoundError')
      self.assertEqual(r['pycoral.utils.edgetpu'][0], 'ModuleNotFoundError')

  def test_litert_and_tflite_runtime_installed(self):
    for r in self.each():
      self.assertEqual(r['ai_edge_litert'][0], 'ok')
      self.assertEqual(r['ai_edge_litert.interpreter'][0], 'ok')
      self.assertEqual(r['tflite_runtime'][0], 'ok')
      self.assertEqual(r['version'], '2.14.0')

  def test_no_edgetpu_library(self):
    for r in self.each():
      self.assertEqual(r['delegate'], ['OSError', _NO_LIB, None])
      self.assertEqual(r['litert_delegate'], ['OSError', _NO_LIB, None])
      self.assertEqual(r['delegate_path'][0], 'OSError')
      self.assertIn('cannot open shared object file', r['delegate_path'][1])
      self.assertEqual(r['delegate_other'][0], 'OSError')

  def test_tpu_model_flag_has_no_effect_on_pi(self):
    r = u.run_json(self, _TPU_MODEL, AUTOPILOT_EDGE_TPU_MODEL='1')
    expected = [u.expected_bytes(i).hex() for i in range(4)]
    self.assertEqual(r['cpu'], ['ok', repr(expected), None])
    self.assertNotIn('tpu', r)


class CoralProfileTest(unittest.TestCase):

  @classmethod
  def setUpClass(cls):
    cls.r = u.run_json(cls(), _PACKAGES, AUTOPILOT_EDGE_DEVICE=u.CORAL)

  def test_litert_not_installed(self):
    self.assertEqual(self.r['ai_edge_litert'],
                     ['ModuleNotFoundError', "No module named 'ai_edge_litert'",
                      'ai_edge_litert'])
    self.assertEqual(self.r['ai_edge_litert.interpreter'][0], 'ModuleNotFoundError')
    self.assertIsNone(self.r['litert_delegate'])

  def test_pycoral_and_tflite_runtime_installed(self):
    self.assertEqual(self.r['pycoral'][0], 'ok')
    self.assertEqual(self.r['pycoral.adapters.detect'][0], 'ok')
    self.assertEqual(self.r['pycoral.utils.edgetpu'][0], 'ok')
    self.assertEqual(self.r['version'], '2.5.0.post1')

  def test_edgetpu_delegate_loads(self):
    self.assertEqual(self.r['delegate'][0], 'ok')
    self.assertIn('Delegate object at 0x', self.r['delegate'][1])
    self.assertEqual(self.r['delegate_path'][0], 'ok')
    # Only the Edge TPU library exists on the board.
    self.assertEqual(self.r['delegate_other'],
                     ['OSError', 'libnnapi.so: cannot open shared object file: No such file or '
                      'directory', None])


class EdgeTpuModelTest(unittest.TestCase):

  def test_needs_delegate_on_coral(self):
    r = u.run_json(self, _TPU_MODEL, AUTOPILOT_EDGE_DEVICE=u.CORAL, AUTOPILOT_EDGE_TPU_MODEL='1')
    self.assertEqual(r['cpu'], ['RuntimeError', _TPU_FAILURE, None])
    self.assertIn('edgetpu-custom-op', r['cpu'][1])
    # Without allocation the invoke fails as on any unallocated model.
    self.assertEqual(r['cpu_invoke'],
                     ['RuntimeError', 'Invoke called on model that is not ready.', None])
    self.assertEqual(r['tpu'], [u.expected_bytes(i).hex() for i in range(4)])
    self.assertEqual(r['pycoral_count'], 3)

  def test_plain_model_on_coral_runs_on_cpu(self):
    r = u.run_json(self, _TPU_MODEL, AUTOPILOT_EDGE_DEVICE=u.CORAL)
    expected = [u.expected_bytes(i).hex() for i in range(4)]
    self.assertEqual(r['cpu'], ['ok', repr(expected), None])
    self.assertEqual(r['tpu'], expected)

  def test_flag_must_be_exactly_1(self):
    r = u.run_json(self, _TPU_MODEL, AUTOPILOT_EDGE_DEVICE=u.CORAL, AUTOPILOT_EDGE_TPU_MODEL='0')
    self.assertEqual(r['cpu'][0], 'ok')


if __name__ == '__main__':
  unittest.main()
