"""pycoral of the virtual Coral Dev Board (not installed on the Raspberry Pi 4B)."""
import _autopilot_runtime as _rt

_rt.require_device('pycoral', (_rt.CORAL,))
__version__ = _rt.PYCORAL_VERSION
