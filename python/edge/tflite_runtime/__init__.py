"""tflite_runtime of the virtual boards (2.14.0 on the Pi, 2.5.0.post1 on the Coral Dev Board)."""
import _autopilot_runtime as _rt

__version__ = _rt.tflite_runtime_version()
__git_version__ = 'autopilot'
