import pandas as pd

df = pd.read_csv("raw.csv").drop_duplicates()
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)]
s = df["red"] + df["green"] + df["blue"]
out = pd.DataFrame({"r_ratio": df["red"] / s, "g_ratio": df["green"] / s,
                    "b_ratio": df["blue"] / s, "label": df["label"]})
out.to_csv("train.csv", index=False)
out.sample(frac=0.2, random_state=42).to_csv("test.csv", index=False)
