"""Has a learner completed a track, and if not, which requirements are left (as data)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Set
from enum import StrEnum
from typing import TYPE_CHECKING

from assessments.model.content import CONTENT_LANGUAGE
from assessments.policy.completion_rules import (
    MandatoryBecause,
    ModuleRequirement,
    counted_activities,
)
from assessments.policy.critical import critical_checks

if TYPE_CHECKING:
    from assessments.model import Activity, Track


class UnmetKind(StrEnum):
    """Which completion requirement is not met yet."""

    MODULE_NOT_STARTED = "module_not_started"
    MODULE_BELOW_MARK = "module_below_mark"
    CAPSTONE_NOT_SUBMITTED = "capstone_not_submitted"
    CAPSTONE_AWAITING_GRADING = "capstone_awaiting_grading"
    CAPSTONE_BELOW_MARK = "capstone_below_mark"
    ACTIVITY_BELOW_MINIMUM = "activity_below_minimum"
    CRITICAL_FAILED = "critical_failed"
    CRITICAL_NOT_PASSED_YET = "critical_not_passed_yet"


@dataclasses.dataclass(frozen=True, slots=True)
class Unmet:
    """One requirement not met yet, as data: the web layer words it in the learner's language.

    ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: UnmetKind
    title: str  #: the module's, the activity's or the capstone's title
    #: why the module is mandatory, when the track says so (else "" or None)
    because: MandatoryBecause | str | None = ""
    percent: float = 0.0  #: the score so far, 0 to 100
    pass_mark: float = 0.0
    waiting: int = 0  #: pieces of the module still waiting for an instructor's grading
    #: the language ``title`` is written in (a page in another marks it, WCAG 3.1.2)
    language: str = CONTENT_LANGUAGE

    def __str__(self) -> str:
        label = f"{self.title} ({self.because}, mandatory)" if self.because else self.title
        match self.kind:
            case UnmetKind.MODULE_NOT_STARTED:
                return f"{label}: not started yet."
            case UnmetKind.MODULE_BELOW_MARK:
                pending = (
                    f"; {self.waiting} piece(s) still wait for grading" if self.waiting else ""
                )
                return f"{label}: {self.percent:.0f}% so far, {self.pass_mark:g}% needed{pending}."
            case UnmetKind.CAPSTONE_NOT_SUBMITTED:
                return f"Capstone '{self.title}': not submitted yet."
            case UnmetKind.CAPSTONE_AWAITING_GRADING:
                return f"Capstone '{self.title}': submitted, waiting for an instructor to grade it."
            case UnmetKind.CAPSTONE_BELOW_MARK:
                return f"Capstone '{self.title}': {self.percent:.0f}%, {self.pass_mark:g}% needed."
            case UnmetKind.ACTIVITY_BELOW_MINIMUM:
                return (
                    f"{self.title}: {self.percent:.0f}% so far, {self.pass_mark:g}% needed "
                    "in this activity on its own."
                )
            case UnmetKind.CRITICAL_FAILED:
                return (
                    f"{self.title}: a critical check was not passed, so this activity is not "
                    "passed whatever its total."
                )
            case UnmetKind.CRITICAL_NOT_PASSED_YET:
                return f"{label}: the critical checks of this activity must be passed."


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionStatus:
    complete: bool
    unmet: tuple[Unmet, ...]  #: one entry per requirement not yet met


def completion(
    track: Track,
    progress: Mapping[str, float | None],
    critical_failed: Set[str] = frozenset(),
) -> CompletionStatus:
    """Has the learner completed ``track``, and if not, which requirements are left.

    ``progress`` maps activity id → the counted score as a share in [0, 1], or ``None``
    when the work is submitted but waits for manual grading; ``critical_failed`` holds the
    activities whose counted attempt failed a critical check. A module's score is the mean
    over its summative activities; a missing activity counts as 0. Every requirement is
    checked on its own (module mean, activity minimums, critical checks, capstone), so a
    high score elsewhere never makes up for one that is not met.
    """
    unmet = []
    for rule in track.completion.modules:
        unmet += _module_unmet(track, rule, progress, critical_failed)
    if (capstone := track.completion.capstone) is not None:
        activity = track.activity(capstone.activity)
        title, language = activity.title, activity.language
        if capstone.activity not in progress:
            unmet.append(Unmet(UnmetKind.CAPSTONE_NOT_SUBMITTED, title, language=language))
        elif (share := progress[capstone.activity]) is None:
            unmet.append(Unmet(UnmetKind.CAPSTONE_AWAITING_GRADING, title, language=language))
        elif 100 * share < capstone.pass_mark:
            unmet.append(
                Unmet(
                    UnmetKind.CAPSTONE_BELOW_MARK,
                    title,
                    percent=100 * share,
                    pass_mark=capstone.pass_mark,
                    language=language,
                )
            )
        elif capstone.activity in critical_failed:
            unmet.append(Unmet(UnmetKind.CRITICAL_FAILED, title, language=language))
    return CompletionStatus(not unmet, tuple(unmet))


def _module_unmet(
    track: Track,
    rule: ModuleRequirement,
    progress: Mapping[str, float | None],
    critical_failed: Set[str],
) -> list[Unmet]:
    module = track.module(rule.module)
    activities = counted_activities(track, rule.module)
    if not any(a.id in progress for a in activities):
        return [
            Unmet(
                UnmetKind.MODULE_NOT_STARTED, module.title, rule.because, language=module.language
            )
        ]
    unmet = []
    percent = 100 * sum(progress.get(a.id) or 0.0 for a in activities) / max(len(activities), 1)
    if percent < rule.pass_mark:
        waiting = sum(1 for a in activities if a.id in progress and progress[a.id] is None)
        unmet.append(
            Unmet(
                UnmetKind.MODULE_BELOW_MARK,
                module.title,
                rule.because,
                percent=percent,
                pass_mark=rule.pass_mark,
                waiting=waiting,
                language=module.language,
            )
        )
    unmet += _minimums_unmet(track, rule, progress)
    unmet += _critical_unmet(rule, activities, progress, critical_failed)
    return unmet


def _minimums_unmet(
    track: Track, rule: ModuleRequirement, progress: Mapping[str, float | None]
) -> list[Unmet]:
    """The module's activities below a minimum of their own, whatever the module's mean."""
    unmet = []
    for minimum in rule.minimums:
        share = progress.get(minimum.activity)
        if share is not None and 100 * share >= minimum.pass_mark:
            continue
        activity = track.activity(minimum.activity)
        unmet.append(
            Unmet(
                UnmetKind.ACTIVITY_BELOW_MINIMUM,
                activity.title,
                percent=100 * (share or 0.0),
                pass_mark=minimum.pass_mark,
                waiting=int(minimum.activity in progress and share is None),
                language=activity.language,
            )
        )
    return unmet


def _critical_unmet(
    rule: ModuleRequirement,
    activities: list[Activity],
    progress: Mapping[str, float | None],
    critical_failed: Set[str],
) -> list[Unmet]:
    unmet = []
    for activity in activities:
        if activity.id in critical_failed:
            unmet.append(
                Unmet(UnmetKind.CRITICAL_FAILED, activity.title, language=activity.language)
            )
        elif (
            rule.because is not None
            and progress.get(activity.id) is None
            and critical_checks(activity)
        ):
            # A mandatory module demands every critical check passed, not merely not failed.
            unmet.append(
                Unmet(
                    UnmetKind.CRITICAL_NOT_PASSED_YET,
                    activity.title,
                    rule.because,
                    language=activity.language,
                )
            )
    return unmet
