"""Lab: detect input drift with the Population Stability Index (PSI).

The activity text defines the bins, the floor on shares and the formula.
"""

import numpy as np
import pandas as pd


def detect(reference_path: str, current_path: str, threshold: float = 0.2) -> dict:
    """Return {"psi": {column: value rounded to 4 places}, "drifted": sorted columns >= threshold}."""
    raise NotImplementedError
