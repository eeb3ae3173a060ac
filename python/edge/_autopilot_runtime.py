"""The shared implementation behind the virtual boards' Python TFLite packages.

ai_edge_litert.interpreter, tflite_runtime.interpreter and pycoral are thin modules over this
file; the tensors are held and computed by autopilot's own interpreter (_autopilot_edge).
The public behaviour (signatures, dict keys, dtypes, error texts) follows the real packages;
the board profile comes from the environment:

  AUTOPILOT_EDGE_DEVICE     raspberry_pi_4b (default) | coral_dev_board
  AUTOPILOT_EDGE_TPU_MODEL  1: the model is an Edge TPU compiled one (coral only): without the
                            Edge TPU delegate allocate_tensors() fails as on a real board
  AUTOPILOT_EDGE_TRACE      a directory: one JSON line per construction/invoke in invokes.jsonl,
                            input 0 of the first 64 invokes as input_<nnnn>.bin
"""

import enum
import json
import os
import sys

import numpy as np

import _autopilot_edge

PI = 'raspberry_pi_4b'
CORAL = 'coral_dev_board'

# Versions the boards ship: Raspberry Pi OS bookworm with pip's tflite-runtime 2.14.0; Mendel
# on the Coral Dev Board with tflite_runtime 2.5.0.post1 and pycoral 2.0.0.
_TFLITE_RUNTIME_VERSION = {PI: '2.14.0', CORAL: '2.5.0.post1'}
PYCORAL_VERSION = '2.0.0'

# The Edge TPU runtime library names that exist on the Dev Board.
_EDGETPU_LIBRARIES = ('libedgetpu.so.1', 'libedgetpu.so.1.0',
                      '/usr/lib/aarch64-linux-gnu/libedgetpu.so.1',
                      '/usr/lib/aarch64-linux-gnu/libedgetpu.so.1.0')


def device():
  """The board profile in force (unknown values fall back to the Pi)."""
  value = os.environ.get('AUTOPILOT_EDGE_DEVICE', PI).strip()
  return CORAL if value == CORAL else PI


def tflite_runtime_version():
  return _TFLITE_RUNTIME_VERSION[device()]


def require_device(package, allowed):
  """Makes `import package` fail as on a board where it is not installed."""
  if device() not in allowed:
    raise ModuleNotFoundError("No module named '%s'" % package, name=package)


# ----------------------------------------------------------------------------------------------
# Tracing: observation only; never raises into the script, never changes a result.

class _Trace:
  invokes = 0

  @staticmethod
  def _dir():
    return os.environ.get('AUTOPILOT_EDGE_TRACE') or None

  @classmethod
  def _append(cls, record):
    d = cls._dir()
    if not d:
      return
    try:
      with open(os.path.join(d, 'invokes.jsonl'), 'a') as f:
        f.write(json.dumps(record) + '\n')
        f.flush()
    except (OSError, TypeError, ValueError):
      pass

  @classmethod
  def construction(cls, model, delegate):
    cls._append({'event': 'interpreter', 'model': model, 'delegate': bool(delegate)})

  @classmethod
  def invoke(cls, runtime, delegate):
    if not cls._dir():
      return
    cls.invokes += 1
    n = cls.invokes
    try:
      inputs = []
      for k, idx in enumerate(runtime.inputs()):
        info = runtime.tensor_info(idx)
        inputs.append({'index': k, 'dtype': _DTYPES[info['type']].__name__,
                       'shape': list(info['shape'])})
      cls._append({'n': n, 'delegate': bool(delegate), 'inputs': inputs})
      if n <= 64 and runtime.inputs():
        with open(os.path.join(cls._dir(), 'input_%04d.bin' % n), 'wb') as f:
          f.write(runtime.tensor_bytes(runtime.inputs()[0]))
    except (OSError, KeyError, ValueError, RuntimeError):
      pass


# ----------------------------------------------------------------------------------------------
# Types

_DTYPES = {
    'FLOAT32': np.float32, 'FLOAT16': np.float16, 'FLOAT64': np.float64, 'INT8': np.int8,
    'UINT8': np.uint8, 'INT16': np.int16, 'INT32': np.int32, 'INT64': np.int64,
    'BOOL': np.bool_, 'COMPLEX64': np.complex64, 'STRING': np.object_,
}

# numpy dtype -> TfLiteTypeGetName, for set_tensor's error text.
_TFLITE_TYPE_NAMES = {
    np.dtype(np.float32): 'FLOAT32', np.dtype(np.float16): 'FLOAT16',
    np.dtype(np.float64): 'FLOAT64', np.dtype(np.int8): 'INT8', np.dtype(np.uint8): 'UINT8',
    np.dtype(np.int16): 'INT16', np.dtype(np.uint16): 'UINT16', np.dtype(np.int32): 'INT32',
    np.dtype(np.uint32): 'UINT32', np.dtype(np.int64): 'INT64', np.dtype(np.uint64): 'UINT64',
    np.dtype(np.bool_): 'BOOL', np.dtype(np.complex64): 'COMPLEX64',
    np.dtype(np.complex128): 'COMPLEX128',
}


def _numpy_type_name(dtype):
  if dtype.kind in ('O', 'S', 'U'):
    return 'STRING'
  return _TFLITE_TYPE_NAMES.get(dtype, 'NOTYPE')


class OpResolverType(enum.Enum):
  """Op resolver choices; every one runs on autopilot's interpreter here."""
  AUTO = 0
  BUILTIN = 1
  BUILTIN_REF = 2
  BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


# ----------------------------------------------------------------------------------------------
# Delegates

class Delegate:
  """A loaded delegate plugin (only the Edge TPU one exists, on the Coral Dev Board)."""

  def __init__(self, library, options=None):
    if device() != CORAL or library not in _EDGETPU_LIBRARIES:
      # What ctypes.pydll.LoadLibrary raises for a library the loader cannot find.
      raise OSError('%s: cannot open shared object file: No such file or directory' % library)
    self._library = library
    self._options = {str(k): str(v) for k, v in (options or {}).items()}
    self._delegate_ptr = id(self)

  @property
  def is_edgetpu(self):
    return 'edgetpu' in os.path.basename(self._library)

  def _get_native_delegate_pointer(self):
    return self._delegate_ptr

  def __repr__(self):
    return '<%s.Delegate object at 0x%x>' % (self.__module__, id(self))


def load_delegate(library, options=None):
  """Returns a Delegate; OSError when the library does not exist on this board."""
  if options is None:
    options = {}
  device_option = options.get('device') if isinstance(options, dict) else None
  delegate = Delegate(library, options)
  if device_option is not None and str(device_option) not in (':0', 'pci', 'pci:0'):
    # The Dev Board has one PCIe Edge TPU; creating the delegate for any other fails.
    raise ValueError('Failed to load delegate from {}\n'.format(library))
  return delegate


# ----------------------------------------------------------------------------------------------
# Interpreter

_UNSAFE_TEXT = """There is at least 1 reference to internal data
      in the interpreter in the form of a numpy array or slice. Be sure to
      only hold the function returned from tensor() if you are using raw
      data access."""


class Interpreter:
  """tf.lite.Interpreter's API over autopilot's interpreter."""

  # 'litert' (ai_edge_litert) or 'tflite_runtime'; selects version-specific texts.
  _flavor = 'tflite_runtime'

  def __init__(self, model_path=None, model_content=None, experimental_delegates=None,
               num_threads=None, experimental_op_resolver_type=OpResolverType.AUTO,
               experimental_preserve_all_tensors=False,
               experimental_disable_delegate_clustering=False,
               experimental_default_delegate_latest_features=False):
    self._interpreter = None
    self._delegates = []
    if not isinstance(experimental_op_resolver_type, OpResolverType):
      raise ValueError('Unrecognized passed in op resolver type: {}'.format(
          experimental_op_resolver_type))
    if num_threads is not None:
      if not isinstance(num_threads, int):
        raise ValueError('type of num_threads should be int')
      if self._flavor == 'tflite_runtime' and device() == PI:
        if num_threads < -1:
          raise ValueError('num_threads should be >= -1')
      elif num_threads < 1:
        raise ValueError('num_threads should >= 1')
    if model_path and not model_content:
      path = os.fspath(model_path)
      try:
        self._interpreter = _autopilot_edge.Runtime.from_path(path)
      except ValueError as e:
        if not os.path.isfile(path):
          raise ValueError("Could not open '{}'.".format(path)) from None
        raise _model_error(_identifier(path), e) from None
      model_name = path
    elif model_content and not model_path:
      self._model_content = model_content
      try:
        self._interpreter = _autopilot_edge.Runtime.from_bytes(bytes(model_content))
      except ValueError as e:
        raise _model_error(bytes(model_content)[4:8].decode('latin-1'), e) from None
      model_name = '<content>'
    elif not model_content and not model_path:
      raise ValueError('`model_path` or `model_content` must be specified.')
    else:
      raise ValueError('Can\'t both provide `model_path` and `model_content`')
    if experimental_delegates:
      self._delegates = list(experimental_delegates)
    self._edgetpu = any(getattr(d, 'is_edgetpu', False) for d in self._delegates)
    self._allocate_failure = None
    if (device() == CORAL and os.environ.get('AUTOPILOT_EDGE_TPU_MODEL') == '1' and
        not self._edgetpu):
      # An Edge TPU compiled model's graph is one edgetpu-custom-op node that only the
      # delegate resolves; tflite_runtime 2.5 reports it when preparing that node.
      self._allocate_failure = ('Encountered unresolved custom op: edgetpu-custom-op.'
                                'Node number 0 (edgetpu-custom-op) failed to prepare.\n')
    self._signature_defs = self.get_signature_list()
    _Trace.construction(model_name, self._edgetpu)

  def __del__(self):
    self._interpreter = None
    self._delegates = None

  # -- state ----------------------------------------------------------------------------------

  def _safe_to_run(self):
    # Views returned by tensor() have the native runtime as their numpy base.
    return sys.getrefcount(self._interpreter) == 2

  def _ensure_safe(self):
    if not self._safe_to_run():
      raise RuntimeError(_UNSAFE_TEXT)

  def allocate_tensors(self):
    self._ensure_safe()
    if self._allocate_failure:
      raise RuntimeError(self._allocate_failure)
    self._interpreter.allocate()

  def invoke(self):
    self._ensure_safe()
    if not self._interpreter.allocated:
      raise RuntimeError('Invoke called on model that is not ready.')
    self._interpreter.invoke()
    _Trace.invoke(self._interpreter, self._edgetpu)

  def reset_all_variables(self):
    return None

  def num_subgraphs(self):
    return 1

  def _native_handle(self):
    return id(self._interpreter)

  # -- details ----------------------------------------------------------------------------------

  def _check_tensor_index(self, tensor_index):
    count = self._interpreter.tensor_count()
    if tensor_index < 0 or tensor_index >= count:
      raise ValueError('Invalid tensor index %d exceeds max tensor index %d' %
                       (tensor_index, count))

  def _get_tensor_details(self, tensor_index, subgraph_index=0):
    tensor_index = int(tensor_index)
    subgraph_index = int(subgraph_index)
    if subgraph_index != 0:
      raise ValueError('Invalid subgraph index %d exceeds max subgraph index %d' %
                       (subgraph_index, 1))
    self._check_tensor_index(tensor_index)
    info = self._interpreter.tensor_info(tensor_index)
    scales = np.array(info['scales'], dtype=np.float32)
    zero_points = np.array(info['zero_points'], dtype=np.int32)
    if len(scales) == 1 and len(zero_points) == 1:
      quantization = (float(scales[0]), int(zero_points[0]))
    else:
      quantization = (0.0, 0)
    return {
        'name': info['name'],
        'index': tensor_index,
        'shape': np.array(info['shape'], dtype=np.int32),
        'shape_signature': np.array(info['shape_signature'], dtype=np.int32),
        'dtype': _DTYPES.get(info['type'], np.float32),
        'quantization': quantization,
        'quantization_parameters': {
            'scales': scales,
            'zero_points': zero_points,
            'quantized_dimension': int(info['quantized_dimension']),
        },
        'sparsity_parameters': {},
    }

  def get_tensor_details(self, subgraph_index=0):
    if subgraph_index != 0:
      raise ValueError('subgraph_index is out of range: {} for the model, which has 1 '
                       'subgraphs.'.format(subgraph_index))
    return [self._get_tensor_details(i, 0) for i in range(self._interpreter.tensor_count())]

  def get_input_details(self):
    return [self._get_tensor_details(i, 0) for i in self._interpreter.inputs()]

  def get_output_details(self):
    return [self._get_tensor_details(i, 0) for i in self._interpreter.outputs()]

  # -- data -------------------------------------------------------------------------------------

  def set_tensor(self, tensor_index, value):
    tensor_index = int(tensor_index)
    self._check_tensor_index(tensor_index)
    try:
      array = np.asarray(value)
    except Exception:  # noqa: BLE001 - the wrapper's own wording for any conversion failure
      raise ValueError('Failed to convert value into readable tensor.') from None
    info = self._interpreter.tensor_info(tensor_index)
    expected = info['type']
    got = _numpy_type_name(array.dtype)
    if got != expected:
      raise ValueError('Cannot set tensor: Got value of type %s but expected type %s for input '
                       '%d, name: %s ' % (got, expected, tensor_index, info['name']))
    shape = list(info['shape'])
    if array.ndim != len(shape):
      raise ValueError('Cannot set tensor: Dimension mismatch. Got %d but expected %d for input '
                       '%d.' % (array.ndim, len(shape), tensor_index))
    for d, (a, b) in enumerate(zip(array.shape, shape)):
      if a != b:
        raise ValueError('Cannot set tensor: Dimension mismatch. Got %d but expected %d for '
                         'dimension %d of input %d.' % (a, b, d, tensor_index))
    if not self._interpreter.allocated:
      raise ValueError('Cannot set tensor: Tensor is unallocated. Try calling allocate_tensors()'
                       ' first')
    data = np.ascontiguousarray(array)
    expected_bytes = len(self._interpreter.tensor_bytes(tensor_index))
    if data.nbytes != expected_bytes:
      raise ValueError('numpy array had %d bytes but expected %d bytes.' %
                       (data.nbytes, expected_bytes))
    self._interpreter.set_bytes(tensor_index, data.reshape(-1).view(np.uint8))

  def get_tensor(self, tensor_index, subgraph_index=0):
    tensor_index = int(tensor_index)
    if int(subgraph_index) != 0:
      raise ValueError('Invalid subgraph index %d exceeds max subgraph index %d' %
                       (subgraph_index, 1))
    self._check_tensor_index(tensor_index)
    if not self._interpreter.has_data(tensor_index):
      raise ValueError('Tensor data is null. Run allocate_tensors() first')
    info = self._interpreter.tensor_info(tensor_index)
    raw = self._interpreter.tensor_bytes(tensor_index)
    if not raw:
      raise ValueError('Invalid tensor size.')
    dtype = _DTYPES.get(info['type'])
    if dtype is None:
      raise ValueError('Unknown tensor type.')
    return np.frombuffer(raw, dtype=dtype).reshape(info['shape']).copy()

  def tensor(self, tensor_index):
    tensor_index = int(tensor_index)
    return lambda: self._view(tensor_index)

  def _view(self, tensor_index):
    self._check_tensor_index(tensor_index)
    if not self._interpreter.allocated:
      raise ValueError('Tensor data is null. Run allocate_tensors() first')
    info = self._interpreter.tensor_info(tensor_index)
    return self._interpreter.view(tensor_index, np.dtype(_DTYPES[info['type']]),
                                  list(info['shape']))

  def resize_tensor_input(self, input_index, tensor_size, strict=False):
    self._ensure_safe()
    input_index = int(input_index)
    self._check_tensor_index(input_index)
    try:
      size = np.array(tensor_size, dtype=np.int32)
    except (TypeError, ValueError):
      raise ValueError('Failed to convert numpy value into readable tensor.') from None
    if size.ndim != 1:
      raise ValueError('Shape should be 1D instead of %d.' % size.ndim)
    if strict:
      info = self._interpreter.tensor_info(input_index)
      sig = list(info['shape_signature'])
      if len(sig) != len(size) or any(s != -1 and s != n for s, n in zip(sig, size)):
        raise RuntimeError('ResizeInputTensorStrict only allows mutating unknown dimensions '
                           'identified by -1.')
    try:
      self._interpreter.resize_input(input_index, [int(v) for v in size])
    except ValueError as e:
      raise RuntimeError(str(e)) from None

  # -- signatures -------------------------------------------------------------------------------

  def _get_full_signature_list(self):
    return {key: {'inputs': dict(ins), 'outputs': dict(outs)}
            for key, ins, outs in self._interpreter.signatures()}

  def get_signature_list(self):
    return {key: {'inputs': list(v['inputs']), 'outputs': list(v['outputs'])}
            for key, v in self._get_full_signature_list().items()}

  def get_signature_runner(self, signature_key=None):
    if signature_key is None:
      if len(self._signature_defs) != 1:
        raise ValueError(
            'SignatureDef signature_key is None and model has {0} Signatures. None is only '
            'allowed when the model has 1 SignatureDef'.format(len(self._signature_defs)))
      signature_key = next(iter(self._signature_defs))
    if signature_key not in self._signature_defs:
      raise ValueError('Invalid signature_key provided: "{}".'.format(signature_key))
    return SignatureRunner(self, signature_key)


def _model_error(identifier, native):
  """The ValueError for a model that did not load.

  A wrong file identifier gets TFLite's own text; a model that does carry 'TFL3' but is
  truncated or inconsistent reports the native reason (never "has identifier 'TFL3', should be
  'TFL3'").
  """
  if identifier != 'TFL3':
    return ValueError('Model provided has model identifier \'{}\', should be \'TFL3\'\n'
                      .format(identifier))
  return ValueError(str(native))


def _identifier(path):
  try:
    with open(path, 'rb') as f:
      return f.read(8)[4:8].decode('latin-1')
  except OSError:
    return ''


class SignatureRunner:
  """Runs one SignatureDef: keyword inputs in, a dict of output copies out."""

  def __init__(self, interpreter, signature_key):
    self._interpreter = interpreter
    full = interpreter._get_full_signature_list()[signature_key]
    self._inputs = full['inputs']
    self._outputs = full['outputs']

  def __call__(self, **kwargs):
    if len(kwargs) != len(self._inputs):
      raise ValueError('Invalid number of inputs provided for running a SignatureDef, expected '
                       '%s vs provided %s' % (len(self._inputs), len(kwargs)))
    for name in kwargs:
      if name not in self._inputs:
        raise ValueError('Invalid Input name (%s) for SignatureDef' % name)
    if not self._interpreter._interpreter.allocated:
      self._interpreter.allocate_tensors()
    for name, value in kwargs.items():
      self._interpreter.set_tensor(self._inputs[name], value)
    self._interpreter.invoke()
    return {name: self._interpreter.get_tensor(i) for name, i in self._outputs.items()}

  def get_input_details(self):
    return {n: self._interpreter._get_tensor_details(i) for n, i in self._inputs.items()}

  def get_output_details(self):
    return {n: self._interpreter._get_tensor_details(i) for n, i in self._outputs.items()}

  def allocate_tensors(self):
    self._interpreter.allocate_tensors()
