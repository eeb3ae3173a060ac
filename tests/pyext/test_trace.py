"""AUTOPILOT_EDGE_TRACE: one JSON line per construction and invoke in DIR/invokes.jsonl, input 0
of the first 64 invokes in DIR/input_NNNN.bin; nothing without it; never an exception. The
invoke counter is per process, so each case runs in a fresh interpreter."""

import json
import os
import stat
import tempfile
import unittest

import edge_test_util as u

# Runs `invokes` invokes of the fixture model; invoke k (from 1) gets the fixture image with
# its first byte replaced by k, so every input file is distinguishable.
_RUN = '''
import numpy as np
PACKAGE = os.environ.get('TEST_PACKAGE', 'tflite_runtime.interpreter')
import importlib
mod = importlib.import_module(PACKAGE)
image = np.fromfile(os.path.join(MODELS, 'ssd_input.bin'), np.uint8).reshape(1, 16, 16, 3)
def main(invokes, content=False, delegate=False):
  kwargs = {}
  if content:
    with open(os.path.join(MODELS, 'ssd.tflite'), 'rb') as f:
      kwargs['model_content'] = f.read()
  else:
    kwargs['model_path'] = os.path.join(MODELS, 'ssd.tflite')
  if delegate:
    kwargs['experimental_delegates'] = [mod.load_delegate('libedgetpu.so.1')]
  it = mod.Interpreter(**kwargs)
  it.allocate_tensors()
  for k in range(1, invokes + 1):
    x = image.copy()
    x.flat[0] = k % 256
    it.set_tensor(0, x)
    it.invoke()
  # The last invoke again with the fixture image itself: the outputs to compare.
  it.set_tensor(0, image)
  it.invoke()
  return [it.get_tensor(d['index']).tobytes().hex() for d in it.get_output_details()]
report('run', outcome(lambda: main(ARGS['invokes'], ARGS.get('content', False),
                                   ARGS.get('delegate', False))))
'''


def script(**args):
  return 'ARGS = %r\n' % (args,) + _RUN


def numbered_input(k):
  data = bytearray(u.input_bytes())
  data[0] = k % 256
  return bytes(data)


class TraceTest(unittest.TestCase):

  def setUp(self):
    tmp = tempfile.TemporaryDirectory()
    self.addCleanup(tmp.cleanup)
    self.tmp = tmp.name
    self.trace = os.path.join(self.tmp, 'trace')
    os.mkdir(self.trace)
    self.cwd = os.path.join(self.tmp, 'cwd')
    os.mkdir(self.cwd)

  def run_script(self, trace, **args):
    device = args.pop('device', None)
    r = u.run_json(self, script(**args), cwd=self.cwd, AUTOPILOT_EDGE_TRACE=trace,
                   AUTOPILOT_EDGE_DEVICE=device)
    self.assertEqual(r['run'][0], 'ok', r['run'])
    # Whatever the trace did, the results are the C++ interpreter's.
    self.assertEqual(r['run'][1], repr([u.expected_bytes(i).hex() for i in range(4)]))
    return r

  def lines(self):
    with open(os.path.join(self.trace, 'invokes.jsonl')) as f:
      text = f.read()
    self.assertTrue(text.endswith('\n'))
    return [json.loads(l) for l in text.splitlines()]

  def read(self, name):
    with open(os.path.join(self.trace, name), 'rb') as f:
      return f.read()

  # -- with a trace directory -----------------------------------------------------------------

  def test_construction_and_invoke_lines(self):
    self.run_script(self.trace, invokes=2)
    lines = self.lines()
    self.assertEqual(len(lines), 1 + 3)
    self.assertEqual(lines[0], {'event': 'interpreter', 'model': u.model(), 'delegate': False})
    inputs = [{'index': 0, 'dtype': 'uint8', 'shape': [1, 16, 16, 3]}]
    for n, line in enumerate(lines[1:], start=1):
      self.assertEqual(line, {'n': n, 'delegate': False, 'inputs': inputs})
    self.assertEqual(sorted(os.listdir(self.trace)),
                     ['input_0001.bin', 'input_0002.bin', 'input_0003.bin', 'invokes.jsonl'])
    self.assertEqual(os.listdir(self.cwd), [])

  def test_input_files_hold_the_set_bytes(self):
    self.run_script(self.trace, invokes=2)
    self.assertEqual(self.read('input_0001.bin'), numbered_input(1))
    self.assertEqual(self.read('input_0002.bin'), numbered_input(2))
    self.assertEqual(self.read('input_0003.bin'), u.input_bytes())

  def test_litert_and_content(self):
    r = u.run_json(self, 'os.environ["TEST_PACKAGE"] = "ai_edge_litert.interpreter"\n' +
                   script(invokes=1, content=True), cwd=self.cwd,
                   AUTOPILOT_EDGE_TRACE=self.trace)
    self.assertEqual(r['run'][0], 'ok', r['run'])
    lines = self.lines()
    self.assertEqual(lines[0], {'event': 'interpreter', 'model': '<content>', 'delegate': False})
    self.assertEqual([l['n'] for l in lines[1:]], [1, 2])
    self.assertEqual(self.read('input_0001.bin'), numbered_input(1))

  def test_delegate_on_coral(self):
    self.run_script(self.trace, invokes=1, delegate=True, device=u.CORAL)
    lines = self.lines()
    self.assertEqual(lines[0], {'event': 'interpreter', 'model': u.model(), 'delegate': True})
    self.assertTrue(all(l['delegate'] is True for l in lines[1:]))
    self.assertEqual(len(lines), 3)

  def test_appends_across_interpreters(self):
    self.run_script(self.trace, invokes=1)
    self.run_script(self.trace, invokes=1)
    lines = self.lines()
    self.assertEqual([l.get('event', l.get('n')) for l in lines],
                     ['interpreter', 1, 2, 'interpreter', 1, 2])

  def test_only_first_64_inputs_saved(self):
    self.run_script(self.trace, invokes=65)
    lines = self.lines()
    self.assertEqual([l['n'] for l in lines[1:]], list(range(1, 67)))
    files = sorted(f for f in os.listdir(self.trace) if f.startswith('input_'))
    self.assertEqual(files, ['input_%04d.bin' % n for n in range(1, 65)])
    self.assertEqual(self.read('input_0064.bin'), numbered_input(64))

  # -- without one ----------------------------------------------------------------------------

  def test_unset_writes_nothing(self):
    self.run_script(None, invokes=2)
    self.assertEqual(os.listdir(self.trace), [])
    self.assertEqual(os.listdir(self.cwd), [])

  def test_empty_writes_nothing(self):
    self.run_script('', invokes=2)
    self.assertEqual(os.listdir(self.trace), [])
    self.assertEqual(os.listdir(self.cwd), [])

  # -- never raises -------------------------------------------------------------------------

  def test_missing_directory(self):
    missing = os.path.join(self.tmp, 'no', 'such', 'dir')
    self.run_script(missing, invokes=2)
    self.assertFalse(os.path.exists(os.path.join(self.tmp, 'no')))

  def test_directory_is_a_file(self):
    path = os.path.join(self.tmp, 'plain_file')
    with open(path, 'w') as f:
      f.write('x')
    self.run_script(path, invokes=2)
    with open(path) as f:
      self.assertEqual(f.read(), 'x')

  def test_jsonl_is_a_directory(self):
    os.mkdir(os.path.join(self.trace, 'invokes.jsonl'))
    self.run_script(self.trace, invokes=1)
    # The lines cannot be written; the input files still can.
    self.assertEqual(self.read('input_0001.bin'), numbered_input(1))

  def test_input_file_unwritable(self):
    os.mkdir(os.path.join(self.trace, 'input_0001.bin'))
    self.run_script(self.trace, invokes=2)
    self.assertEqual(len(self.lines()), 4)
    self.assertEqual(self.read('input_0002.bin'), numbered_input(2))

  def test_read_only_directory(self):
    os.chmod(self.trace, stat.S_IRUSR | stat.S_IXUSR)
    self.addCleanup(os.chmod, self.trace, stat.S_IRWXU)
    self.run_script(self.trace, invokes=2)
    if os.geteuid() != 0:  # root writes through the mode bits
      self.assertEqual(os.listdir(self.trace), [])


if __name__ == '__main__':
  unittest.main()
