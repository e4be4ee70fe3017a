"""What the instructor's picker shows: tracks → modules → activities, each with its facts.

The Deep Linking picker and the "choose what this link opens" form list everything a link
can open. Each choice carries what an instructor weighs when choosing: the kind of work,
the learner's estimated time (``assessments.effort``), the points the work is marked out of
and the competencies it assesses. Targets are the strings ``lti_tool.placements`` resolves.
No database: the catalogue is the served content, the same for every course.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence

from assessments.effort import minutes as estimated_minutes
from assessments.model import CONTENT_LANGUAGE, Activity, ActivityKind, Module, Track


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    """One thing the picker offers: a whole track, a whole module or one activity."""

    target: str  #: ``track:…``, ``module:…`` or ``activity:…`` (the form's ``target`` value)
    title: str
    minutes: int  #: the learner's estimated time, summed over a module or track
    competencies: tuple[str, ...]  #: titles from the track's framework, in its order
    kind: ActivityKind | None = None  #: None for a whole module or track
    points: float | None = None  #: what an activity is marked out of; None: not scored
    chosen: bool = False  #: the current choice, shown ticked
    language: str = CONTENT_LANGUAGE  #: its title's (a translated module's or activity's)


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleGroup:
    id: str
    title: str
    whole: Choice  #: the whole module, the group's first choice
    activities: tuple[Choice, ...]
    open: bool  #: shown expanded: it holds the current choice


@dataclasses.dataclass(frozen=True, slots=True)
class TrackGroup:
    id: str
    title: str
    whole: Choice  #: the whole track, the group's first choice
    modules: tuple[ModuleGroup, ...]
    open: bool  #: shown expanded: it holds the current choice, or it is the only track

    @property
    def activity_count(self) -> int:
        return sum(len(module.activities) for module in self.modules)


def activity_points(activity: Activity) -> float | None:
    """The points an activity is marked out of, as its attempts score it; None for a lesson.

    A quiz or exam drawing from a pool shows ``draw`` items: its points are the draw times
    the pool's mean item points (exact when, as usual, the pool's items are worth the same).
    """
    kind = activity.kind
    if kind.has_items and activity.items:
        points = [item.points for item in activity.items]
        if activity.pool is not None:
            return round(activity.pool.draw * sum(points) / len(points), 2)
        return sum(points)
    if kind is ActivityKind.LAB and activity.lab is not None:
        return activity.lab.points
    if kind is ActivityKind.SCENARIO and activity.scenario is not None:
        return activity.scenario.max_score
    if kind is ActivityKind.PROJECT and activity.rubric is not None:
        return activity.rubric.total
    return None


def picker_tracks(tracks: Iterable[Track], chosen: Collection[str] = ()) -> tuple[TrackGroup, ...]:
    """The picker's tree. ``chosen``: targets shown ticked, whose groups start expanded;
    every other group starts collapsed, except a track that is the only one."""
    tracks = tuple(tracks)
    return tuple(_track_group(track, chosen, only=len(tracks) == 1) for track in tracks)


def _track_group(track: Track, chosen: Collection[str], only: bool) -> TrackGroup:
    names = _competency_names(track)
    modules = tuple(_module_group(track.id, module, names, chosen) for module in track.modules)
    target = f"track:{track.id}"
    whole = Choice(
        target=target,
        title=track.title,
        minutes=sum(module.whole.minutes for module in modules),
        competencies=_ordered(names, *(module.whole.competencies for module in modules)),
        chosen=target in chosen,
    )
    open_ = only or whole.chosen or any(module.open for module in modules)
    return TrackGroup(track.id, track.title, whole, modules, open_)


def _module_group(
    track_id: str, module: Module, names: dict[str, str], chosen: Collection[str]
) -> ModuleGroup:
    activities = tuple(
        Choice(
            target=f"activity:{track_id}/{activity.id}",
            title=activity.title,
            minutes=estimated_minutes(activity),
            competencies=_titles(names, activity.aligned_competencies),
            kind=activity.kind,
            points=activity_points(activity),
            chosen=f"activity:{track_id}/{activity.id}" in chosen,
            language=activity.language,
        )
        for activity in module.activities
    )
    target = f"module:{track_id}/{module.id}"
    whole = Choice(
        target=target,
        title=module.title,
        minutes=sum(choice.minutes for choice in activities),
        competencies=_ordered(names, *(choice.competencies for choice in activities)),
        chosen=target in chosen,
        language=module.language,
    )
    open_ = whole.chosen or any(choice.chosen for choice in activities)
    return ModuleGroup(module.id, module.title, whole, activities, open_)


def _competency_names(track: Track) -> dict[str, str]:
    """Competency id → title, in the framework's order (dicts keep insertion order)."""
    return {competency.id: competency.title for competency in track.competencies}


def _titles(names: dict[str, str], ids: Collection[str]) -> tuple[str, ...]:
    """Titles of ``ids`` in the framework's order; an id the framework lacks shows as is."""
    known = [title for id_, title in names.items() if id_ in ids]
    return tuple(known + sorted(id_ for id_ in ids if id_ not in names))


def _ordered(names: dict[str, str], *groups: Sequence[str]) -> tuple[str, ...]:
    """The union of several title lists, in the framework's order, unknown ones last."""
    union = {title for group in groups for title in group}
    order = list(names.values())
    known = [title for title in order if title in union]
    return tuple(known + sorted(union.difference(order)))
