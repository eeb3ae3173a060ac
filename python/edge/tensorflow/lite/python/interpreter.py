"""tensorflow.lite.python.interpreter over the boards' interpreter (the 'tensorflow' flavour)."""
import _autopilot_runtime as _rt

Delegate = _rt.Delegate
OpResolverType = _rt.OpResolverType
SignatureRunner = _rt.SignatureRunner
load_delegate = _rt.load_delegate


class Interpreter(_rt.Interpreter):
  _flavor = 'tensorflow'


class InterpreterWithCustomOps(Interpreter):

  def __init__(self, custom_op_registerers=None, **kwargs):
    self._custom_op_registerers = custom_op_registerers or []
    super().__init__(**kwargs)
