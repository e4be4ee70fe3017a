"""The instructor's gradebook: learners by the activities placed in the course.

Everything is read within the launch's context (which belongs to one deployment), in
three queries however large the class: the placed links, the roster, and the attempts
and lab submissions.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Activity, Track
from assessments.policy import DEFAULT_POLICY
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    LabSubmission,
    Membership,
    ResourceLink,
    Role,
    SubmissionStatus,
    User,
)
from lti_tool.placements import resolve
from lti_tool.sessions import CurrentLaunch


@dataclasses.dataclass(frozen=True)
class Column:
    track_id: str
    activity: Activity


@dataclasses.dataclass(frozen=True)
class Cell:
    #: The score that counts, 0 to 1, under the activity's policy (None: nothing graded yet).
    score: float | None
    attempts: int
    status: str


@dataclasses.dataclass(frozen=True)
class Row:
    user_id: int
    name: str
    cells: tuple[Cell, ...]


@dataclasses.dataclass(frozen=True)
class Gradebook:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


def placed_columns(session: Session, context_id: int, tracks: Iterable[Track]) -> list[Column]:
    """The assessed activities the course's links open, in placement order, once each."""
    tracks = tuple(tracks)
    targets = session.scalars(
        select(ResourceLink.target)
        .where(ResourceLink.context_id == context_id, ResourceLink.target.is_not(None))
        .order_by(ResourceLink.id)
    ).all()
    columns, seen = [], set()
    for target in targets:
        placement = resolve(target, tracks)
        if placement is None:
            continue
        if placement.activity is not None:
            activities = [placement.activity]
        elif placement.module is not None:
            activities = list(placement.module.activities)
        else:
            activities = list(placement.track.activities())
        for activity in activities:
            key = (placement.track.id, activity.id)
            if activity.kind.is_assessed and key not in seen:
                seen.add(key)
                columns.append(Column(placement.track.id, activity))
    return columns


def build(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> Gradebook:
    if launch.context_id is None:
        return Gradebook((), ())
    columns = placed_columns(session, launch.context_id, tracks)
    learners = session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.context_id == launch.context_id, Membership.role == Role.LEARNER)
        .order_by(User.name, User.id)
    ).all()
    work: dict[tuple[int, str, str], list[tuple[str, float | None]]] = defaultdict(list)
    for user_id, track_id, activity_id, status, score, result_status in session.execute(
        select(
            Attempt.user_id,
            Attempt.track_id,
            Attempt.activity_id,
            Attempt.status,
            Attempt.score,
            # Only the status: decoding 50,000 whole results would dominate the page.
            Attempt.result["status"].as_string(),
        )
        .where(Attempt.context_id == launch.context_id)
        .order_by(Attempt.number)
    ):
        work[user_id, track_id, activity_id].append((_attempt_status(status, result_status), score))
    for user_id, track_id, activity_id, status, score in session.execute(
        select(
            LabSubmission.user_id,
            LabSubmission.track_id,
            LabSubmission.activity_id,
            LabSubmission.status,
            LabSubmission.score,
        )
        .where(LabSubmission.context_id == launch.context_id, ~LabSubmission.visible_only)
        .order_by(LabSubmission.id)
    ):
        work[user_id, track_id, activity_id].append((_lab_status(status), score))
    rows = tuple(
        Row(
            user_id,
            name or f"Learner {user_id}",
            tuple(
                _cell(column, work.get((user_id, column.track_id, column.activity.id), []))
                for column in columns
            ),
        )
        for user_id, name in learners
    )
    return Gradebook(tuple(columns), rows)


def _attempt_status(status: AttemptStatus, result_status: str | None) -> str:
    if status is AttemptStatus.IN_PROGRESS:
        return "in progress"
    return "awaiting grading" if result_status == "pending" else "submitted"


def _lab_status(status: SubmissionStatus) -> str:
    return {
        SubmissionStatus.QUEUED: "waiting for the grader",
        SubmissionStatus.GRADED: "graded",
        SubmissionStatus.NOT_GRADABLE: "could not run",
        SubmissionStatus.FAILED: "grading failed",
    }[status]


def _cell(column: Column, entries: list[tuple[str, float | None]]) -> Cell:
    if not entries:
        return Cell(None, 0, "not started")
    scores = [score for _status, score in entries if score is not None]
    policy = column.activity.policy or DEFAULT_POLICY
    return Cell(policy.counted(scores), len(entries), entries[-1][0])


#: Cells a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def as_csv(gradebook: Gradebook) -> str:
    """The gradebook as CSV: one row per learner, a score (%) and a status per activity."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Learner"]
    for column in gradebook.columns:
        header += [f"{column.activity.title} (%)", f"{column.activity.title} status"]
    writer.writerow([_safe(h) for h in header])
    for row in gradebook.rows:
        line: list[object] = [row.name]
        for cell in row.cells:
            line += ["" if cell.score is None else round(cell.score * 100, 1), cell.status]
        writer.writerow([_safe(v) for v in line])
    return out.getvalue()
