"""pycoral.adapters.classify: top-k classes from a classification model."""
import collections
import operator

import numpy as np

Class = collections.namedtuple('Class', ['id', 'score'])
Class.__doc__ = 'A classification result: class id and score.'


def num_classes(interpreter):
  return int(np.prod(interpreter.get_output_details()[0]['shape']))


def get_scores(interpreter):
  """Output 0 as real-valued scores (dequantized for integer outputs)."""
  details = interpreter.get_output_details()[0]
  scores = interpreter.tensor(details['index'])().flatten()
  if np.issubdtype(details['dtype'], np.integer):
    scale, zero_point = details['quantization']
    return scale * (scores.astype(np.int64) - zero_point)
  return scores.copy()


def get_classes_from_scores(scores, top_k=float('inf'), score_threshold=-float('inf')):
  top_k = min(top_k, len(scores))
  classes = [Class(i, scores[i]) for i in np.argpartition(scores, -top_k)[-top_k:]
             if scores[i] >= score_threshold]
  return sorted(classes, key=operator.itemgetter(1), reverse=True)


def get_classes(interpreter, top_k=float('inf'), score_threshold=-float('inf')):
  return get_classes_from_scores(get_scores(interpreter), top_k, score_threshold)
