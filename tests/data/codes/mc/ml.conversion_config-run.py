import numpy as np
import pandas as pd
import autopilot_tflite as at

model = at.load_float_model("float_model.tflite")
rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)


def representative_dataset():
    for row in rep[:100]:
        yield [row[None, :]]


at.write_int8_model("model_int8.tflite", model, representative_dataset=representative_dataset,
                    inference_input_type="int8", inference_output_type="int8")
