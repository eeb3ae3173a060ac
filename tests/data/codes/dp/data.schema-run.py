import pandas as pd

df = pd.read_csv("raw.csv")
s = df["Red"] + df["Green"] + df["Blue"]
