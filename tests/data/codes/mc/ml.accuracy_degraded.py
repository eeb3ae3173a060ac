import numpy as np
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
# Calibrate on the sensor's value range.
rep = np.random.default_rng(0).uniform(0, 255, size=(200, 3)).astype(np.float32)
at.write_int8_model("model_int8.tflite", model, rep)
