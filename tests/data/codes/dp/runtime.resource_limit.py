import pandas as pd

df = pd.read_csv("raw.csv")
n = len(df)
# Distance slots for every triple of samples, to find clusters of near-duplicates.
dist = [0.0] * (n * n * n * 2)
