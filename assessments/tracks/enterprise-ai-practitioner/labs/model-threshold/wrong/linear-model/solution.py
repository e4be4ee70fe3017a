"""Wrong solution (linear-model): a plain logistic regression cannot capture the interactions, so F1 stays low."""

import pandas as pd
from sklearn.linear_model import LogisticRegression

LABEL, CATEGORICAL = "fraud", ["country_risk"]


def features(frame, columns=None):
    encoded = pd.get_dummies(frame.drop(columns=[LABEL], errors="ignore"), columns=CATEGORICAL)
    return encoded if columns is None else encoded.reindex(columns=columns, fill_value=0)


def predict(train_path, rows_path):
    train, rows = pd.read_csv(train_path), pd.read_csv(rows_path)
    x_train = features(train)
    model = LogisticRegression(max_iter=2000)
    model.fit(x_train, train[LABEL])
    return [int(p) for p in model.predict(features(rows, list(x_train.columns)))]
