"""A correct PSG script, written by hand: SSD detector over a video on a Raspberry Pi 4B.

`autopilot validate --stage psg --project examples/edge/autopilot.yaml examples/edge/reference_psg.py`
passes on it; the tests break it one way at a time and expect the matching verdict.
"""
import os

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

MODEL_PATH = "models/ssd-mobilenet_v1/detect.tflite"
LABEL_PATH = "models/ssd-mobilenet_v1/labelmap.txt"
INPUT_PATH = "data/object_detection/sheeps.mp4"
OUTPUT_PATH = "results/object_detection/test_results/sheeps_detections.mp4"
THRESHOLD = 0.5


def load_labels(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def main():
    labels = load_labels(LABEL_PATH)
    interpreter = Interpreter(model_path=MODEL_PATH)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    outs = interpreter.get_output_details()
    height, width = int(inp["shape"][1]), int(inp["shape"][2])

    cap = cv2.VideoCapture(INPUT_PATH)
    if not cap.isOpened():
        raise SystemExit("cannot open " + INPUT_PATH)
    fps = cap.get(cv2.CAP_PROP_FPS) or 24.0
    frame_w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    frame_h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    os.makedirs(os.path.dirname(OUTPUT_PATH), exist_ok=True)
    writer = cv2.VideoWriter(OUTPUT_PATH, cv2.VideoWriter_fourcc(*"mp4v"), fps, (frame_w, frame_h))
    if not writer.isOpened():
        raise SystemExit("cannot write " + OUTPUT_PATH)

    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        resized = cv2.resize(rgb, (width, height))
        data = np.expand_dims(resized, axis=0)
        if inp["dtype"] == np.float32:
            data = (data.astype(np.float32) - 127.5) / 127.5
        interpreter.set_tensor(inp["index"], data)
        interpreter.invoke()
        boxes = interpreter.get_tensor(outs[0]["index"])[0]
        classes = interpreter.get_tensor(outs[1]["index"])[0]
        scores = interpreter.get_tensor(outs[2]["index"])[0]
        count = int(interpreter.get_tensor(outs[3]["index"])[0])
        for i in range(count):
            if scores[i] < THRESHOLD:
                continue
            ymin, xmin, ymax, xmax = boxes[i]
            x0, y0 = int(max(0, xmin) * frame_w), int(max(0, ymin) * frame_h)
            x1, y1 = int(min(1, xmax) * frame_w), int(min(1, ymax) * frame_h)
            cls = int(classes[i])
            name = labels[cls] if 0 <= cls < len(labels) else str(cls)
            cv2.rectangle(frame, (x0, y0), (x1, y1), (0, 0, 255), 2)
            cv2.putText(frame, "%s %.2f" % (name, scores[i]), (x0, max(12, y0 - 4)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1)
        writer.write(frame)
        frames += 1
    cap.release()
    writer.release()
    print("annotated %d frames into %s" % (frames, OUTPUT_PATH))


if __name__ == "__main__":
    main()
