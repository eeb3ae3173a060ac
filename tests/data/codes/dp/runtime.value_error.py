import pandas as pd
from sklearn.model_selection import train_test_split

df = pd.read_csv("raw.csv").drop_duplicates()
X_train, X_test, y_train, y_test = train_test_split(df, test_size=0.2, random_state=42)
