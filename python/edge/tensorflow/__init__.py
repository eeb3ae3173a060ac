"""TensorFlow as the virtual boards have it: `tf.lite` (Interpreter, load_delegate, OpsSet) over
the boards' interpreter. The rest of TensorFlow is not modelled; using it says so."""
from tensorflow import lite

__version__ = '2.14.0'
VERSION = __version__


def __getattr__(name):
  if name.startswith('__'):
    raise AttributeError(name)
  raise AttributeError("module 'tensorflow' has no attribute '%s' (the virtual device's "
                       "TensorFlow has tf.lite only)" % name)
