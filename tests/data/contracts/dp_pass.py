# DP written to the contract: clean() and features() at module level, and the work itself at
# the top level with no __main__ guard (the unit layer must not run it).
import pandas as pd
from sklearn.model_selection import train_test_split

FEATURES = ["r_ratio", "g_ratio", "b_ratio"]
MIN_CLEAR = 10
MAX_PROXIMITY = 0


def clean(df):
    df = df.drop_duplicates()
    df = df[(df["clear"] >= MIN_CLEAR) & (df["proximity"] <= MAX_PROXIMITY)]
    return df


def features(df):
    total = df["red"] + df["green"] + df["blue"]
    out = pd.DataFrame({
        "r_ratio": df["red"] / total,
        "g_ratio": df["green"] / total,
        "b_ratio": df["blue"] / total,
    })
    out["label"] = df["label"].values
    return out


raw = pd.read_csv("raw.csv")
data = features(clean(raw))
train, test = train_test_split(data, test_size=0.2, random_state=42, stratify=data["label"])
train.to_csv("train.csv", index=False)
test.to_csv("test.csv", index=False)
print("train", len(train), "test", len(test))
