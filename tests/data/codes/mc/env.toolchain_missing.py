import numpy as np
import pandas as pd
import tensorflow as tf

rep = pd.read_csv("representative.csv")[["r_ratio", "g_ratio", "b_ratio"]].values.astype(np.float32)
converter = tf.lite.TFLiteConverter.from_saved_model("float_model")
converter.optimizations = [tf.lite.Optimize.DEFAULT]
converter.representative_dataset = lambda: ([r[None, :]] for r in rep)
converter.inference_input_type = tf.int8
converter.inference_output_type = tf.int8
open("model_int8.tflite", "wb").write(converter.convert())
