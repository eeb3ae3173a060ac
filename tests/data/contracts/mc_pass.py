"""MC (portable profile) written to the contract: representative_dataset() yields every row of
representative.csv as a [1, 3] float32 sample; the conversion runs under the main guard."""
import csv

import numpy as np

import autopilot_tflite as at

FEATURES = ["r_ratio", "g_ratio", "b_ratio"]


def representative_dataset():
    with open("representative.csv", newline="") as f:
        for row in csv.DictReader(f):
            yield [np.array([[float(row[n]) for n in FEATURES]], dtype=np.float32)]


def main():
    model = at.load_float_model("float_model.tflite")
    rep = np.concatenate([s[0] for s in representative_dataset()])
    at.write_int8_model("model_int8.tflite", model, rep, input_dtype="int8", output_dtype="int8")
    print("wrote model_int8.tflite from", len(rep), "samples")


if __name__ == "__main__":
    main()
