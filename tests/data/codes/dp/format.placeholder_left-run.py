import pandas as pd

FEATURE_COLUMNS = ...  # fill in the colour columns

df = pd.read_csv("raw.csv")
total = sum(df[c] for c in FEATURE_COLUMNS)
