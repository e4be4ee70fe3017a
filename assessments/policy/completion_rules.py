"""What completing a track requires (modules to pass, a capstone), as the track says it, and
the points each piece of counted work carries toward it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence, Set
from enum import StrEnum
from typing import TYPE_CHECKING

from assessments.spec import Spec

if TYPE_CHECKING:
    from assessments.model import Activity, Track


class MandatoryBecause(StrEnum):
    """Why a module is mandatory regardless of the learner's other results."""

    ETHICS = "ethics"
    SAFETY = "safety"


@dataclasses.dataclass(frozen=True, slots=True)
class ActivityMinimum:
    """An activity that must reach ``pass_mark`` on its own, whatever its module's mean."""

    activity: str
    pass_mark: float


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleRequirement:
    module: str
    pass_mark: float  #: percent of the mean over the module's summative activities
    because: MandatoryBecause | None = None  #: set for mandatory ethics/safety modules
    #: Activities with a minimum of their own (``minimums``, or ``min_each`` for all of them).
    minimums: tuple[ActivityMinimum, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class CapstoneRequirement:
    activity: str
    pass_mark: float


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionRules:
    modules: tuple[ModuleRequirement, ...] = ()
    capstone: CapstoneRequirement | None = None


#: What each completion requirement (a required module, the capstone) is worth in
#: ``completion_points``; the same for all, because ``completion`` demands each one on its own.
REQUIREMENT_POINTS = 100.0


def counts_toward_completion(activity: Activity) -> bool:
    """Summative assessed work counts; lessons and practice never do."""
    return activity.kind.is_assessed and activity.attempt_policy.is_summative


def counted_activities(track: Track, module_id: str) -> list[Activity]:
    return [a for a in track.module(module_id).activities if counts_toward_completion(a)]


def completion_points(track: Track) -> list[tuple[Activity, float]]:
    """Each activity that counts toward completion, with the points it carries there.

    This mirrors how ``completion`` decides: every required module and the capstone is a
    requirement worth ``REQUIREMENT_POINTS``. A module's score is the plain mean of its
    summative activities, so a module's points are shared equally among them, whatever
    points each activity is marked out of; the capstone's points go to the capstone
    activity (on top of its share in its module, if that module is required too). Practice
    work, and work in modules that no rule names, does not count.
    """
    counted: list[tuple[Activity, float]] = []
    for rule in track.completion.modules:
        activities = counted_activities(track, rule.module)
        counted += [(activity, REQUIREMENT_POINTS / len(activities)) for activity in activities]
    if (capstone := track.completion.capstone) is not None:
        counted.append((track.activity(capstone.activity), REQUIREMENT_POINTS))
    return counted


def practical_share(track: Track) -> float:
    """The share (0 to 1) of ``completion_points`` earned by labs, scenarios and projects.

    Certification should rest mostly on doing; 0 when nothing counts toward completion.
    """
    counted = completion_points(track)
    total = sum(points for _, points in counted)
    practical = sum(points for activity, points in counted if activity.kind.is_practical)
    return practical / total if total else 0.0


def parse_completion(
    spec: Spec, module_ids: Set[str], activity_ids: Set[str] | None
) -> CompletionRules | None:
    """``{modules: [{module, pass_mark, mandatory_because?, min_each?, minimums?: [{activity,
    pass_mark}]}], capstone: {activity, pass_mark}}``.

    ``min_each`` gives every summative activity of the module a minimum of its own;
    ``minimums`` names activities one by one (and wins over ``min_each`` for those).

    ``module_ids`` and ``activity_ids`` are the track's, so references are checked here
    (``activity_ids`` is None when some are unknown because a file could not be read).
    """
    modules = []
    for child in spec.children("modules", required=False):
        module = child.ident("module")
        mark = _pass_mark(child)
        because = None
        if child.has("mandatory_because"):
            because = child.choice("mandatory_because", MandatoryBecause)
        minimums = _minimums(child, activity_ids)
        child.done()
        if module is not None and module not in module_ids:
            child.error(f"module {module!r} is not one of the track's modules", "module")
        elif module is not None and mark is not None:
            modules.append(ModuleRequirement(module, mark, because, minimums))
    capstone = None
    if (capstone_spec := spec.child("capstone", None)) is not None:
        activity, mark = capstone_spec.ident("activity"), _pass_mark(capstone_spec)
        capstone_spec.done()
        if activity is not None and activity_ids is not None and activity not in activity_ids:
            capstone_spec.error(
                f"capstone {activity!r} is not an activity of the track", "activity"
            )
        elif activity is not None and mark is not None:
            capstone = CapstoneRequirement(activity, mark)
    spec.done()
    return CompletionRules(tuple(modules), capstone) if spec.ok else None


def _minimums(spec: Spec, activity_ids: Set[str] | None) -> tuple[ActivityMinimum, ...]:
    """The module rule's ``minimums`` list; ``min_each`` is kept for ``with_each_minimum``
    once the module's activities are known."""
    minimums = []
    if spec.has("min_each"):
        each = _pass_mark(spec, "min_each")
        if each is not None:
            minimums.append(ActivityMinimum(EACH, each))
    for child in spec.children("minimums", required=False):
        activity, mark = child.ident("activity"), _pass_mark(child)
        child.done()
        if activity is not None and activity_ids is not None and activity not in activity_ids:
            child.error(f"activity {activity!r} is not an activity of the track", "activity")
        elif activity is not None and mark is not None:
            minimums.append(ActivityMinimum(activity, mark))
    return tuple(minimums)


#: Stands for "every summative activity of the module" in a ``min_each`` minimum.
EACH = "*"


def with_each_minimum(rule: ModuleRequirement, activities: Sequence[Activity]) -> ModuleRequirement:
    """The rule with its ``min_each`` spelled out for each of the module's counted
    ``activities`` that has no minimum of its own (the loader calls this)."""
    each = next((m for m in rule.minimums if m.activity == EACH), None)
    if each is None:
        return rule
    named = {m.activity for m in rule.minimums if m.activity != EACH}
    minimums = [m for m in rule.minimums if m.activity != EACH]
    minimums += [
        ActivityMinimum(a.id, each.pass_mark)
        for a in activities
        if counts_toward_completion(a) and a.id not in named
    ]
    return dataclasses.replace(rule, minimums=tuple(minimums))


def _pass_mark(spec: Spec, key: str = "pass_mark") -> float | None:
    mark = spec.number(key, minimum=0)
    if mark is not None and mark > 100:
        spec.error(f"'{key}' is a percentage, at most 100", key)
        return None
    return mark
