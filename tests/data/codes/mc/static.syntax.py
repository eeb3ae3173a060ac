import numpy as np
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = np.loadtxt("representative.csv", delimiter=",", skiprows=1, usecols=(0, 1, 2)
at.write_int8_model("model_int8.tflite", model, rep)
