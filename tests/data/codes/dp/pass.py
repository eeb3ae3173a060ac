# A plain-csv DP script (no pandas): clean, compute colour ratios, stratified split.
import csv
import random

rows, seen = [], set()
with open("raw.csv", newline="") as f:
    for r in csv.DictReader(f):
        key = tuple(r.values())
        if key in seen:
            continue
        seen.add(key)
        if int(r["clear"]) < 10 or int(r["proximity"]) > 0:
            continue
        s = int(r["red"]) + int(r["green"]) + int(r["blue"])
        if s <= 0:
            continue
        rows.append([int(r["red"]) / s, int(r["green"]) / s, int(r["blue"]) / s, r["label"]])

random.seed(42)
train, test = [], []
for label in sorted({r[3] for r in rows}):
    group = [r for r in rows if r[3] == label]
    random.shuffle(group)
    n = round(len(group) * 0.2)
    test += group[:n]
    train += group[n:]

for name, part in (("train.csv", train), ("test.csv", test)):
    with open(name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["r_ratio", "g_ratio", "b_ratio", "label"])
        for r in part:
            w.writerow([f"{r[0]:.8f}", f"{r[1]:.8f}", f"{r[2]:.8f}", r[3]])
