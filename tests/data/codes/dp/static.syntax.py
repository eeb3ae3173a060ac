import pandas as pd

df = pd.read_csv("raw.csv")
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)
s = df["red"] + df["green"] + df["blue"]
print(len(df))
