"""How far two graders agree: exact agreement and quadratic weighted Cohen's kappa.

Each double-marked criterion gives one pair of level indices (``Criterion.rank``: 0 is
the lowest-scoring level), the first grader's and the second's. Exact agreement is the
share of pairs with the same level. Kappa corrects for the agreement two graders would
reach by chance given how often each uses each level, and the quadratic weights count a
two-level disagreement four times as bad as a one-level one (Cohen 1968; Fleiss, Levin and
Paik, *Statistical Methods for Rates and Proportions*, ch. 18):

    kappa = 1 - sum(w * observed) / sum(w * expected),  w[i, j] = (i - j)² / (k - 1)²

where ``expected`` is the outer product of the two graders' level frequencies. When every
mark falls in one level the expected disagreement is zero and kappa is not defined: it is
reported as ``None``, never as a number from a division by zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np


@dataclasses.dataclass(frozen=True, slots=True)
class Agreement:
    pairs: int  #: criterion marks compared (pairs of levels)
    exact: float | None  #: share of pairs with the same level; None without pairs
    kappa: float | None  #: quadratic weighted kappa; None when not defined


def exact_agreement(pairs: Sequence[tuple[int, int]]) -> float | None:
    """The share of pairs where both graders chose the same level (None: no pairs)."""
    if not pairs:
        return None
    return sum(1 for first, second in pairs if first == second) / len(pairs)


def weighted_kappa(pairs: Sequence[tuple[int, int]], categories: int) -> float | None:
    """Quadratic weighted Cohen's kappa of level-index pairs on a scale of ``categories``
    levels (0 … categories-1); None when it is not defined (no pairs, one category, or
    every mark in the same level, so that chance agreement is already perfect)."""
    if not pairs or categories < 2:
        return None
    if any(not (0 <= i < categories and 0 <= j < categories) for i, j in pairs):
        raise ValueError(f"level indices must be from 0 to {categories - 1}")
    observed = np.zeros((categories, categories))
    for first, second in pairs:
        observed[first, second] += 1
    observed /= len(pairs)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    index = np.arange(categories)
    weights = (index[:, None] - index[None, :]) ** 2 / (categories - 1) ** 2
    chance = float((weights * expected).sum())
    if chance <= 1e-12:
        return None
    return 1.0 - float((weights * observed).sum()) / chance


def agreement(pairs: Sequence[tuple[int, int]], categories: int) -> Agreement:
    """Both statistics for one set of pairs."""
    return Agreement(len(pairs), exact_agreement(pairs), weighted_kappa(pairs, categories))
