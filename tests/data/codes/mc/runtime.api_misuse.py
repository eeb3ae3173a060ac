import numpy as np
import pandas as pd
import autopilot_tflite as at

rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)
at.convert("float_model.tflite", "model_int8.tflite", representative=rep, quantization="int8")
