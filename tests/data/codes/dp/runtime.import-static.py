import pandas as pd
import matplotlib.pyplot as plt

df = pd.read_csv("raw.csv")
df["label"].value_counts().plot(kind="bar")
plt.savefig("classes.png")
