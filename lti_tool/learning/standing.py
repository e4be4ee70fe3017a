"""Who has completed what: each learner's standing on the modules and tracks a course
places, and their credential for each track, for the gradebook and the course overview.

The gradebook already holds every learner's counted score per activity; this module turns
those into module and track statuses with the engine's rules (``module_completed``, as for
renewal, and ``completion``), reading only what the scores do not say: the critical checks
of the few activities that have them, and the credentials.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence, Set
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from assessments.labs.results import LabResult
from assessments.model import Activity, Module, Track
from assessments.policy import completion, counts_toward_completion, critical_checks
from assessments.policy.completion_rules import counted_activities
from lti_tool.credentials.renewal import pass_mark
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Credential,
    CredentialState,
    LabSubmission,
    Membership,
    SubmissionStatus,
)
from lti_tool.placements import Placement
from lti_tool.progress import critical_failed
from lti_tool.scope import CurrentLaunch

COMPLETE = "complete"
#: A module's or track's status, most advanced last (the order sorting uses).
UNIT_STATUSES = ("not started", "in progress", "awaiting grading", COMPLETE)
UNIT_WORDS = {
    "not started": _l("not started"),
    "in progress": _l("in progress"),
    "awaiting grading": _l("awaiting grading"),
    COMPLETE: _l("complete"),
}
#: A learner's credential for a track, in sorting order.
CREDENTIAL_STATES = ("none", "revoked", "expired", "active")
CREDENTIAL_WORDS = {
    "none": _l("no credential"),
    "revoked": _l("revoked"),
    "expired": _l("expired"),
    "active": _l("active"),
}


@dataclasses.dataclass(frozen=True)
class Unit:
    """A placed module, or a placed track as a whole."""

    track: Track
    module: Module | None = None

    @property
    def title(self) -> str:
        return self.module.title if self.module is not None else self.track.title

    @property
    def activities(self) -> tuple[Activity, ...]:
        if self.module is not None:
            return self.module.activities
        return tuple(self.track.activities())


def units(placements: Iterable[Placement]) -> list[Unit]:
    """Placed modules (a placed activity's module too, every module of a placed track) in
    placement order, then the placed tracks as wholes."""
    modules: dict[tuple[str, str], Unit] = {}
    tracks: dict[str, Unit] = {}
    for placement in placements:
        track = placement.track
        if placement.module is not None:
            modules.setdefault((track.id, placement.module.id), Unit(track, placement.module))
            continue
        tracks.setdefault(track.id, Unit(track))
        for module in track.modules:
            modules.setdefault((track.id, module.id), Unit(track, module))
    return [*modules.values(), *tracks.values()]


def credential_tracks(placements: Iterable[Placement]) -> list[Track]:
    """Each track something is placed from, once, in placement order."""
    return list({p.track.id: p.track for p in placements}.values())


#: (learner, track, activity) whose counted work failed a critical check.
Failures = frozenset[tuple[int, str, str]]


def critical_failures(
    session: Session, launch: CurrentLaunch, unit_list: Sequence[Unit]
) -> Failures:
    """Reads the stored results of the activities with critical checks only (exams and
    capstones: few rows), and judges the counted one as ``progress`` does."""
    checked = {
        (unit.track.id, a.id): a.attempt_policy
        for unit in unit_list
        for a in unit.activities
        if critical_checks(a)
    }
    if not checked:
        return frozenset()
    activity_ids = {activity_id for _, activity_id in checked}
    attempts = select(
        Attempt.user_id,
        Attempt.track_id,
        Attempt.activity_id,
        literal(0),
        Attempt.number,
        Attempt.score,
        Attempt.result,
    ).where(
        *Attempt.in_course(launch),
        Attempt.activity_id.in_(activity_ids),
        Attempt.status != AttemptStatus.IN_PROGRESS,
    )
    labs = select(
        LabSubmission.user_id,
        LabSubmission.track_id,
        LabSubmission.activity_id,
        literal(1),
        LabSubmission.id,
        LabSubmission.score,
        LabSubmission.result,
    ).where(
        *LabSubmission.in_course(launch),
        LabSubmission.activity_id.in_(activity_ids),
        LabSubmission.status == SubmissionStatus.GRADED,
        ~LabSubmission.visible_only,
    )
    found: dict[tuple[int, str, str], list[tuple[int, int, float | None, tuple[str, ...]]]]
    found = defaultdict(list)
    for user_id, track_id, activity_id, source, sequence, score, result in session.execute(
        attempts.union_all(labs)
    ):
        if (track_id, activity_id) in checked:
            failed = _failed(source, result)
            pending = source == 0 and (result or {}).get("status") == "pending"
            found[user_id, track_id, activity_id].append(
                (source, sequence, None if pending else score, failed)
            )
    failures = set()
    for key, entries in found.items():
        entries.sort()
        graded = [(score, failed) for _, _, score, failed in entries if score is not None]
        index = checked[key[1], key[2]].counted_index([score for score, _ in graded])
        if entries[-1][3] if index is None else graded[index][1]:
            failures.add(key)
    return frozenset(failures)


def _failed(source: int, result: dict[str, Any] | None) -> tuple[str, ...]:
    if source == 0:
        return critical_failed(result)
    return LabResult.from_dict(result).critical_failed if result else ()


#: One learner's cell: (counted score, attempts, status), as ``gradebook.Cell``.
_Cell = tuple[float | None, int, str]


@dataclasses.dataclass(frozen=True)
class Plan:
    """What deciding a unit's status looks at, as positions in a learner's cells; worked
    out once per gradebook, not once per learner (1,000 learners by 50 modules)."""

    unit: Unit
    positions: tuple[int, ...]  #: its activities
    counted: tuple[int, ...]  #: those that count toward completion
    counted_ids: frozenset[str]
    pass_mark: float
    #: a track's completion rules: (counted positions, pass mark) per required module
    rules: tuple[tuple[tuple[int, ...], float], ...] = ()
    capstone: tuple[int, float] | None = None  #: its position and pass mark
    #: the track's activities, by position: to build the scores ``completion`` reads
    track_positions: tuple[tuple[str, int], ...] = ()
    #: a module with counted work: complete when all of it is graded, on the mean
    module_fast: bool = False


def plans(unit_list: Sequence[Unit], keys: Sequence[tuple[str, str]]) -> list[Plan]:
    """A plan per unit; ``keys`` are the (track, activity) of a learner's cells in order."""
    where = {key: n for n, key in enumerate(keys)}
    made = []
    for unit in unit_list:
        track = unit.track

        def at(activities: Iterable[Activity], track: Track = track) -> tuple[int, ...]:
            return tuple(where[track.id, a.id] for a in activities)

        counted = [a for a in unit.activities if counts_toward_completion(a)]
        rules: tuple[tuple[tuple[int, ...], float], ...] = ()
        capstone = None
        if unit.module is None:
            rules = tuple(
                (at(counted_activities(track, rule.module)), rule.pass_mark)
                for rule in track.completion.modules
            )
            if (cap := track.completion.capstone) is not None:
                capstone = (where[track.id, cap.activity], cap.pass_mark)
        made.append(
            Plan(
                unit,
                at(unit.activities),
                at(counted),
                frozenset(a.id for a in counted),
                pass_mark(track, unit.module.id) if unit.module is not None else 0.0,
                rules,
                capstone,
                tuple((a.id, where[track.id, a.id]) for a in track.activities())
                if unit.module is None
                else (),
                unit.module is not None and bool(counted),
            )
        )
    return made


def statuses(
    plan_list: Sequence[Plan], cells: Sequence[_Cell], failed: set[tuple[str, str]]
) -> tuple[str, ...]:
    """Each unit's status for one learner, from their cells in the order ``plans`` was
    given; ``failed`` holds their (track, activity) that failed a critical check."""
    result = []
    for plan in plan_list:
        started = awaiting = False
        for n in plan.positions:
            _score, attempts, status = cells[n]
            started = started or attempts > 0
            awaiting = awaiting or status == "awaiting grading"
        if not started:
            result.append("not started")
            continue
        if plan.module_fast and not failed:  # the usual module, inlined: 50,000 of them
            total = 0.0
            for n in plan.counted:
                if (score := cells[n][0]) is None:
                    total = -1.0
                    break
                total += score
            complete = total >= 0 and 100 * total / len(plan.counted) >= plan.pass_mark
        else:
            track_id = plan.unit.track.id
            mine = {a for t, a in failed if t == track_id} if failed else _NONE_FAILED
            complete = _complete(plan, cells, mine)
        if complete:
            result.append(COMPLETE)
        else:
            result.append("awaiting grading" if awaiting else "in progress")
    return tuple(result)


_NONE_FAILED: frozenset[str] = frozenset()


def _counts(cell: _Cell) -> bool:
    """Is it in the scores ``progress`` gives (graded, or handed in and awaiting grading)?"""
    return cell[0] is not None or cell[2] == "awaiting grading"


def _mean(cells: Sequence[_Cell], positions: tuple[int, ...]) -> float:
    return 100 * sum(cells[n][0] or 0.0 for n in positions) / max(len(positions), 1)


def _complete(plan: Plan, cells: Sequence[_Cell], failed: Set[str]) -> bool:
    if plan.unit.module is not None:
        # As renewal.module_completed, from positions rather than a scores mapping.
        if failed and plan.counted_ids & failed:
            return False
        if not plan.counted:
            return bool(plan.positions) and all(_counts(cells[n]) for n in plan.positions)
        total = 0.0
        for n in plan.counted:
            score = cells[n][0]
            if score is None:
                return False
            total += score
        return 100 * total / len(plan.counted) >= plan.pass_mark
    # A track: a cheap necessary check first (every required module's mean, the
    # capstone's mark), then the engine's own ``completion`` for the exact answer.
    if any(_mean(cells, positions) < mark for positions, mark in plan.rules):
        return False
    if plan.capstone is not None:
        score = cells[plan.capstone[0]][0]
        if score is None or 100 * score < plan.capstone[1]:
            return False
    scores = {aid: cells[n][0] for aid, n in plan.track_positions if _counts(cells[n])}
    return completion(plan.unit.track, scores, failed).complete


def credentials(
    session: Session, launch: CurrentLaunch, tracks: Sequence[Track], now: dt.datetime
) -> dict[tuple[int, str], str]:
    """(learner, track) → the state of the learner's newest credential for the track."""
    if launch.context_id is None or not tracks:
        return {}
    in_course = select(Membership.user_id).where(Membership.context_id == launch.context_id)
    rows = session.execute(
        select(Credential.user_id, Credential.track_id, Credential.state, Credential.valid_until)
        .where(
            Credential.registration_id == launch.registration_id,
            Credential.track_id.in_([track.id for track in tracks]),
            Credential.user_id.in_(in_course),
        )
        .order_by(Credential.awarded_at, Credential.created_at)
    ).all()
    states = {}
    for user_id, track_id, state, valid_until in rows:  # newest last: it wins
        if state is CredentialState.REVOKED:
            states[user_id, track_id] = "revoked"
        else:
            states[user_id, track_id] = "active" if valid_until > now else "expired"
    return states
