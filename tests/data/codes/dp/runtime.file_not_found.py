import pandas as pd

# The project's dataset file.
df = pd.read_csv("data/fruit.csv")
print(df.shape)
