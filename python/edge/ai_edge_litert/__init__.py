"""ai_edge_litert of the virtual Raspberry Pi 4B (not installed on the Coral Dev Board)."""
import _autopilot_runtime as _rt

_rt.require_device('ai_edge_litert', (_rt.PI,))
