"""Item pools: which of an activity's items a learner sees, the same on every asking."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence


@dataclasses.dataclass(frozen=True, slots=True)
class ItemPool:
    """Each attempt shows ``draw`` items out of the activity's items."""

    draw: int


def draw_items(
    item_ids: Sequence[str], count: int, learner_id: str, activity_id: str, attempt: int
) -> tuple[str, ...]:
    """A per-learner, per-attempt selection of ``count`` ids, the same every time it is asked."""
    return seeded_order(item_ids, learner_id, activity_id, str(attempt))[:count]


def seeded_order(ids: Sequence[str], *seed: str) -> tuple[str, ...]:
    """``ids`` in an order fixed by ``seed`` (learner, activity, attempt, …): the same order
    every time it is asked, so a resumed attempt looks as it did.

    Each id is ranked by sha256(seed, id) — stable across processes, hosts and Python
    versions (unlike ``hash()``).
    """
    prefix = "".join(f"{part}\x1f" for part in seed).encode()
    return tuple(sorted(ids, key=lambda one: hashlib.sha256(prefix + one.encode()).digest()))
