import pandas as pd

df = pd.read_csv("raw.csv").drop_duplicates()
df = df[(df["clear"] >= 10) & (df["proximity"] <= 0)]
if df.empty:
    print("no usable samples")
    return
print(len(df))
