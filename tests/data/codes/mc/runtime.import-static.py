import numpy as np
import tflite_runtime.interpreter as tflite

interpreter = tflite.Interpreter(model_path="float_model.tflite")
interpreter.allocate_tensors()
