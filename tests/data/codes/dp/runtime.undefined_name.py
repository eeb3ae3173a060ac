import pandas as pd

df = pd.read_csv("raw.csv").drop_duplicates()
s = df["red"] + df["green"] + df["blue"]
df = df[np.isfinite(s) & (s > 0)]
