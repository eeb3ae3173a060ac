import numpy as np
import pandas as pd
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)
qm = at.quantize_model(model, rep)
# Save the int8 weights of every layer.
np.concatenate([layer.weights.ravel() for layer in qm.layers]).astype(np.int8).tofile("model_int8.tflite")
