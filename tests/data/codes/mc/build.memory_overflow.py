import numpy as np
import pandas as pd
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)
qm = at.quantize_model(model, rep)
# Keep the calibration data with the model for traceability.
meta = dict(qm.metadata or {})
meta["calibration_csv"] = open("representative.csv", "rb").read()
at.write_quantized_model("model_int8.tflite", qm.layers, qm.input_q, softmax=qm.softmax,
                         input_dtype="int8", output_dtype="int8", metadata=meta)
