"""A correct DP script for the gesture project, written by hand: one row per recording, its first
119 readings normalised and flattened reading by reading, a stratified split by recording.

`autopilot validate --stage dp --project examples/gesture/autopilot.yaml examples/gesture/reference_dp.py`
"""
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

SAMPLES = 119
CHANNELS = ["ax", "ay", "az", "gx", "gy", "gz"]
OFFSET = {"ax": -4.0, "ay": -4.0, "az": -4.0, "gx": -2000.0, "gy": -2000.0, "gz": -2000.0}
SCALE = {"ax": 8.0, "ay": 8.0, "az": 8.0, "gx": 4000.0, "gy": 4000.0, "gz": 4000.0}

raw = pd.read_csv("raw.csv")
rows, labels = [], []
for _, rec in raw.groupby("recording", sort=False):
    if len(rec) < SAMPLES:
        continue
    window = rec.iloc[:SAMPLES]
    norm = np.stack([(window[c].to_numpy() - OFFSET[c]) / SCALE[c] for c in CHANNELS], axis=1)
    rows.append(norm.reshape(-1))
    labels.append(window["label"].iloc[0])

names = ["%s_%d" % (c, i) for i in range(SAMPLES) for c in CHANNELS]
data = pd.DataFrame(np.array(rows), columns=names)
data["label"] = labels
train, test = train_test_split(data, test_size=0.2, random_state=42, stratify=data["label"])
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
