"""The instructor's gradebook: learners by the activities, modules and tracks placed in
the course, and their credentials.

Everything is read within the launch's tenant and course (``in_course``), in at most six
queries however large the class: the placed links (with their dates), the roster (or one
section of it), the attempts, the lab
submissions, the credentials and (only when a placed activity has critical checks) those
activities' results. A class of 1,000 learners by 50 activities is 50,000 cells, so
attempts and lab submissions are read as plain rows (no ORM objects, statuses worked out
in SQL); module and track statuses come from the same cells (``standing``). ``arranged``
filters and sorts the rows for the page and the CSV alike. A cell is overdue when the
most specific placement holding its activity has a deadline (``deadlines``) that has
passed and the learner has handed nothing in.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, literal, select
from sqlalchemy.orm import Session

from assessments.model import Activity, Track
from assessments.policy import AttemptPolicy
from lti_tool import deadlines
from lti_tool.learning import due_dates, standing
from lti_tool.lti.sections import members_of
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
from lti_tool.placements import Placement
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
    #: per unit column (``Gradebook.units``): its status (``standing.UNIT_STATUSES``)
    units: tuple[str, ...] = ()
    #: per credential column: ``standing.CREDENTIAL_STATES``
    credentials: tuple[str, ...] = ()
    #: the indexes of the cells whose work is overdue
    overdue: frozenset[int] = frozenset()

    @property
    def started(self) -> bool:
        return any(cell.attempts for cell in self.cells) or any(
            status != "not started" for status in self.units
        )

    @property
    def awaiting(self) -> bool:
        return any(cell.status == "awaiting grading" for cell in self.cells) or (
            "awaiting grading" in self.units
        )

    @property
    def complete(self) -> bool:
        """Has completed at least one placed module or track."""
        return standing.COMPLETE in self.units


@dataclasses.dataclass(frozen=True)
class Gradebook:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    units: tuple[standing.Unit, ...] = ()
    credential_tracks: tuple[Track, ...] = ()


def placed_columns(placed: Iterable[Placement]) -> list[Column]:
    """Every assessed activity the course's links open, in placement order, once each."""
    columns, seen = [], set()
    for placement in placed:
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


#: A cell's statuses that mean the learner has handed the work in.
HANDED_IN = frozenset({"awaiting grading", "submitted", "graded"})


def _handed_in(cell: Cell) -> bool:
    """Handed in, graded or not (a later attempt in progress does not undo it)."""
    return cell.score is not None or cell.status in HANDED_IN


def build(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    *,
    section: int | None = None,
    now: dt.datetime | None = None,
) -> Gradebook:
    """The course's gradebook; with ``section`` (a ``CourseSection`` id of this course),
    its members only."""
    if launch.context_id is None:
        return Gradebook((), ())
    tracks = tuple(tracks)
    pairs = due_dates.placed(due_dates.course_links(session, launch.context_id), tracks)
    placed = [placement for placement, _ in pairs]
    columns = placed_columns(placed)
    now = now or dt.datetime.now(dt.UTC)
    late = _late_columns(pairs, tracks, columns, now)
    units = standing.units(placed)
    credential_tracks = standing.credential_tracks(placed)
    conn = session.connection()
    roster = (
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
    )
    if section is not None:
        roster = roster.where(User.id.in_(members_of(section, launch.context_id)))
    learners = conn.execute(roster).all()
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
    keyed = _keyed(columns, units)
    failures = standing.critical_failures(session, launch, units)
    held = standing.credentials(session, launch, credential_tracks, dt.datetime.now(dt.UTC))
    unnamed = gettext("Learner %(id)s")  # the LMS did not share the name; worded once
    width = len(columns)
    plans = standing.plans(units, [(track_id, activity_id) for track_id, activity_id, _ in keyed])
    failed: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for user_id, track_id, activity_id in failures:
        failed[user_id].add((track_id, activity_id))
    none_held = ("none",) * len(credential_tracks)  # most learners: one shared tuple
    nothing_failed: set[tuple[str, str]] = set()
    rows = []
    for user_id, name in learners:
        cells = _cells(work, user_id, keyed)
        unit_states = standing.statuses(plans, cells, failed.get(user_id, nothing_failed))
        creds = (
            tuple(held.get((user_id, track.id), "none") for track in credential_tracks)
            if held
            else none_held
        )
        shown = cells if len(cells) == width else cells[:width]
        overdue = frozenset(
            index
            for index, link in late
            if deadlines.is_overdue(link, done=_handed_in(shown[index]), now=now)
        )
        rows.append(
            Row(user_id, name or unnamed % {"id": user_id}, shown, unit_states, creds, overdue)
        )
    return Gradebook(tuple(columns), tuple(rows), tuple(units), tuple(credential_tracks))


def _late_columns(
    pairs: list[tuple[Placement, ResourceLink]],
    tracks: tuple[Track, ...],
    columns: list[Column],
    now: dt.datetime,
) -> list[tuple[int, ResourceLink]]:
    """(column index, link) of each column whose deadline has passed: the deadline of the
    most specific placement with one that holds the column's activity."""
    by_id = {track.id: track for track in tracks}
    late = []
    for index, column in enumerate(columns):
        link = due_dates.holding(
            pairs, by_id[column.track_id], column.activity, having=due_dates.has_deadline
        )
        if link is not None and deadlines.is_overdue(link, done=False, now=now):
            late.append((index, link))
    return late


def _keyed(
    columns: list[Column], units: list[standing.Unit]
) -> list[tuple[str, str, AttemptPolicy]]:
    """The columns' activities, then the other activities the units need (lessons, and
    the rest of a module an activity of which is placed), once each."""
    keyed = {(c.track_id, c.activity.id): c.activity.attempt_policy for c in columns}
    for unit in units:
        for activity in unit.activities:
            keyed.setdefault((unit.track.id, activity.id), activity.attempt_policy)
    return [(track_id, activity_id, policy) for (track_id, activity_id), policy in keyed.items()]


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


def formula_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


#: The learner filters: status → does a row pass it.
FILTERS = {
    "not started": lambda row: not row.started,
    "started": lambda row: row.started,
    "in progress": lambda row: row.started and not row.complete,
    "awaiting grading": lambda row: row.awaiting,
    "complete": lambda row: row.complete,
    "overdue": lambda row: bool(row.overdue),
}
FILTER_WORDS = {
    "": _l("All learners"),
    "not started": _l("Not started"),
    "started": _l("Started"),
    "in progress": _l("In progress"),
    "awaiting grading": _l("Awaiting grading"),
    "complete": _l("Completed a module or track"),
    "overdue": _l("With overdue work"),
}


def sort_keys(book: Gradebook) -> list[str]:
    """The sort keys of the table's columns, in order: ``name``, ``a<i>`` per activity,
    ``u<i>`` per module or track, ``c<i>`` per credential."""
    return [
        "name",
        *(f"a{i}" for i in range(len(book.columns))),
        *(f"u{i}" for i in range(len(book.units))),
        *(f"c{i}" for i in range(len(book.credential_tracks))),
    ]


def arranged(book: Gradebook, status: str, sort: str, descending: bool) -> Gradebook:
    """The rows that pass the ``status`` filter (unknown: all), sorted by the column
    ``sort`` names (``sort_keys``; unknown: by name), learners' names breaking ties."""
    rows = list(book.rows)
    if (keep := FILTERS.get(status)) is not None:
        rows = [row for row in rows if keep(row)]
    if sort != "name" and sort in sort_keys(book):
        index = int(sort[1:])
        rows.sort(key=_sorter(sort[0], index), reverse=descending)
    elif descending:
        rows.reverse()  # built in name order
    return dataclasses.replace(book, rows=tuple(rows))


def _sorter(kind: str, index: int) -> Callable[[Row], tuple[float, int]]:
    """Sort by score then status (``a``), by status (``u``) or by credential state. Rows
    come in name order and sorting is stable (reversed too): names break ties."""
    if kind == "a":
        rank = {status: n for n, status in enumerate(STATUS_WORDS)}

        def by_cell(row: Row) -> tuple[float, int]:
            score, _attempts, status = row.cells[index]
            return (-1.0 if score is None else score, rank[status])

        return by_cell
    if kind == "u":
        units = {status: n for n, status in enumerate(standing.UNIT_STATUSES)}
        return lambda row: (units[row.units[index]], 0)
    states = {state: n for n, state in enumerate(standing.CREDENTIAL_STATES)}
    return lambda row: (states[row.credentials[index]], 0)


#: Scores are counted in ten bins of 10 %; a full score falls in the last.
BINS = 10


def distributions(book: Gradebook) -> list[list[int]]:
    """Per column, how many learners' counted scores fall in each 10 % bin (one pass)."""
    counts = [[0] * (BINS + 1) for _ in book.columns]
    for row in book.rows:
        for bins, (score, _attempts, _status) in zip(counts, row.cells, strict=True):
            if score is not None:
                bins[int(score * BINS)] += 1
    for bins in counts:
        bins[BINS - 1] += bins.pop()  # a full score belongs to the last bin
    return counts


def as_csv(gradebook: Gradebook) -> str:
    """The gradebook as CSV, its columns in the page's order: the learner, a score (%) and
    a status per activity, then each module's and track's status, then each credential."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = [gettext("Learner")]
    # Worded (and made formula-safe) once, not per cell; scores are numbers, never formulas,
    # so only the learner's name is checked per row.
    words = {status: formula_safe(text) for status, text in STATUS_WORDS.items()}
    late_words = {
        status: formula_safe(gettext("%(status)s, overdue", status=text))
        for status, text in STATUS_WORDS.items()
    }
    unit_words = {status: formula_safe(text) for status, text in standing.UNIT_WORDS.items()}
    credential_words = {
        state: formula_safe(text) for state, text in standing.CREDENTIAL_WORDS.items()
    }
    for column in gradebook.columns:
        title = column.activity.title
        header += [gettext("%(title)s (%%)", title=title), gettext("%(title)s status", title=title)]
    header += [gettext("%(title)s status", title=unit.title) for unit in gradebook.units]
    header += [
        gettext("%(title)s credential", title=track.title) for track in gradebook.credential_tracks
    ]
    writer.writerow([formula_safe(h) for h in header])
    for row in gradebook.rows:
        line: list[object] = [formula_safe(row.name)]
        for index, (score, _attempts, status) in enumerate(row.cells):
            worded = late_words[status] if index in row.overdue else words[status]
            line += ("" if score is None else round(score * 100, 1), worded)
        line += [unit_words[status] for status in row.units]
        line += [credential_words[state] for state in row.credentials]
        writer.writerow(line)
    return out.getvalue()
