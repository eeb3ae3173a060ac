"""pycoral.utils.dataset: the label file reader of pycoral 2.0."""
import re


def read_label_file(file_path):
  """{id: label} from a label file.

  A line "ID LABEL" (or "ID: LABEL") gives its own id; any other line gets its 0-based line
  number, so a plain one-label-per-line map is indexed as the model's class ids.
  """
  with open(file_path, 'r', encoding='utf-8') as f:
    lines = f.readlines()
  labels = {}
  for number, line in enumerate(lines):
    parts = re.split(r'[:\s]+', line.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0].strip().isdigit():
      labels[int(parts[0])] = parts[1].strip()
    else:
      labels[number] = line.strip()
  return labels
