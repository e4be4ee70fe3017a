"""Attempts remember the content they were taken on, so a later edit never changes what a
past result meant."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from assessments.model.content import Track
from assessments.model.values import ResultStatus


@dataclasses.dataclass(frozen=True, slots=True)
class ContentVersions:
    """The exact versions an attempt was taken on: id → version for each level."""

    track: tuple[str, str]
    module: tuple[str, str]
    activity: tuple[str, str]
    items: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, track: Track, activity_id: str) -> ContentVersions:
        module, activity = track.module_of(activity_id), track.activity(activity_id)
        return cls(
            track=(track.id, str(track.version)),
            module=(module.id, str(module.version)),
            activity=(activity.id, str(activity.version)),
            items=tuple((item.id, str(item.version)) for item in activity.items),
        )

    def as_dict(self) -> dict[str, dict[str, str]]:
        """A JSON-ready form for storing next to the attempt."""
        return {
            "track": dict([self.track]),
            "module": dict([self.module]),
            "activity": dict([self.activity]),
            "items": dict(self.items),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, str]]) -> ContentVersions:
        def one(level: str) -> tuple[str, str]:
            ((key, value),) = data[level].items()
            return key, value

        return cls(one("track"), one("module"), one("activity"), tuple(data["items"].items()))


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptRecord:
    """A finished attempt: its score is fixed when recorded and never recomputed."""

    learner_id: str
    activity_id: str
    attempt: int
    versions: ContentVersions
    score: float | None  #: None while pending manual grading
    max_score: float
    status: ResultStatus

    def changed_since(self, track: Track) -> tuple[str, ...]:
        """Ids whose content differs now from what this attempt saw (to tell the learner)."""
        now = ContentVersions.of(track, self.activity_id)
        then_items, now_items = dict(self.versions.items), dict(now.items)
        changed = [
            then[0]
            for then, current in (
                (self.versions.track, now.track),
                (self.versions.module, now.module),
                (self.versions.activity, now.activity),
            )
            if then != current
        ]
        changed += sorted(
            k for k in then_items.keys() | now_items.keys() if then_items.get(k) != now_items.get(k)
        )
        return tuple(changed)
