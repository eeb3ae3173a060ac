"""pycoral.utils.edgetpu: Edge TPU delegate and interpreter helpers of the Coral Dev Board."""
import numpy as np
import tflite_runtime.interpreter as tflite

_EDGETPU_SHARED_LIB = 'libedgetpu.so.1'


def load_edgetpu_delegate(options=None):
  """The Edge TPU delegate (`options` may name a 'device')."""
  return tflite.load_delegate(_EDGETPU_SHARED_LIB, options or {})


def make_interpreter(model_path_or_content, device=None, delegate=None):
  """An Interpreter with the Edge TPU delegate; bytes are model content, str a path."""
  if delegate:
    delegates = [delegate]
  else:
    delegates = [load_edgetpu_delegate({'device': device} if device else {})]
  if isinstance(model_path_or_content, bytes):
    return tflite.Interpreter(model_content=model_path_or_content,
                              experimental_delegates=delegates)
  return tflite.Interpreter(model_path=model_path_or_content, experimental_delegates=delegates)


def list_edge_tpus():
  """The Dev Board's one PCIe Edge TPU."""
  return [{'type': 'pci', 'path': '/dev/apex_0'}]


def get_runtime_version():
  return 'BuildLabel(COMPILER=6.3.0 20170516,DATE=redacted,TIME=redacted), RuntimeVersion(14)'


def set_verbosity(verbosity):
  return verbosity >= 0


def run_inference(interpreter, input_data):
  """Copies flat uint8 data into input 0 and invokes."""
  details = interpreter.get_input_details()[0]
  expected = int(np.prod(details['shape']))
  if not isinstance(input_data, (bytes, bytearray, np.ndarray)):
    raise TypeError('input data type is not supported.')
  data = np.frombuffer(bytes(input_data), dtype=np.uint8) if not isinstance(
      input_data, np.ndarray) else input_data.reshape(-1)
  if data.size != expected:
    raise ValueError('input size={}, expected={}.'.format(data.size, expected))
  interpreter.set_tensor(details['index'], data.astype(details['dtype']).reshape(details['shape']))
  interpreter.invoke()
