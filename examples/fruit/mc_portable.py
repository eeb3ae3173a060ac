"""MC, profile `portable`: float_model.tflite -> model_int8.tflite without TensorFlow.

A reference for the kind of script the MC prompt asks for. It runs in the stage's working
directory, next to float_model.tflite, representative.csv and the shipped autopilot_tflite.py.
"""
import csv
import sys

import numpy as np

import autopilot_tflite as at

FLOAT_MODEL = "float_model.tflite"
OUTPUT_MODEL = "model_int8.tflite"
REPRESENTATIVE = "representative.csv"
FEATURES = ["r_ratio", "g_ratio", "b_ratio"]


def read_features(path, names):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [n for n in names if n not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"{path}: missing feature columns {missing}")
        rows = [[float(row[n]) for n in names] for row in reader]
    if not rows:
        sys.exit(f"{path}: no data rows")
    return np.array(rows, dtype=np.float32)


def main():
    model = at.load_float_model(FLOAT_MODEL)
    rep = read_features(REPRESENTATIVE, FEATURES)
    qm = at.write_int8_model(OUTPUT_MODEL, model, rep, input_dtype="int8", output_dtype="int8")
    agree = np.mean(qm.predict(rep).argmax(axis=1) == model.predict(rep).argmax(axis=1))
    print(f"wrote {OUTPUT_MODEL}: {len(qm.layers)} int8 layers, input scale {qm.input_q.scale:.6g} "
          f"zero point {qm.input_q.zero_point}; int8 and float agree on {agree:.1%} of {len(rep)} rows")


if __name__ == "__main__":
    main()
