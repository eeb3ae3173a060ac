import pandas as pd
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)
at.write_int8_model("model_int8.tflite", model, rep)
