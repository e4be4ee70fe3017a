"""Lab: detect input drift with the Population Stability Index (PSI).

Numeric columns: bin edges are numpy.quantile(reference, [0.1, ..., 0.9]) (numpy's default
method); a value's bin is numpy.searchsorted(edges, value, side="right"). Categorical
columns (dtype object): one bin per category seen in either sample. Proportions below
0.0001 are raised to 0.0001. PSI = sum((current - reference) * ln(current / reference)).
"""

import numpy as np
import pandas as pd


def detect(reference_path: str, current_path: str, threshold: float = 0.2) -> dict:
    """Return {"psi": {column: value rounded to 4 places}, "drifted": sorted columns >= threshold}."""
    raise NotImplementedError
