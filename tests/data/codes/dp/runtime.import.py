import pandas as pd
from sklearn.cross_validation import train_test_split

df = pd.read_csv("raw.csv")
train, test = train_test_split(df, test_size=0.2)
