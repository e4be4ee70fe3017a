"""What a resource link opens: a track, a module or an activity, named by a target string.

Targets travel through the LMS (a Deep Linking custom parameter) and are stored on the
resource link, so they are plain strings: ``track:<track>``, ``module:<track>/<module>``,
``activity:<track>/<activity>``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Activity, Module, Track
from lti_tool.models import ResourceLink

TARGET = re.compile(
    r"(track):([a-z0-9][a-z0-9_-]*)|(module|activity):([a-z0-9][a-z0-9_-]*)/([a-z0-9][a-z0-9_-]*)"
)
#: Score maximum of a placed module or activity's line item: scores are sent as percentages.
SCORE_MAXIMUM = 100


@dataclasses.dataclass(frozen=True)
class Placement:
    target: str
    title: str
    track: Track
    module: Module | None = None
    activity: Activity | None = None

    @property
    def assessed(self) -> list[Activity]:
        """The assessed activities it places: its activity, its module's, or its track's."""
        if self.activity is not None:
            placed = [self.activity]
        elif self.module is not None:
            placed = list(self.module.activities)
        else:
            placed = list(self.track.activities())
        return [activity for activity in placed if activity.kind.is_assessed]

    @property
    def graded(self) -> bool:
        """Graded placements get a line item in the LMS gradebook; a whole track has none
        (its modules and activities do), and a placed activity always has its module."""
        return self.module is not None and bool(self.assessed)

    @property
    def resource_id(self) -> str:
        return self.target.split(":", 1)[1]


def resolve(target: str | None, tracks: Iterable[Track]) -> Placement | None:
    """The placement a target names, or None when it is malformed or the content is gone."""
    if target is None or (match := TARGET.fullmatch(target)) is None:
        return None
    by_id = {track.id: track for track in tracks}
    if match.group(1):
        track = by_id.get(match.group(2))
        return Placement(target, track.title, track) if track else None
    kind, track_id, item_id = match.group(3), match.group(4), match.group(5)
    track = by_id.get(track_id)
    if track is None:
        return None
    try:
        if kind == "module":
            module = track.module(item_id)
            return Placement(target, module.title, track, module=module)
        activity = track.activity(item_id)
        module = track.module_of(item_id)
        return Placement(target, activity.title, track, module=module, activity=activity)
    except KeyError:
        return None


def in_course(session: Session, context_id: int, tracks: Iterable[Track]) -> list[Placement]:
    """What the course's links open, in placement order (a target placed by several links
    comes once per link; links whose content is gone are left out)."""
    tracks = tuple(tracks)
    targets = session.scalars(
        select(ResourceLink.target)
        .where(ResourceLink.context_id == context_id, ResourceLink.target.is_not(None))
        .order_by(ResourceLink.id)
    ).all()
    return [p for target in targets if (p := resolve(target, tracks)) is not None]
