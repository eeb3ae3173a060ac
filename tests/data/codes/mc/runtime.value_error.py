import pandas as pd
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = pd.read_csv("representative.csv").values  # every column, the label too
at.write_int8_model("model_int8.tflite", model, rep)
