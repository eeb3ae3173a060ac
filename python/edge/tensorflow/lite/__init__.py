"""tf.lite: the Python interpreter API (tensorflow/lite/python/interpreter.py)."""
import enum

from tensorflow.lite.python.interpreter import Interpreter, OpResolverType
from tensorflow.lite import experimental


class OpsSet(enum.Enum):
  TFLITE_BUILTINS = 'TFLITE_BUILTINS'
  SELECT_TF_OPS = 'SELECT_TF_OPS'
  TFLITE_BUILTINS_INT8 = 'TFLITE_BUILTINS_INT8'
