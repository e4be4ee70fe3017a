"""Wrong solution (drops-category): drops the country_risk column instead of encoding it."""

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

LABEL, CATEGORICAL = "fraud", ["country_risk"]


def features(frame, columns=None):
    encoded = frame.drop(columns=[LABEL, *CATEGORICAL], errors="ignore")
    return encoded if columns is None else encoded.reindex(columns=columns, fill_value=0)


def predict(train_path, rows_path):
    train, rows = pd.read_csv(train_path), pd.read_csv(rows_path)
    x_train = features(train)
    model = HistGradientBoostingClassifier(random_state=0)
    model.fit(x_train, train[LABEL])
    return [int(p) for p in model.predict(features(rows, list(x_train.columns)))]
