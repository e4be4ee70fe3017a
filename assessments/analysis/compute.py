"""The statistics themselves: moments, item-rest correlations, reliability and SEM."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assessments.analysis.distractors import analyse_distractors, upper_lower_groups
from assessments.analysis.inputs import ChoiceData, Scores, checked_scores, resolve_choices
from assessments.analysis.results import (
    UPPER_LOWER_FRACTION,
    DistractorAnalysis,
    ItemAnalysis,
    ItemKey,
    ItemStats,
    MissingPolicy,
    ScaleStats,
    Undefined,
)

# Relative tolerance under which a spread counts as zero (guards against round-off when
# fractional scores are summed); integer-valued scores are exact anyway.
_ZERO_SPREAD = 1e-9


def analyse_items(
    scores: Sequence[Sequence[float | None]] | np.ndarray,
    *,
    max_scores: Sequence[float] | np.ndarray | None = None,
    item_ids: Sequence[str] | None = None,
    missing: MissingPolicy = "zero",
    choices: Mapping[ItemKey, Sequence[str | None]] | None = None,
    options: Mapping[ItemKey, Sequence[str]] | None = None,
    keys: Mapping[ItemKey, str] | None = None,
    upper_lower_fraction: float = UPPER_LOWER_FRACTION,
) -> ItemAnalysis:
    """Analyse a learners x items score matrix (see ``assessments.analysis`` for the formulas).

    ``scores``: rows are learners, columns items; ``None``/NaN marks a missing response.
    ``max_scores``: per-item maximum (default 1 for every item). Scores must lie in
    ``[0, max]``. ``item_ids``: names for the items (default ``"1"`` … ``"k"``).
    ``missing``: ``"zero"``, ``"exclude_learner"`` or ``"error"`` (see ``assessments.analysis``).
    ``choices``: for choice items, keyed by item id (``str``) or column index (``int``),
    the option each learner chose (``None`` = no option), one entry per row of ``scores``.
    ``options``: declared options per item, listed even when nobody chose them (default:
    the options that occur, sorted). ``keys``: the correct option per item.

    Raises ``ValueError`` on malformed input: a ragged or non-2-D matrix, no items, a
    non-positive or non-finite maximum, a score outside ``[0, max]``, infinite scores,
    choice data of the wrong length, a chosen option or key not among declared options,
    or a missing score under ``missing="error"``.
    """
    data = checked_scores(scores, max_scores, item_ids, missing, upper_lower_fraction)
    choice_data = resolve_choices(choices, options, keys, data.ids, data.n_all)
    x = data.analysed
    if x.shape[0] == 0:
        return _empty_analysis(data, choice_data, missing, upper_lower_fraction)
    moments = _Moments.of(x)
    groups = upper_lower_groups(moments.totals, upper_lower_fraction)
    distractors = {
        col: analyse_distractors(choices_of, data.keep, groups)
        for col, choices_of in choice_data.items()
    }
    items = _item_stats(data, x, moments, distractors)
    return ItemAnalysis(
        items=items,
        scale=_scale_stats(data, x, moments),
        missing_policy=missing,
        upper_lower_fraction=upper_lower_fraction,
    )


@dataclass(frozen=True, slots=True)
class _Moments:
    """Item and total moments of the analysed scores (population, ddof=0)."""

    totals: np.ndarray
    item_means: np.ndarray
    item_var: np.ndarray
    total_mean: float
    total_var: float

    @classmethod
    def of(cls, x: np.ndarray) -> _Moments:
        n = x.shape[0]
        totals = x.sum(axis=1)
        item_means = x.mean(axis=0)
        xc = x - item_means
        item_var = np.einsum("ij,ij->j", xc, xc) / n
        total_mean = float(totals.mean())
        total_var = float(np.dot(totals - total_mean, totals - total_mean) / n)
        return cls(totals, item_means, item_var, total_mean, total_var)


def _item_stats(
    data: Scores,
    x: np.ndarray,
    moments: _Moments,
    distractors: Mapping[int, DistractorAnalysis],
) -> tuple[ItemStats, ...]:
    corr, reasons = _discrimination(x, moments, data.maxima)
    item_means, maxima = moments.item_means, data.maxima
    return tuple(
        ItemStats(
            item_id=data.ids[j],
            index=j,
            max_score=float(maxima[j]),
            n_responses=int(data.n_all - data.n_missing_per_item[j]),
            n_missing=int(data.n_missing_per_item[j]),
            mean_score=float(item_means[j]),
            variance=float(moments.item_var[j]),
            difficulty=float(item_means[j] / maxima[j]),
            discrimination=None if reasons[j] else float(corr[j]),
            discrimination_reason=reasons[j],
            distractors=distractors.get(j),
        )
        for j in range(len(data.ids))
    )


def _discrimination(
    x: np.ndarray, moments: _Moments, maxima: np.ndarray
) -> tuple[np.ndarray, list[Undefined | None]]:
    """Item-rest correlations, and per item why it is undefined (None where defined)."""
    n, k = x.shape
    xc = x - moments.item_means
    rest = moments.totals[:, None] - x
    rc = rest - rest.mean(axis=0)
    rest_var = np.einsum("ij,ij->j", rc, rc) / n
    cov_item_rest = np.einsum("ij,ij->j", xc, rc) / n
    item_flat = np.ptp(x, axis=0) <= _ZERO_SPREAD * maxima
    rest_flat = np.ptp(rest, axis=0) <= _ZERO_SPREAD * _rest_scale(maxima)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov_item_rest / np.sqrt(moments.item_var * rest_var)
    reasons: list[Undefined | None] = []
    for j in range(k):
        if item_flat[j]:
            reasons.append(Undefined.ITEM_NO_VARIANCE)
        elif rest_flat[j]:
            reasons.append(Undefined.NO_OTHER_ITEMS if k == 1 else Undefined.REST_NO_VARIANCE)
        else:
            reasons.append(None)
    return corr, reasons


def _rest_scale(maxima: np.ndarray) -> float:
    """The scale a spread of rest or total scores is judged zero against."""
    return max(float(maxima.sum()), 1.0)


def _scale_stats(data: Scores, x: np.ndarray, moments: _Moments) -> ScaleStats:
    n, k = x.shape
    maxima, total_var = data.maxima, moments.total_var
    dichotomous = bool(np.all(maxima == 1.0) and np.all((x == 0.0) | (x == 1.0)))
    total_flat = float(np.ptp(moments.totals)) <= _ZERO_SPREAD * _rest_scale(maxima)
    alpha: float | None = None
    kr20: float | None = None
    alpha_reason: Undefined | None = None
    if k < 2:
        alpha_reason = Undefined.TOO_FEW_ITEMS
    elif total_flat:
        alpha_reason = Undefined.TOTAL_NO_VARIANCE
    else:
        alpha = k / (k - 1) * (1.0 - float(moments.item_var.sum()) / total_var)
        if dichotomous:
            p = moments.item_means
            kr20 = k / (k - 1) * (1.0 - float(np.dot(p, 1.0 - p)) / total_var)
    total_sd = math.sqrt(total_var)
    return ScaleStats(
        n_learners=n,
        n_excluded=data.n_all - n,
        n_items=k,
        dichotomous=dichotomous,
        total_mean=moments.total_mean,
        total_variance=total_var,
        total_sd=total_sd,
        alpha=alpha,
        alpha_reason=alpha_reason,
        kr20=kr20,
        kr20_reason=alpha_reason if dichotomous else Undefined.NOT_DICHOTOMOUS,
        sem=None if alpha is None else total_sd * math.sqrt(max(0.0, 1.0 - alpha)),
        sem_reason=alpha_reason,  # no reliability, no SEM
    )


def _empty_analysis(
    data: Scores, choice_data: dict[int, ChoiceData], missing: str, fraction: float
) -> ItemAnalysis:
    """No learner left to analyse: every statistic is undefined."""
    reason = Undefined.NO_LEARNERS
    empty_groups = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    items = tuple(
        ItemStats(
            item_id=data.ids[j],
            index=j,
            max_score=float(data.maxima[j]),
            n_responses=int(data.n_all - data.n_missing_per_item[j]),
            n_missing=int(data.n_missing_per_item[j]),
            mean_score=None,
            variance=None,
            difficulty=None,
            discrimination=None,
            discrimination_reason=reason,
            distractors=(
                analyse_distractors(choice_data[j], data.keep, empty_groups)
                if j in choice_data
                else None
            ),
        )
        for j in range(len(data.ids))
    )
    scale = ScaleStats(
        n_learners=0,
        n_excluded=data.n_all,
        n_items=len(data.ids),
        dichotomous=bool(np.all(data.maxima == 1.0)),
        total_mean=None,
        total_variance=None,
        total_sd=None,
        alpha=None,
        alpha_reason=reason,
        kr20=None,
        kr20_reason=reason,
        sem=None,
        sem_reason=reason,
    )
    return ItemAnalysis(
        items=items, scale=scale, missing_policy=missing, upper_lower_fraction=fraction
    )
