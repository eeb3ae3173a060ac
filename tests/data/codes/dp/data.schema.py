import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv("raw.csv").drop_duplicates()
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)]
s = df["red"] + df["green"] + df["blue"]
out = pd.DataFrame({"red_ratio": df["red"] / s, "green_ratio": df["green"] / s,
                    "blue_ratio": df["blue"] / s, "label": df["label"]})
train, test = train_test_split(out, test_size=0.2, stratify=out["label"], random_state=42)
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
