"""Checking and shaping what ``analyse_items`` is given: scores, maxima, ids, choices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assessments.analysis.results import MISSING_POLICIES, ItemKey


@dataclass(frozen=True, slots=True)
class ChoiceData:
    codes: np.ndarray  # per learner (all rows): option index, or -1 for no option
    labels: tuple[str, ...]
    key: str | None


def as_matrix(scores: Sequence[Sequence[float | None]] | np.ndarray) -> np.ndarray:
    try:
        matrix = np.array(scores, dtype=float)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "scores must be a rectangular learners x items matrix of numbers or None"
        ) from exc
    if matrix.ndim != 2:
        raise ValueError(f"scores must be 2-D (learners x items), got {matrix.ndim}-D")
    if matrix.shape[1] == 0:
        raise ValueError("scores has no items")
    return matrix


def as_maxima(max_scores: Sequence[float] | np.ndarray | None, k: int) -> np.ndarray:
    if max_scores is None:
        return np.ones(k)
    try:
        maxima = np.array(max_scores, dtype=float)
    except (ValueError, TypeError) as exc:
        raise ValueError("max_scores must be numbers") from exc
    if maxima.shape != (k,):
        raise ValueError(f"max_scores needs one value per item ({k}), got shape {maxima.shape}")
    if not np.all(np.isfinite(maxima) & (maxima > 0)):
        raise ValueError("every max score must be a positive finite number")
    return maxima


def as_ids(item_ids: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if item_ids is None:
        return tuple(str(j + 1) for j in range(k))
    ids = tuple(str(i) for i in item_ids)
    if len(ids) != k:
        raise ValueError(f"item_ids needs one id per item ({k}), got {len(ids)}")
    if len(set(ids)) != k:
        raise ValueError("item_ids must be unique")
    return ids


def _column(key: ItemKey, ids: tuple[str, ...], what: str) -> int:
    if isinstance(key, bool):
        raise ValueError(f"{what}: item key {key!r} is neither an item id nor a column index")
    if isinstance(key, int):
        if not 0 <= key < len(ids):
            raise ValueError(f"{what}: column index {key} out of range 0..{len(ids) - 1}")
        return key
    try:
        return ids.index(key)
    except ValueError:
        raise ValueError(f"{what}: unknown item id {key!r}") from None


def resolve_choices(
    choices: Mapping[ItemKey, Sequence[str | None]] | None,
    options: Mapping[ItemKey, Sequence[str]] | None,
    keys: Mapping[ItemKey, str] | None,
    ids: tuple[str, ...],
    n_all: int,
) -> dict[int, ChoiceData]:
    """The choice data per column, checked against the declared options and keys."""
    declared = {_column(c, ids, "options"): tuple(v) for c, v in (options or {}).items()}
    key_of = {_column(c, ids, "keys"): v for c, v in (keys or {}).items()}
    result: dict[int, ChoiceData] = {}
    for item_key, chosen in (choices or {}).items():
        col = _column(item_key, ids, "choices")
        if col in result:
            raise ValueError(f"choices: item {ids[col]!r} given twice")
        result[col] = _choice_data(
            list(chosen), declared.get(col), key_of.get(col), ids[col], n_all
        )
    for col in key_of:
        if col not in result:
            raise ValueError(f"keys: item {ids[col]!r} has a key but no choices")
    return result


def _choice_data(
    chosen: list[str | None],
    declared: tuple[str, ...] | None,
    key: str | None,
    item: str,
    n_all: int,
) -> ChoiceData:
    """One item's choices as option codes (``-1``: no option)."""
    if len(chosen) != n_all:
        raise ValueError(f"choices for item {item!r}: {len(chosen)} entries for {n_all} learners")
    labels = _labels(chosen, declared, key, item)
    index = {label: i for i, label in enumerate(labels)}
    if key is not None and key not in index:
        raise ValueError(f"key {key!r} of item {item!r} is not one of its options")
    try:
        codes = np.fromiter(
            (-1 if c is None else index[c] for c in chosen), dtype=np.int64, count=n_all
        )
    except KeyError as exc:
        raise ValueError(
            f"choices for item {item!r}: option {exc.args[0]!r} is not declared"
        ) from None
    except TypeError as exc:  # unhashable entry
        raise ValueError(f"choices for item {item!r}: {exc}") from None
    return ChoiceData(codes=codes, labels=labels, key=key)


def _labels(
    chosen: list[str | None], declared: tuple[str, ...] | None, key: str | None, item: str
) -> tuple[str, ...]:
    """The item's options: those declared, else those chosen (and the key), sorted."""
    if declared is not None:
        if len(set(declared)) != len(declared):
            raise ValueError(f"options for item {item!r} are not unique")
        return declared
    present = {c for c in chosen if c is not None}
    if key is not None:
        present.add(key)
    return tuple(sorted(present, key=str))


@dataclass(frozen=True, slots=True)
class Scores:
    """The checked score matrix: missing scores counted, then scored 0, and the rows the
    missing policy keeps."""

    ids: tuple[str, ...]
    maxima: np.ndarray
    observed: np.ndarray  #: every learner's scores, a missing one as 0
    n_missing_per_item: np.ndarray
    keep: np.ndarray  #: per learner: analysed (True) or dropped by the missing policy

    @property
    def n_all(self) -> int:
        return int(self.observed.shape[0])

    @property
    def analysed(self) -> np.ndarray:
        """The scores of the learners analysed."""
        analysed: np.ndarray = self.observed[self.keep]
        return analysed


def checked_scores(
    scores: Sequence[Sequence[float | None]] | np.ndarray,
    max_scores: Sequence[float] | np.ndarray | None,
    item_ids: Sequence[str] | None,
    missing: str,
    upper_lower_fraction: float,
) -> Scores:
    """The scores, checked as ``analyse_items`` documents (``ValueError`` if malformed)."""
    matrix = as_matrix(scores)
    n_all, k = matrix.shape
    maxima = as_maxima(max_scores, k)
    ids = as_ids(item_ids, k)
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {', '.join(MISSING_POLICIES)}, not {missing!r}")
    if not 0 < upper_lower_fraction <= 0.5:
        raise ValueError("upper_lower_fraction must be in (0, 0.5]")
    is_missing = np.isnan(matrix)
    if np.isinf(matrix).any():
        raise ValueError("scores must be finite numbers or missing (None/NaN)")
    observed = np.where(is_missing, 0.0, matrix)
    bad = (observed < 0) | (observed > maxima)
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"score {matrix[row, col]:g} for learner {row}, item {ids[col]!r} "
            f"is outside [0, {maxima[col]:g}]"
        )
    missing_rows = is_missing.any(axis=1)
    if missing == "error" and missing_rows.any():
        row, col = (int(v) for v in np.argwhere(is_missing)[0])
        raise ValueError(f"missing score for learner {row}, item {ids[col]!r} (missing='error')")
    keep = ~missing_rows if missing == "exclude_learner" else np.ones(n_all, dtype=bool)
    return Scores(ids, maxima, observed, is_missing.sum(axis=0), keep)
