"""The organisation report: per school, per section and per learner, how far the learners
are through what their school places, what is overdue, and their credentials.

``build`` reads a whole deployment (or one school) in a handful of queries: the schools
and their links, the roster with sections, the work counted per learner
(``reports.work``) and the credentials. Filters narrow the activities counted (a track or
module) and the learners listed (section, status, credential); totals are sums over the
learners listed, so a school's row adds up to its people and the district's to its schools.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.errors import SkillCertError
from lti_tool.models import CourseSection
from lti_tool.reports import credentials, work
from lti_tool.reports.credentials import Standing
from lti_tool.reports.scope import Link, Placed, Reach, School, placed, schools


class FilterError(SkillCertError):
    """A report filter names something that is not there."""

    status_code = 400
    default_message = _l("This report cannot be filtered that way.")
    advice = _l("Choose the filters from the lists on the report page and try again.")


#: The learner filters: value → words on the form.
STATUSES = {
    "overdue": _l("With overdue work"),
    "not-started": _l("Not started"),
    "completed": _l("Completed"),
}
#: The credential filter: a learner holding a credential so standing (or none at all).
CREDENTIAL_FILTERS: dict[str, Any] = {
    "none": _l("No credential"),
    **{str(standing): words for standing, words in credentials.WORDS.items()},
}


@dataclasses.dataclass(frozen=True)
class Filters:
    section: int | None = None
    #: "track:<id>" or "module:<track>/<module>": count only its activities
    unit: str = ""
    status: str = ""
    credential: str = ""

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        """The filters of a report's GET form; unknown values are refused (``FilterError``)."""
        status, credential = args.get("status", ""), args.get("credential", "")
        section, unit = args.get("section", ""), args.get("unit", "")
        if status and status not in STATUSES:
            raise FilterError(gettext("There is no learner status “%(value)s”.", value=status))
        if credential and credential not in CREDENTIAL_FILTERS:
            raise FilterError(
                gettext("There is no credential status “%(value)s”.", value=credential)
            )
        if section and not section.isdigit():
            raise FilterError(gettext("There is no section “%(value)s”.", value=section))
        return cls(int(section) if section else None, unit, status, credential)

    def as_args(self) -> dict[str, str]:
        """The filters as URL arguments (for the export links), empty ones left out."""
        values = {
            "section": "" if self.section is None else str(self.section),
            "unit": self.unit,
            "status": self.status,
            "credential": self.credential,
        }
        return {name: value for name, value in values.items() if value}

    def counts(self, activity: Placed) -> bool:
        if not self.unit:
            return True
        kind, _, name = self.unit.partition(":")
        if kind == "track":
            return activity.track.id == name
        return f"{activity.track.id}/{activity.module.id}" == name

    @property
    def narrow(self) -> bool:
        """Whether they leave any learner out."""
        return self.section is not None or bool(self.status or self.credential)

    def keeps(self, person: Person) -> bool:
        if self.section is not None and self.section not in person.sections:
            return False
        if self.status == "overdue" and not person.overdue:
            return False
        if self.status == "not-started" and person.started:
            return False
        if self.status == "completed" and not person.complete:
            return False
        if self.credential == "none":
            return not person.credentials
        return not self.credential or self.credential in person.credentials


class Person(NamedTuple):
    """One learner of one school, with their figures: a tuple, as a district makes 20,000
    of them per page."""

    user_id: int
    name: str
    school_id: int
    sections: tuple[int, ...]
    placed: int  #: activities counted (placed, within the unit filter)
    done: int
    started: int
    overdue: int
    last_done_at: dt.datetime | None
    #: the standing of their newest credential of each placed track they hold one of
    credentials: tuple[Standing, ...]

    @property
    def pending(self) -> int:
        return self.placed - self.done

    @property
    def complete(self) -> bool:
        return self.placed > 0 and self.done == self.placed

    @property
    def completed_at(self) -> dt.datetime | None:
        return self.last_done_at if self.complete else None


@dataclasses.dataclass(frozen=True)
class Totals:
    learners: int = 0
    complete: int = 0
    not_started: int = 0
    placed: int = 0  #: learner-activities counted
    done: int = 0
    overdue: int = 0  #: learner-activities overdue
    with_overdue: int = 0  #: learners with overdue work
    issued: int = 0  #: credentials held (not revoked)
    expiring: int = 0
    renewed: int = 0
    expired: int = 0

    @classmethod
    def of(cls, people: Iterable[Person]) -> Totals:
        """The totals of ``people``, in one pass over them."""
        learners = complete = not_started = placed = done = overdue = with_overdue = 0
        standings: list[Standing] = []
        for person in people:
            learners += 1
            complete += person.complete
            not_started += not person.started
            placed += person.placed
            done += person.done
            overdue += person.overdue
            with_overdue += bool(person.overdue)
            standings += person.credentials
        held = Counter(standings)
        return cls(
            learners,
            complete,
            not_started,
            placed,
            done,
            overdue,
            with_overdue,
            issued=held.total() - held[Standing.REVOKED],
            expiring=held[Standing.EXPIRING],
            renewed=held[Standing.RENEWED],
            expired=held[Standing.EXPIRED],
        )

    def __add__(self, other: Totals) -> Totals:
        mine, theirs = dataclasses.astuple(self), dataclasses.astuple(other)
        return Totals(*(a + b for a, b in zip(mine, theirs, strict=True)))

    @property
    def pending(self) -> int:
        return self.placed - self.done

    @property
    def share_complete(self) -> float:
        return self.complete / self.learners if self.learners else 0.0


@dataclasses.dataclass(frozen=True)
class Section:
    id: int
    name: str
    totals: Totals


@dataclasses.dataclass(frozen=True)
class SchoolReport:
    school: School
    plan: tuple[Placed, ...]  #: the activities counted, in placement order
    units: tuple[tuple[str, str], ...]  #: (filter value, title) of its tracks and modules
    links: tuple[Link, ...]
    people: tuple[Person, ...]  #: the learners the filters keep, by name
    #: (id, name) of its sections, by name; none on the district's page (``build``)
    section_names: tuple[tuple[int, str], ...]

    @functools.cached_property
    def totals(self) -> Totals:
        return Totals.of(self.people)

    @functools.cached_property
    def sections(self) -> tuple[Section, ...]:
        """Each section's totals: only a school's page shows them."""
        return tuple(
            Section(section_id, name, Totals.of(p for p in self.people if section_id in p.sections))
            for section_id, name in self.section_names
        )


@dataclasses.dataclass(frozen=True)
class Report:
    schools: tuple[SchoolReport, ...]

    @functools.cached_property
    def totals(self) -> Totals:
        """The schools' totals added up: the same as counting every school's people."""
        return sum((school.totals for school in self.schools), Totals())

    @property
    def units(self) -> list[tuple[str, str]]:
        """The tracks and modules of every school, once each."""
        return list(dict.fromkeys(unit for school in self.schools for unit in school.units))


def _units(plan: Sequence[Placed]) -> tuple[tuple[str, str], ...]:
    units: dict[str, str] = {}
    for activity in plan:
        units.setdefault(f"track:{activity.track.id}", activity.track.title)
        key = f"module:{activity.track.id}/{activity.module.id}"
        units.setdefault(key, f"{activity.track.title}: {activity.module.title}")
    return tuple(units.items())


def _sections(session: Session, school_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    found: dict[int, list[tuple[int, str]]] = {sid: [] for sid in school_ids}
    for section_id, context_id, name, platform_id in session.execute(
        select(
            CourseSection.id, CourseSection.context_id, CourseSection.name, CourseSection.section_id
        )
        .where(CourseSection.context_id.in_(school_ids))
        .order_by(CourseSection.name, CourseSection.section_id)
    ):
        found[context_id].append((section_id, name or platform_id))
    return found


def _people(
    session: Session,
    reach: Reach,
    counted: Mapping[int, Sequence[Placed]],
    plans: Mapping[int, Sequence[Placed]],
    now: dt.datetime,
    sections: bool,
) -> dict[int, list[Person]]:
    """Every learner in reach, by school, with their figures and credentials (and their
    sections, with ``sections``)."""
    placed = {sid: len(plan) for sid, plan in counted.items()}
    overdue = {sid: sum(p.overdue(now) for p in plan) for sid, plan in counted.items()}
    figures = work.figures(session, reach, counted, now)
    track_ids = {p.track.id for plan in plans.values() for p in plan}
    held = credentials.held(session, reach, track_ids, now)
    school_tracks = {sid: list({p.track.id: None for p in plan}) for sid, plan in plans.items()}
    people: dict[int, list[Person]] = {sid: [] for sid in plans}
    for user_id, name, sid, in_sections in work.roster(session, reach, sections=sections):
        done, started, handed_in_late, last_done_at = figures.get((sid, user_id), work.NOTHING)
        theirs = held.get(user_id, {})  # most hold none
        standings = tuple(theirs[t] for t in school_tracks[sid] if t in theirs) if theirs else ()
        people[sid].append(
            Person(
                user_id,
                name,
                sid,
                in_sections,
                placed[sid],
                done,
                started,
                overdue[sid] - handed_in_late,
                last_done_at,
                standings,
            )
        )
    return people


def build(
    session: Session,
    reach: Reach,
    tracks: Iterable[Track],
    filters: Filters,
    now: dt.datetime,
    school: School | None = None,
) -> Report:
    """The report of every school in reach, or of ``school`` only (already checked to be in
    reach), with ``filters`` applied."""
    if school is not None:
        reach = dataclasses.replace(reach, context_id=school.id)
    listed = [school] if school is not None else schools(session, reach)
    ids = [s.id for s in listed]
    plans, links = placed(session, ids, tracks)
    counted = {sid: [p for p in plan if filters.counts(p)] for sid, plan in plans.items()}
    # A school's page shows its sections; the district's only filters by one.
    with_sections = school is not None or filters.section is not None
    people = _people(session, reach, counted, plans, now, with_sections)
    sections = _sections(session, ids) if with_sections else {sid: [] for sid in ids}
    reports = []
    for s in listed:
        kept = tuple(filter(filters.keeps, people[s.id]) if filters.narrow else people[s.id])
        plan, units = tuple(counted[s.id]), _units(plans[s.id])
        named = tuple(sections[s.id])
        reports.append(SchoolReport(s, plan, units, tuple(links[s.id]), kept, named))
    return Report(tuple(reports))


def check_filters(report: Report, filters: Filters) -> None:
    """Refuse a section or unit filter that names none of the report's (``FilterError``)."""
    if filters.unit and filters.unit not in {value for value, _ in report.units}:
        raise FilterError(gettext("No school here places “%(value)s”.", value=filters.unit))
    sections = {section_id for school in report.schools for section_id, _ in school.section_names}
    if filters.section is not None and filters.section not in sections:
        raise FilterError(gettext("There is no such section in this report."))
