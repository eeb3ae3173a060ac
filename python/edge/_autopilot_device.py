"""What the virtual boards have installed besides the standard library.

The study's devices (the corpus is the evidence: no psg/tpusg script failed on a missing module
except misspelt ones; TensorFlow scripts failed later, at set_tensor; PIL scripts ran) had numpy,
OpenCV, Pillow and TensorFlow; the Pi had the LiteRT and tflite_runtime wheels, the Coral
tflite_runtime and pycoral. TensorFlow here is the tf.lite part only (see tensorflow/__init__.py).
"""
import os

PI = 'raspberry_pi_4b'
CORAL = 'coral_dev_board'

THIRD_PARTY = {
    PI: frozenset({'numpy', 'cv2', 'PIL', 'tensorflow', 'ai_edge_litert', 'tflite_runtime'}),
    CORAL: frozenset({'numpy', 'cv2', 'PIL', 'tensorflow', 'tflite_runtime', 'pycoral'}),
}
# The tool's own modules behind the packages above.
TOOL_MODULES = frozenset({'_autopilot_edge', '_autopilot_runtime', '_autopilot_device',
                          'sitecustomize', 'usercustomize'})
NAMES = {PI: 'the Raspberry Pi 4B', CORAL: 'the Coral Dev Board'}


def device():
  value = os.environ.get('AUTOPILOT_EDGE_DEVICE', PI).strip()
  return CORAL if value == CORAL else PI


def installed(top_level, dev=None):
  """Whether `import top_level` can work on the board (stdlib, tool or board package)."""
  import sys
  if top_level in sys.builtin_module_names or top_level in sys.stdlib_module_names:
    return True
  return top_level in TOOL_MODULES or top_level in THIRD_PARTY[dev or device()]
