"""What an item analysis returns: per option, per item and for the whole test."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

MissingPolicy = Literal["zero", "exclude_learner", "error"]
MISSING_POLICIES: tuple[str, ...] = ("zero", "exclude_learner", "error")
VARIANCE_DEFINITION = "population (divide by n, ddof=0) for items and total alike"
UPPER_LOWER_FRACTION = 0.27

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
