"""Distractor analysis: how often each option was chosen, overall and in the upper and
lower 27 % groups by total score."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from assessments.analysis.inputs import ChoiceData
from assessments.analysis.results import UPPER_LOWER_FRACTION, DistractorAnalysis, OptionStats


def upper_lower_groups(
    totals: Sequence[float] | np.ndarray, fraction: float = UPPER_LOWER_FRACTION
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the upper and lower groups: ``fraction · n`` (rounded half up) each,
    highest and lowest total score; ties at the cut go to the earlier learner."""
    scores = np.asarray(totals, dtype=float)
    size = math.floor(fraction * scores.shape[0] + 0.5)
    upper = np.argsort(-scores, kind="stable")[:size]
    lower = np.argsort(scores, kind="stable")[:size]
    return upper, lower


def analyse_distractors(
    data: ChoiceData, keep: np.ndarray, groups: tuple[np.ndarray, np.ndarray]
) -> DistractorAnalysis:
    codes = data.codes[keep]
    n = codes.shape[0]
    upper, lower = groups
    size = upper.shape[0]
    m = len(data.labels)
    # Shift by one so that "no option" (-1) lands in bin 0.
    counts = np.bincount(codes + 1, minlength=m + 1)
    upper_counts = np.bincount(codes[upper] + 1, minlength=m + 1)
    lower_counts = np.bincount(codes[lower] + 1, minlength=m + 1)
    option_stats = tuple(
        OptionStats(
            option=label,
            is_key=None if data.key is None else label == data.key,
            count=int(counts[i + 1]),
            proportion=float(counts[i + 1] / n) if n else None,
            upper_count=int(upper_counts[i + 1]),
            lower_count=int(lower_counts[i + 1]),
            group_size=size,
        )
        for i, label in enumerate(data.labels)
    )
    return DistractorAnalysis(
        options=option_stats,
        omitted=int(counts[0]),
        upper_omitted=int(upper_counts[0]),
        lower_omitted=int(lower_counts[0]),
        group_size=size,
        key=data.key,
    )
