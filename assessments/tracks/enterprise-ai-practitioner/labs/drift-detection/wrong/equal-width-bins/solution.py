"""Wrong solution (equal-width-bins): uses ten equal-width bins, which crowd skewed data into a few bins."""

import numpy as np
import pandas as pd

FLOOR = 1e-4


def psi(ref_share, cur_share):
    ref_share, cur_share = np.maximum(ref_share, FLOOR), np.maximum(cur_share, FLOOR)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def numeric_psi(reference, current):
    edges = np.linspace(reference.min(), reference.max(), 11)[1:-1]  # bins come from the reference only
    bins = np.arange(len(edges) + 1)
    ref_bins = np.searchsorted(edges, reference, side="right")
    cur_bins = np.searchsorted(edges, current, side="right")
    ref_share = np.array([(ref_bins == b).mean() for b in bins])
    cur_share = np.array([(cur_bins == b).mean() for b in bins])
    return psi(ref_share, cur_share)


def categorical_psi(reference, current):
    categories = sorted(set(reference) | set(current))
    ref_share = np.array([(reference == c).mean() for c in categories])
    cur_share = np.array([(current == c).mean() for c in categories])
    return psi(ref_share, cur_share)


def detect(reference_path, current_path, threshold=0.2):
    reference, current = pd.read_csv(reference_path), pd.read_csv(current_path)
    scores = {}
    for column in reference.columns:
        if not pd.api.types.is_numeric_dtype(reference[column]):
            value = categorical_psi(reference[column].to_numpy(), current[column].to_numpy())
        else:
            value = numeric_psi(reference[column].to_numpy(), current[column].to_numpy())
        scores[column] = round(value, 4)
    return {"psi": scores, "drifted": sorted(c for c, v in scores.items() if v >= threshold)}
