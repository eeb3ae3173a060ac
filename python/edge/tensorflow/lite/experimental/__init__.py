"""tf.lite.experimental: delegates."""
from tensorflow.lite.python.interpreter import load_delegate, Delegate  # noqa: F401
