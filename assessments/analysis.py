"""Classical item analysis: difficulty, discrimination, distractors, reliability and SEM.

Input is a response matrix of ``n`` learners (rows) by ``k`` items (columns) holding item
scores, and each item's maximum score (``1`` for every item by default, i.e. dichotomous
0/1 scoring; give ``max_scores`` for polytomous items). For choice items the option each
learner chose can be added for a distractor analysis.

Formulas (``X`` is the ``n x k`` score matrix after the missing-response policy,
``x_j`` column ``j``, ``m_j`` its maximum, ``T = Σ_j x_j`` the total score and
``R_j = T - x_j`` the *rest score* of item ``j``):

* **Difficulty** (p-value): ``p_j = mean(x_j) / m_j``, the proportion of the available
  points earned; for 0/1 items, the proportion answering correctly. Higher means easier.
* **Discrimination** (corrected item-total correlation, a.k.a. item-rest correlation):
  ``r_j = cov(x_j, R_j) / (sd(x_j) · sd(R_j))``, the Pearson correlation of the item
  with the total of the *other* items, so the item does not correlate with itself. For a
  0/1 item this is the point-biserial correlation
  ``r_pb = (M_1 - M_0) / s_R · sqrt(p·q)`` where ``M_1``/``M_0`` are the mean rest scores
  of those who got the item right/wrong, ``s_R`` the population SD of the rest score and
  ``q = 1 - p``. If the item or its rest score has zero variance the correlation is
  undefined: ``discrimination`` is ``None`` and ``discrimination_reason`` says why.
* **Cronbach's alpha** (general): ``alpha = k/(k-1) · (1 - Σ_j var(x_j) / var(T))``.
* **KR-20** (dichotomous items only): ``KR20 = k/(k-1) · (1 - Σ_j p_j q_j / var(T))``.
  For 0/1 items ``p_j q_j`` *is* the population variance of the item, so KR-20 equals
  alpha on the same data.
* **Standard error of measurement**: ``SEM = sd(T) · sqrt(1 - alpha)``.
* **Flags** (``item_flags``): discrimination below ``MIN_DISCRIMINATION`` (0.2; below 0
  flagged apart, since stronger learners then do worse on the item) or difficulty above
  ``MAX_DIFFICULTY`` (0.95): the item tells learners apart too little to keep as it is.

**Variance definition.** Every variance and standard deviation here is the *population*
one (divide by ``n``, numpy ``ddof=0``), for items and total alike. KR-20's ``p·q`` is a
population variance, so this keeps KR-20 and alpha identical on 0/1 data; alpha itself is
a ratio of variances and does not depend on the choice as long as items and total use the
same one. The SEM, which is an absolute quantity, uses the population SD of the total.

**Reliability degenerate cases.** With fewer than two items, or when the total score does
not vary, alpha/KR-20 are undefined and reported as ``None`` with a reason (the SEM is then
``None`` too). Alpha can be negative when items covary negatively on average; that value
is reported as computed (it signals a problem with the test, not with the arithmetic), and
the SEM is still ``sd(T) · sqrt(1 - alpha)``.

**Missing responses** (``None`` or NaN in the matrix) are handled by the ``missing``
policy; pass it explicitly to make the choice visible in calling code:

* ``"zero"`` (the default): an unanswered item earns no points, as it would when the
  test is scored. Every learner is analysed.
* ``"exclude_learner"``: listwise deletion; learners with any missing item score are
  dropped from every statistic (and from the distractor counts).
* ``"error"``: any missing score raises ``ValueError``.

``ItemStats.n_missing`` always counts the missing scores in the input, whatever the policy.
In choice data ``None`` means "no option chosen" and is counted as ``omitted``.

**Distractor analysis.** For each option: how many learners chose it, and how many in the
upper and lower groups, which are the top and bottom 27 % of analysed learners by total
score (Kelley, 1939; the group size is ``0.27·n`` rounded half up; ties at the cut are broken by
learner order, earlier learners first). ``OptionStats.discrimination_index`` is
``(upper - lower) / group size``: a working distractor has a negative index, the key a
positive one.

References: L. Crocker & J. Algina, *Introduction to Classical and Modern Test Theory*
(1986), ch. 7 (reliability, SEM) and ch. 14 (item analysis); G. F. Kuder &
M. W. Richardson, "The theory of the estimation of test reliability", *Psychometrika* 2
(1937); L. J. Cronbach, "Coefficient alpha and the internal structure of tests",
*Psychometrika* 16 (1951); T. L. Kelley, "The selection of upper and lower groups for the
validation of test items", *J. Educational Psychology* 30 (1939).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np

MissingPolicy = Literal["zero", "exclude_learner", "error"]
MISSING_POLICIES: tuple[str, ...] = ("zero", "exclude_learner", "error")
VARIANCE_DEFINITION = "population (divide by n, ddof=0) for items and total alike"
UPPER_LOWER_FRACTION = 0.27

#: Item-rest discrimination (the correlation of an item with the total of the *other*
#: items) below this: the item barely tells learners who know the material from those who
#: do not, so it is flagged for review.
MIN_DISCRIMINATION = 0.2
#: Difficulty (share of the points earned) above this: nearly everyone gets the item right,
#: so it tells almost nobody apart and is flagged for review.
MAX_DIFFICULTY = 0.95

# Relative tolerance under which a spread counts as zero (guards against round-off when
# fractional scores are summed); integer-valued scores are exact anyway.
_ZERO_SPREAD = 1e-9

ItemKey = str | int


class Undefined(StrEnum):
    """Why a statistic is undefined. The value is the English phrase (CLI, logs, tests);
    the web layer words the member in the reader's language."""

    TOO_FEW_ITEMS = "reliability needs at least 2 items"
    TOTAL_NO_VARIANCE = "total score has zero variance"
    NOT_DICHOTOMOUS = "KR-20 applies to dichotomous (0/1) items only; use alpha"
    ITEM_NO_VARIANCE = "item has zero variance (every learner has the same score)"
    NO_OTHER_ITEMS = "rest score has zero variance (no other items)"
    REST_NO_VARIANCE = "rest score (total of the other items) has zero variance"
    NO_LEARNERS = "no learners to analyse"


class ItemFlag(StrEnum):
    """Why an item needs an author's look, from how learners answered it. The value is
    the English reason (CLI, logs, tests); the web layer words the member itself."""

    NEGATIVE_DISCRIMINATION = (
        "learners who do well on the other items do worse on this one (item-rest "
        "correlation below 0): check the key and the wording"
    )
    LOW_DISCRIMINATION = (
        "it barely separates learners who know the material from those who do not (item-rest "
        f"correlation below {MIN_DISCRIMINATION:g}): review the question"
    )
    TOO_EASY = (
        f"learners earn more than {MAX_DIFFICULTY:.0%} of its points, so it separates almost "
        "nobody: make it harder or drop it"
    )


@dataclass(frozen=True, slots=True)
class OptionStats:
    """How often one option of a choice item was chosen, overall and in the 27 % groups."""

    option: str
    is_key: bool | None
    """True for the correct option, False for a distractor, None when no key was given."""
    count: int
    proportion: float | None
    """``count / n_learners`` analysed (omissions included in the denominator)."""
    upper_count: int
    lower_count: int
    group_size: int

    @property
    def discrimination_index(self) -> float | None:
        """``(upper_count - lower_count) / group_size``; ``None`` when the groups are empty."""
        if self.group_size == 0:
            return None
        return (self.upper_count - self.lower_count) / self.group_size


@dataclass(frozen=True, slots=True)
class DistractorAnalysis:
    """Option counts for one choice item."""

    options: tuple[OptionStats, ...]
    omitted: int
    """Learners who chose no option (``None`` in the choice data)."""
    upper_omitted: int
    lower_omitted: int
    group_size: int
    key: str | None

    def option(self, label: str) -> OptionStats:
        for stats in self.options:
            if stats.option == label:
                return stats
        raise KeyError(label)


@dataclass(frozen=True, slots=True)
class ItemStats:
    """Statistics for one item. Undefined values are ``None`` (with a reason where useful)."""

    item_id: str
    index: int
    max_score: float
    n_responses: int
    """Non-missing scores for this item in the input (all learners, before any exclusion)."""
    n_missing: int
    """Missing scores for this item in the input (all learners, before any exclusion)."""
    mean_score: float | None
    variance: float | None
    """Population variance of the item score (ddof=0)."""
    difficulty: float | None
    """p-value: ``mean_score / max_score``."""
    discrimination: float | None
    """Item-rest (corrected item-total) correlation; point-biserial for 0/1 items."""
    discrimination_reason: Undefined | None
    """Why ``discrimination`` is ``None``; ``None`` when it is defined."""
    distractors: DistractorAnalysis | None


@dataclass(frozen=True, slots=True)
class ScaleStats:
    """Whole-test statistics: total score, reliability and SEM."""

    n_learners: int
    """Learners analysed (after the missing policy)."""
    n_excluded: int
    """Learners dropped by ``missing="exclude_learner"``."""
    n_items: int
    dichotomous: bool
    """Every maximum is 1 and every analysed score is 0 or 1."""
    total_mean: float | None
    total_variance: float | None
    """Population variance of the total score (ddof=0)."""
    total_sd: float | None
    alpha: float | None
    alpha_reason: Undefined | None
    kr20: float | None
    kr20_reason: Undefined | None
    sem: float | None
    """``total_sd · sqrt(1 - alpha)``."""
    sem_reason: Undefined | None
    """Why ``sem`` is ``None``: reliability is undefined, for this reason."""
    variance_definition: str = VARIANCE_DEFINITION

    @property
    def reliability(self) -> float | None:
        """The reliability used for the SEM: Cronbach's alpha (equal to KR-20 on 0/1 data)."""
        return self.alpha


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """The result of :func:`analyse_items`."""

    items: tuple[ItemStats, ...]
    scale: ScaleStats
    missing_policy: str
    upper_lower_fraction: float

    def item(self, item_id: str) -> ItemStats:
        for stats in self.items:
            if stats.item_id == item_id:
                return stats
        raise KeyError(item_id)


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
    """Analyse a learners x items score matrix (see the module docstring for the formulas).

    ``scores``: rows are learners, columns items; ``None``/NaN marks a missing response.
    ``max_scores``: per-item maximum (default 1 for every item). Scores must lie in
    ``[0, max]``. ``item_ids``: names for the items (default ``"1"`` … ``"k"``).
    ``missing``: ``"zero"``, ``"exclude_learner"`` or ``"error"`` (see module docstring).
    ``choices``: for choice items, keyed by item id (``str``) or column index (``int``),
    the option each learner chose (``None`` = no option), one entry per row of ``scores``.
    ``options``: declared options per item, listed even when nobody chose them (default:
    the options that occur, sorted). ``keys``: the correct option per item.

    Raises ``ValueError`` on malformed input: a ragged or non-2-D matrix, no items, a
    non-positive or non-finite maximum, a score outside ``[0, max]``, infinite scores,
    choice data of the wrong length, a chosen option or key not among declared options,
    or a missing score under ``missing="error"``.
    """
    matrix = _as_matrix(scores)
    n_all, k = matrix.shape
    maxima = _as_maxima(max_scores, k)
    ids = _as_ids(item_ids, k)
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
    n_missing_per_item = is_missing.sum(axis=0)
    missing_rows = is_missing.any(axis=1)
    if missing == "error" and missing_rows.any():
        row, col = (int(v) for v in np.argwhere(is_missing)[0])
        raise ValueError(f"missing score for learner {row}, item {ids[col]!r} (missing='error')")
    keep = ~missing_rows if missing == "exclude_learner" else np.ones(n_all, dtype=bool)
    x = observed[keep]
    n = x.shape[0]

    choice_data = _resolve_choices(choices, options, keys, ids, n_all)

    if n == 0:
        return _empty_analysis(
            ids, maxima, n_missing_per_item, n_all, choice_data, keep, missing, upper_lower_fraction
        )

    # -- item and total moments (population, ddof=0) ---------------------------------------
    totals = x.sum(axis=1)
    item_means = x.mean(axis=0)
    xc = x - item_means
    item_var = np.einsum("ij,ij->j", xc, xc) / n
    total_mean = float(totals.mean())
    total_var = float(np.dot(totals - total_mean, totals - total_mean) / n)

    # -- item-rest correlations -------------------------------------------------------------
    rest = totals[:, None] - x
    rc = rest - rest.mean(axis=0)
    rest_var = np.einsum("ij,ij->j", rc, rc) / n
    cov_item_rest = np.einsum("ij,ij->j", xc, rc) / n
    item_flat = np.ptp(x, axis=0) <= _ZERO_SPREAD * maxima
    rest_scale = max(float(maxima.sum()), 1.0)
    rest_flat = np.ptp(rest, axis=0) <= _ZERO_SPREAD * rest_scale
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov_item_rest / np.sqrt(item_var * rest_var)

    # -- reliability ---------------------------------------------------------------------------
    dichotomous = bool(np.all(maxima == 1.0) and np.all((x == 0.0) | (x == 1.0)))
    total_flat = float(np.ptp(totals)) <= _ZERO_SPREAD * rest_scale
    alpha: float | None = None
    kr20: float | None = None
    alpha_reason: Undefined | None = None
    if k < 2:
        alpha_reason = Undefined.TOO_FEW_ITEMS
    elif total_flat:
        alpha_reason = Undefined.TOTAL_NO_VARIANCE
    else:
        alpha = k / (k - 1) * (1.0 - float(item_var.sum()) / total_var)
        if dichotomous:
            p = item_means
            kr20 = k / (k - 1) * (1.0 - float(np.dot(p, 1.0 - p)) / total_var)
    kr20_reason = alpha_reason if dichotomous else Undefined.NOT_DICHOTOMOUS
    total_sd = math.sqrt(total_var)
    sem = None if alpha is None else total_sd * math.sqrt(max(0.0, 1.0 - alpha))
    sem_reason = alpha_reason  # no reliability, no SEM

    # -- distractors ---------------------------------------------------------------------------
    groups = _groups(totals, upper_lower_fraction)
    distractors = {col: _distractors(data, keep, groups) for col, data in choice_data.items()}

    items = []
    for j in range(k):
        reason: Undefined | None = None
        if item_flat[j]:
            reason = Undefined.ITEM_NO_VARIANCE
        elif rest_flat[j]:
            reason = Undefined.NO_OTHER_ITEMS if k == 1 else Undefined.REST_NO_VARIANCE
        items.append(
            ItemStats(
                item_id=ids[j],
                index=j,
                max_score=float(maxima[j]),
                n_responses=int(n_all - n_missing_per_item[j]),
                n_missing=int(n_missing_per_item[j]),
                mean_score=float(item_means[j]),
                variance=float(item_var[j]),
                difficulty=float(item_means[j] / maxima[j]),
                discrimination=None if reason else float(corr[j]),
                discrimination_reason=reason,
                distractors=distractors.get(j),
            )
        )
    scale = ScaleStats(
        n_learners=n,
        n_excluded=n_all - n,
        n_items=k,
        dichotomous=dichotomous,
        total_mean=total_mean,
        total_variance=total_var,
        total_sd=total_sd,
        alpha=alpha,
        alpha_reason=alpha_reason,
        kr20=kr20,
        kr20_reason=kr20_reason,
        sem=sem,
        sem_reason=sem_reason,
    )
    return ItemAnalysis(
        items=tuple(items),
        scale=scale,
        missing_policy=missing,
        upper_lower_fraction=upper_lower_fraction,
    )


def item_flags(stats: ItemStats) -> tuple[ItemFlag, ...]:
    """What to review about an item: discrimination below ``MIN_DISCRIMINATION`` (negative
    is worse, and flagged as such), difficulty above ``MAX_DIFFICULTY``. An undefined
    statistic raises no flag of its own: an item everyone gets right has no discrimination,
    and is flagged as too easy instead."""
    flags = []
    if stats.discrimination is not None and stats.discrimination < 0:
        flags.append(ItemFlag.NEGATIVE_DISCRIMINATION)
    elif stats.discrimination is not None and stats.discrimination < MIN_DISCRIMINATION:
        flags.append(ItemFlag.LOW_DISCRIMINATION)
    if stats.difficulty is not None and stats.difficulty > MAX_DIFFICULTY:
        flags.append(ItemFlag.TOO_EASY)
    return tuple(flags)


def upper_lower_groups(
    totals: Sequence[float] | np.ndarray, fraction: float = UPPER_LOWER_FRACTION
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the upper and lower groups: ``fraction · n`` (rounded half up) each,
    highest and lowest total score; ties at the cut go to the earlier learner."""
    return _groups(np.asarray(totals, dtype=float), fraction)


def benchmark_analysis(learners: int = 1000, items: int = 100, *, seed: int = 20240501) -> float:
    """Seconds taken by :func:`analyse_items` on deterministic synthetic data.

    The data follow a Rasch model (abilities and item difficulties drawn from N(0, 1) with
    a fixed seed), four options per item with "A" the key, wrong answers spread over the
    distractors, and about 1 % of responses missing (scored zero). Only the analysis is
    timed, not the data generation.
    """
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=(learners, 1))
    difficulty = rng.normal(size=(1, items))
    prob = 1.0 / (1.0 + np.exp(difficulty - ability))
    correct = rng.random((learners, items)) < prob
    scores = correct.astype(float)
    omitted = rng.random((learners, items)) < 0.01
    scores[omitted] = np.nan
    wrong_choice = np.array(["B", "C", "D"])[rng.integers(0, 3, size=(learners, items))]
    labels = np.where(correct, "A", wrong_choice).astype(object)
    labels[omitted] = None
    # Annotated with analyse_items' key type: Mapping is invariant in its keys.
    choices: dict[ItemKey, list[str | None]] = {j: labels[:, j].tolist() for j in range(items)}
    option_list: dict[ItemKey, tuple[str, ...]] = {j: ("A", "B", "C", "D") for j in range(items)}
    keys: dict[ItemKey, str] = dict.fromkeys(range(items), "A")

    start = time.perf_counter()
    analyse_items(scores, missing="zero", choices=choices, options=option_list, keys=keys)
    return time.perf_counter() - start


# -- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ChoiceData:
    codes: np.ndarray  # per learner (all rows): option index, or -1 for no option
    labels: tuple[str, ...]
    key: str | None


def _as_matrix(scores: Sequence[Sequence[float | None]] | np.ndarray) -> np.ndarray:
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


def _as_maxima(max_scores: Sequence[float] | np.ndarray | None, k: int) -> np.ndarray:
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


def _as_ids(item_ids: Sequence[str] | None, k: int) -> tuple[str, ...]:
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


def _resolve_choices(
    choices: Mapping[ItemKey, Sequence[str | None]] | None,
    options: Mapping[ItemKey, Sequence[str]] | None,
    keys: Mapping[ItemKey, str] | None,
    ids: tuple[str, ...],
    n_all: int,
) -> dict[int, _ChoiceData]:
    declared = {_column(c, ids, "options"): tuple(v) for c, v in (options or {}).items()}
    key_of = {_column(c, ids, "keys"): v for c, v in (keys or {}).items()}
    result: dict[int, _ChoiceData] = {}
    for item_key, chosen in (choices or {}).items():
        col = _column(item_key, ids, "choices")
        if col in result:
            raise ValueError(f"choices: item {ids[col]!r} given twice")
        chosen = list(chosen)
        if len(chosen) != n_all:
            raise ValueError(
                f"choices for item {ids[col]!r}: {len(chosen)} entries for {n_all} learners"
            )
        key = key_of.get(col)
        if col in declared:
            labels = declared[col]
            if len(set(labels)) != len(labels):
                raise ValueError(f"options for item {ids[col]!r} are not unique")
        else:
            present = {c for c in chosen if c is not None}
            if key is not None:
                present.add(key)
            labels = tuple(sorted(present, key=str))
        index = {label: i for i, label in enumerate(labels)}
        if key is not None and key not in index:
            raise ValueError(f"key {key!r} of item {ids[col]!r} is not one of its options")
        try:
            codes = np.fromiter(
                (-1 if c is None else index[c] for c in chosen), dtype=np.int64, count=n_all
            )
        except KeyError as exc:
            raise ValueError(
                f"choices for item {ids[col]!r}: option {exc.args[0]!r} is not declared"
            ) from None
        except TypeError as exc:  # unhashable entry
            raise ValueError(f"choices for item {ids[col]!r}: {exc}") from None
        result[col] = _ChoiceData(codes=codes, labels=tuple(labels), key=key)
    for col in key_of:
        if col not in result:
            raise ValueError(f"keys: item {ids[col]!r} has a key but no choices")
    return result


def _groups(totals: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    n = totals.shape[0]
    size = math.floor(fraction * n + 0.5)
    upper = np.argsort(-totals, kind="stable")[:size]
    lower = np.argsort(totals, kind="stable")[:size]
    return upper, lower


def _distractors(
    data: _ChoiceData, keep: np.ndarray, groups: tuple[np.ndarray, np.ndarray]
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


def _empty_analysis(
    ids: tuple[str, ...],
    maxima: np.ndarray,
    n_missing_per_item: np.ndarray,
    n_all: int,
    choice_data: dict[int, _ChoiceData],
    keep: np.ndarray,
    missing: str,
    fraction: float,
) -> ItemAnalysis:
    """No learner left to analyse: every statistic is undefined."""
    reason = Undefined.NO_LEARNERS
    empty_groups = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    items = tuple(
        ItemStats(
            item_id=ids[j],
            index=j,
            max_score=float(maxima[j]),
            n_responses=int(n_all - n_missing_per_item[j]),
            n_missing=int(n_missing_per_item[j]),
            mean_score=None,
            variance=None,
            difficulty=None,
            discrimination=None,
            discrimination_reason=reason,
            distractors=(
                _distractors(choice_data[j], keep, empty_groups) if j in choice_data else None
            ),
        )
        for j in range(len(ids))
    )
    scale = ScaleStats(
        n_learners=0,
        n_excluded=n_all,
        n_items=len(ids),
        dichotomous=bool(np.all(maxima == 1.0)),
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
