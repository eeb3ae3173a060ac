"""Shared helpers of the python/edge shim tests (tests/pyext/test_*.py).

The models come from the make_ssd_model fixture (AUTOPILOT_EDGE_TEST_MODELS); the shims and
_autopilot_edge from PYTHONPATH, both set by tests/pyext/CMakeLists.txt.
"""

import contextlib
import json
import os
import subprocess
import sys
import textwrap
import unittest

import numpy as np

PI = 'raspberry_pi_4b'
CORAL = 'coral_dev_board'

# Every variable the shims read; each test states the ones it wants.
EDGE_VARS = ('AUTOPILOT_EDGE_DEVICE', 'AUTOPILOT_EDGE_TPU_MODEL', 'AUTOPILOT_EDGE_TRACE')

INPUT_NAME = 'normalized_input_image_tensor'
OUTPUT_NAMES = ['TFLite_Detection_PostProcess', 'TFLite_Detection_PostProcess:1',
                'TFLite_Detection_PostProcess:2', 'TFLite_Detection_PostProcess:3']
INPUT_SHAPE = (1, 16, 16, 3)
# TFLite_Detection_PostProcess with max_detections 3: boxes, classes, scores, count.
OUTPUT_SHAPES = [(1, 3, 4), (1, 3), (1, 3), (1,)]
LIBEDGETPU = 'libedgetpu.so.1'


def models_dir():
  d = os.environ.get('AUTOPILOT_EDGE_TEST_MODELS')
  if not d or not os.path.isdir(d):
    raise unittest.SkipTest('AUTOPILOT_EDGE_TEST_MODELS is not a directory (run through ctest)')
  return d


def model(name='ssd.tflite'):
  return os.path.join(models_dir(), name)


def input_bytes():
  with open(model('ssd_input.bin'), 'rb') as f:
    return f.read()


def input_image():
  """The fixture's uint8 input, shaped as the model's input 0."""
  return np.frombuffer(input_bytes(), dtype=np.uint8).reshape(INPUT_SHAPE).copy()


def expected_bytes(i):
  with open(model('ssd_expected_%d.bin' % i), 'rb') as f:
    return f.read()


def expected_outputs():
  """The C++ interpreter's float32 outputs for input_image(), in the graph's output order."""
  return [np.frombuffer(expected_bytes(i), dtype=np.float32).reshape(shape)
          for i, shape in enumerate(OUTPUT_SHAPES)]


@contextlib.contextmanager
def edge_env(**values):
  """Sets the AUTOPILOT_EDGE_* variables to `values` (None or missing: unset), then restores."""
  saved = {k: os.environ.get(k) for k in EDGE_VARS}
  try:
    for k in EDGE_VARS:
      v = values.get(k)
      if v is None:
        os.environ.pop(k, None)
      else:
        os.environ[k] = v
    yield
  finally:
    for k, v in saved.items():
      if v is None:
        os.environ.pop(k, None)
      else:
        os.environ[k] = v


def run_python(code, cwd=None, **edge_vars):
  """Runs `code` in a fresh interpreter (sys.executable) with the AUTOPILOT_EDGE_* variables
  set as in edge_env; returns the CompletedProcess (text stdout/stderr)."""
  env = dict(os.environ)
  for k in EDGE_VARS:
    env.pop(k, None)
  for k, v in edge_vars.items():
    if v is not None:
      env[k] = v
  env['AUTOPILOT_EDGE_TEST_MODELS'] = models_dir()
  return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], env=env, cwd=cwd,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
                        check=False)


# Prepended to every run_json script: `report(key, value)` collects results; `outcome(fn)`
# is ('ok', repr) or (exception type name, str(exception), the exception's .name if any).
_PRELUDE = '''
import json as _json
import os, sys
_RESULTS = {}
def report(key, value):
  _RESULTS[key] = value
def outcome(fn):
  try:
    value = fn()
  except BaseException as e:  # every outcome is data here
    return [type(e).__name__, str(e), getattr(e, 'name', None)]
  return ['ok', repr(value), None]
MODELS = os.environ['AUTOPILOT_EDGE_TEST_MODELS']
'''

_EPILOGUE = '''
print('@@RESULTS@@' + _json.dumps(_RESULTS))
'''


def run_json(testcase, code, cwd=None, **edge_vars):
  """Runs `code` as run_python does with the report/outcome helpers; asserts it exited 0 and
  returns the dict it reported."""
  proc = run_python(_PRELUDE + textwrap.dedent(code) + _EPILOGUE, cwd=cwd, **edge_vars)
  testcase.assertEqual(proc.returncode, 0, 'subprocess failed:\n%s\n%s' % (proc.stdout,
                                                                           proc.stderr))
  lines = [l for l in proc.stdout.splitlines() if l.startswith('@@RESULTS@@')]
  testcase.assertEqual(len(lines), 1, proc.stdout)
  return json.loads(lines[0][len('@@RESULTS@@'):])
