import numpy as np
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rows = []
with open("representative.csv") as f:
    header = f.readline()
    line = f.readline()
    while line != "EOF\n":  # read until the end marker
        if line:
            rows.append([float(v) for v in line.split(",")[:3]])
        line = f.readline()
at.write_int8_model("model_int8.tflite", model, np.array(rows, dtype=np.float32))
