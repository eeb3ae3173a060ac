import pandas as pd

df = pd.read_csv("raw.csv")
# apple, banana, orange and the "unknown" class
if df["label"].nunique() != 4:
    raise Exception(f"expected 4 classes, found {df['label'].nunique()}")
