"""Wrong solution (cut-point-to-lower-bin): a value equal to a cut point goes to the bin below (searchsorted side="left", like pandas.cut), which matters for tied data."""

import numpy as np
import pandas as pd

FLOOR = 1e-4


def psi(reference, current):
    """PSI between two samples of bin labels: one bin per label seen in either sample."""
    labels = sorted(set(reference) | set(current))
    ref_share = np.maximum([np.mean(reference == label) for label in labels], FLOOR)
    cur_share = np.maximum([np.mean(current == label) for label in labels], FLOOR)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def decile_bins(reference, current):
    """Each value's bin among the reference's deciles; a value on a cut point goes to the bin above."""
    edges = np.quantile(reference, np.arange(1, 10) / 10)  # cut points come from the reference only
    return np.searchsorted(edges, reference, side="left"), np.searchsorted(edges, current, side="left")


def detect(reference_path, current_path, threshold=0.2):
    reference, current = pd.read_csv(reference_path), pd.read_csv(current_path)
    scores = {}
    for column in reference.columns:
        ref_values, cur_values = reference[column].to_numpy(), current[column].to_numpy()
        if pd.api.types.is_numeric_dtype(reference[column]):
            ref_values, cur_values = decile_bins(ref_values, cur_values)
        scores[column] = round(psi(ref_values, cur_values), 4)
    return {"psi": scores, "drifted": sorted(c for c, v in scores.items() if v >= threshold)}
