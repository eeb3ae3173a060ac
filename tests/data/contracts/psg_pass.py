# PSG written to the contract: preprocess() and decode() at module level, callable right after
# import (they use constants, not the interpreter), and used by main().
import os

import cv2
import numpy as np
from tflite_runtime.interpreter import Interpreter

MODEL_PATH = "models/ssd-mobilenet_v1/detect.tflite"
LABEL_PATH = "models/ssd-mobilenet_v1/labelmap.txt"
INPUT_PATH = "data/object_detection/sheeps.mp4"
OUTPUT_PATH = "results/object_detection/test_results/sheeps_detections.mp4"
THRESHOLD = 0.5
INPUT_W, INPUT_H = 300, 300


def preprocess(frame):
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    resized = cv2.resize(rgb, (INPUT_W, INPUT_H))
    return np.expand_dims(resized, axis=0).astype(np.uint8)


def decode(outputs, threshold):
    boxes, classes, scores, count = outputs[0][0], outputs[1][0], outputs[2][0], outputs[3]
    n = int(np.asarray(count).reshape(-1)[0])
    found = []
    for i in range(n):
        if scores[i] >= threshold:
            found.append((int(classes[i]), float(scores[i]), tuple(float(v) for v in boxes[i])))
    return found


def main():
    with open(LABEL_PATH) as f:
        labels = [line.strip() for line in f if line.strip()]
    interpreter = Interpreter(model_path=MODEL_PATH)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    outs = interpreter.get_output_details()
    cap = cv2.VideoCapture(INPUT_PATH)
    if not cap.isOpened():
        raise SystemExit("cannot open " + INPUT_PATH)
    fps = cap.get(cv2.CAP_PROP_FPS) or 24.0
    w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    os.makedirs(os.path.dirname(OUTPUT_PATH), exist_ok=True)
    writer = cv2.VideoWriter(OUTPUT_PATH, cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    frames = drawn = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        interpreter.set_tensor(inp["index"], preprocess(frame))
        interpreter.invoke()
        outputs = [interpreter.get_tensor(o["index"]) for o in outs]
        for cls, score, (y0, x0, y1, x1) in decode(outputs, THRESHOLD):
            p0 = (int(max(0.0, x0) * w), int(max(0.0, y0) * h))
            p1 = (int(min(1.0, x1) * w), int(min(1.0, y1) * h))
            name = labels[cls] if 0 <= cls < len(labels) else str(cls)
            cv2.rectangle(frame, p0, p1, (0, 0, 255), 2)
            cv2.putText(frame, "%s %.2f" % (name, score), (p0[0], max(12, p0[1] - 4)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1)
            drawn += 1
        writer.write(frame)
        frames += 1
    cap.release()
    writer.release()
    print("frames", frames, "detections", drawn)


if __name__ == "__main__":
    main()
