import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv("raw.csv").drop_duplicates()
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)]
s = df["red"] + df["green"] + df["blue"]
out = pd.DataFrame({"r_ratio": df["red"] / s, "g_ratio": df["green"] / s,
                    "b_ratio": df["blue"] / s, "label": df["label"]})
train, test = train_test_split(out, test_size=0.2, stratify=out["label"], random_state=42)
train.to_csv("train_data.csv", index=False)
test.to_csv("test_data.csv", index=False)
