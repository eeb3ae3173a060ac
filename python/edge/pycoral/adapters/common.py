"""pycoral.adapters.common: input/output tensor helpers."""
import numpy as np


def output_tensor(interpreter, i):
  """A view of output i (valid until the next invoke)."""
  return interpreter.tensor(interpreter.get_output_details()[i]['index'])()


def input_details(interpreter, key):
  """One field of input 0's details."""
  return interpreter.get_input_details()[0][key]


def input_size(interpreter):
  """(width, height) of input 0, shaped [1, height, width, channels]."""
  _, height, width, _ = input_details(interpreter, 'shape')
  return int(width), int(height)


def input_tensor(interpreter):
  """A [height, width, channels] view of input 0."""
  return interpreter.tensor(input_details(interpreter, 'index'))()[0]


def set_input(interpreter, data):
  """Copies `data` into input 0."""
  input_tensor(interpreter)[:, :] = data


def set_resized_input(interpreter, size, resize):
  """Fits an image of `size` (w, h) into input 0 keeping its aspect ratio, zero-padded.

  `resize(new_size)` returns the resized image; returns it and the (scale, scale) used.
  """
  width, height = input_size(interpreter)
  w, h = size
  scale = min(width / w, height / h)
  w, h = int(w * scale), int(h * scale)
  tensor = input_tensor(interpreter)
  tensor.fill(0)
  _, _, channel = tensor.shape
  result = resize((w, h))
  tensor[:h, :w] = np.reshape(result, (h, w, channel))
  return result, (scale, scale)
