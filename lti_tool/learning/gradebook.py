"""The instructor's gradebook: learners by the activities placed in the course.

Everything is read within the launch's tenant and course (``in_course``), in four queries
however large the class: the placed links, the roster, the attempts and the lab
submissions. A class of 1,000 learners by 50 activities is 50,000 cells, so attempts and
lab submissions are read as plain rows (no ORM objects, statuses worked out in SQL).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, literal, select
from sqlalchemy.orm import Session

from assessments.model import Activity, Track
from assessments.policy import AttemptPolicy
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    LabSubmission,
    Membership,
    MemberStatus,
    ResourceLink,
    Role,
    SubmissionStatus,
    User,
)
from lti_tool.placements import resolve
from lti_tool.scope import CurrentLaunch


@dataclasses.dataclass(frozen=True)
class Column:
    track_id: str
    activity: Activity


class Cell(NamedTuple):
    # A named tuple, not a dataclass: a large class has tens of thousands of cells.
    #: The score that counts, 0 to 1, under the activity's policy (None: nothing graded yet).
    score: float | None
    attempts: int
    status: str


NOT_STARTED = Cell(None, 0, "not started")

#: A cell's status (worked out in SQL, in English) → the words the instructor reads.
STATUS_WORDS = {
    "not started": _l("not started"),
    "in progress": _l("in progress"),
    "awaiting grading": _l("awaiting grading"),
    "submitted": _l("submitted"),
    "waiting for the grader": _l("waiting for the grader"),
    "graded": _l("graded"),
    "could not run": _l("could not run"),
    "grading failed": _l("grading failed"),
}


def status_text(status: str, attempts: int) -> str:
    """``awaiting grading, 3 attempts``, in the page's language."""
    words = str(STATUS_WORDS[status])
    if attempts > 1:
        words += ngettext(", %(num)d attempt", ", %(num)d attempts", attempts)
    return words


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
        for activity in placement.assessed:
            key = (placement.track.id, activity.id)
            if key not in seen:
                seen.add(key)
                columns.append(Column(placement.track.id, activity))
    return columns


#: One attempt (source 0) or lab submission (1): source, number or id, status, score.
_Entry = tuple[int, int, str, float | None]

#: What the gradebook says of an attempt: worked out by the database, row by row.
_ATTEMPT_STATUS = case(
    (Attempt.status == AttemptStatus.IN_PROGRESS, "in progress"),
    # Only the result's status: decoding 50,000 whole results would dominate the page.
    (Attempt.result["status"].as_string() == "pending", "awaiting grading"),
    else_="submitted",
)
_LAB_STATUS = case(
    (LabSubmission.status == SubmissionStatus.QUEUED, "waiting for the grader"),
    (LabSubmission.status == SubmissionStatus.GRADED, "graded"),
    (LabSubmission.status == SubmissionStatus.NOT_GRADABLE, "could not run"),
    else_="grading failed",
)


def build(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> Gradebook:
    if launch.context_id is None:
        return Gradebook((), ())
    columns = placed_columns(session, launch.context_id, tracks)
    conn = session.connection()
    learners = conn.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.context_id == launch.context_id,
            Membership.role == Role.LEARNER,
            # Synced from the LMS roster too: learners who never launched are listed;
            # those the LMS reports inactive or removed are not.
            Membership.status == MemberStatus.ACTIVE,
        )
        .order_by(User.name, User.id)
    ).all()
    # (learner, track, activity) → (source, sequence, status, score) of its attempts
    # (source 0, by number) and lab submissions (source 1, by id). Unsorted: sorting
    # 50,000 rows costs PostgreSQL more than sorting the few cells that have several.
    work: dict[tuple[int, str, str], list[_Entry]] = defaultdict(list)
    attempts = select(
        Attempt.user_id,
        Attempt.track_id,
        Attempt.activity_id,
        literal(0),
        Attempt.number,
        _ATTEMPT_STATUS,
        Attempt.score,
    ).where(*Attempt.in_course(launch))
    labs = select(
        LabSubmission.user_id,
        LabSubmission.track_id,
        LabSubmission.activity_id,
        literal(1),
        LabSubmission.id,
        _LAB_STATUS,
        LabSubmission.score,
    ).where(*LabSubmission.in_course(launch), ~LabSubmission.visible_only)
    for query in (attempts, labs):
        for user_id, track_id, activity_id, *entry in conn.execute(query).all():
            work[user_id, track_id, activity_id].append(tuple(entry))
    keyed = [
        (column.track_id, column.activity.id, column.activity.attempt_policy) for column in columns
    ]
    unnamed = gettext("Learner %(id)s")  # the LMS did not share the name; worded once
    rows = tuple(
        Row(user_id, name or unnamed % {"id": user_id}, _cells(work, user_id, keyed))
        for user_id, name in learners
    )
    return Gradebook(tuple(columns), rows)


def _cells(
    work: dict[tuple[int, str, str], list[_Entry]],
    user_id: int,
    keyed: list[tuple[str, str, AttemptPolicy]],
) -> tuple[Cell, ...]:
    cells = []
    for track_id, activity_id, policy in keyed:
        entries = work.get((user_id, track_id, activity_id))
        cells.append(NOT_STARTED if entries is None else _cell(policy, entries))
    return tuple(cells)


def _cell(policy: AttemptPolicy, entries: list[_Entry]) -> Cell:
    if len(entries) == 1:  # the usual case, and any policy counts the one score
        _source, _sequence, status, score = entries[0]
        return Cell(score, 1, status)
    entries.sort()  # oldest first
    scores = [score for *_, score in entries if score is not None]
    return Cell(policy.counted(scores), len(entries), entries[-1][2])


#: Cells a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def as_csv(gradebook: Gradebook) -> str:
    """The gradebook as CSV: one row per learner, a score (%) and a status per activity."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = [gettext("Learner")]
    words = {status: str(text) for status, text in STATUS_WORDS.items()}  # once, not per cell
    for column in gradebook.columns:
        title = column.activity.title
        header += [gettext("%(title)s (%%)", title=title), gettext("%(title)s status", title=title)]
    writer.writerow([_safe(h) for h in header])
    for row in gradebook.rows:
        line: list[object] = [row.name]
        for cell in row.cells:
            score = "" if cell.score is None else round(cell.score * 100, 1)
            line += [score, words[cell.status]]
        writer.writerow([_safe(v) for v in line])
    return out.getvalue()
