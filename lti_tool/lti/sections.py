"""Which sections of a course a user is in: from the NRPS roster or from a Canvas launch.

A section is a :class:`CourseSection` of one course (the LMS's id, and a name where the LMS
gives one) and its :class:`SectionMember` rows. Two sources fill them:

- the roster (``roster.store``): NRPS ``group_enrollments`` give group ids, no names;
- a Canvas launch: the custom parameters :data:`SECTION_PARAMETERS` ask for
  ``$Canvas.course.sectionIds`` (comma-separated ids) and
  ``$com.instructure.User.sectionNames`` (a JSON array of names, sorted by section id "so
  that they are useful in conjunction with" the ids, as Canvas documents them).

Either way, what the source lists replaces the user's memberships in that course; section
rows are kept (a section may come back, and reports name it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.orm import Session

from lti_tool.models import CourseSection, SectionMember, utcnow
from lti_tool.upsert import upsert_returning_id

#: Custom parameters a Canvas placement asks for: the launching user's sections.
SECTION_PARAMETERS = {
    "skillcert_section_ids": "$Canvas.course.sectionIds",
    "skillcert_section_names": "$com.instructure.User.sectionNames",
}
#: Most sections kept per user, and longest id and name: bounds on what one launch costs.
MAX_SECTIONS = 100
_MAX_ID = 255
_MAX_NAME = 500
#: Rows per statement (SQLite caps bound parameters).
_CHUNK = 400


def from_launch(custom: Any) -> list[tuple[str, str]] | None:
    """(section id, name) of each section a Canvas launch names, or None when the launch
    does not say (no such parameters, or left unsubstituted: not Canvas, or no course)."""
    if not isinstance(custom, dict):
        return None
    ids_text = custom.get("skillcert_section_ids")
    if not isinstance(ids_text, str) or ids_text.startswith("$"):
        return None
    ids = [i.strip() for i in ids_text.split(",") if 0 < len(i.strip()) <= _MAX_ID]
    ids = list(dict.fromkeys(ids))[:MAX_SECTIONS]
    names = _names(custom.get("skillcert_section_names"))
    # Canvas sorts the names by section id; matched only when the counts agree.
    ordered = sorted(ids, key=lambda i: (len(i), i) if i.isdigit() else (0, i))
    if names is not None and len(names) == len(ordered):
        return list(zip(ordered, names, strict=True))
    return [(section_id, "") for section_id in ordered]


def _names(value: Any) -> list[str] | None:
    if not isinstance(value, str) or value.startswith("$"):
        return None
    try:
        names = json.loads(value)
    except ValueError:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return [name[:_MAX_NAME] for name in names]


def store_for_user(
    conn: Connection, context_id: int, user_id: int, sections: Sequence[tuple[str, str]]
) -> None:
    """Make ``sections`` the user's sections in the course (a launch's). One read when
    nothing changed, which is nearly every launch."""
    current = conn.execute(
        select(CourseSection.section_id, CourseSection.name)
        .join(SectionMember, SectionMember.section_id == CourseSection.id)
        .where(CourseSection.context_id == context_id, SectionMember.user_id == user_id)
    ).all()
    if {tuple(row) for row in current} == set(sections):
        return
    ids = _upsert_sections(conn, context_id, sections, names=True)
    _replace(conn, context_id, {user_id: ids})


def store_roster_groups(
    conn: Connection, context_id: int, groups: Mapping[int, Sequence[str]]
) -> None:
    """Make each listed user's sections the roster's group ids (names are left as they
    are: NRPS gives none)."""
    every = list(dict.fromkeys(g for ids in groups.values() for g in ids if len(g) <= _MAX_ID))
    pk = dict(zip(every, _upsert_sections(conn, context_id, [(g, "") for g in every]), strict=True))
    _replace(
        conn, context_id, {user: [pk[g] for g in ids if g in pk] for user, ids in groups.items()}
    )


def _upsert_sections(
    conn: Connection, context_id: int, sections: Iterable[tuple[str, str]], names: bool = False
) -> list[int]:
    now = utcnow()
    return [
        upsert_returning_id(
            conn,
            CourseSection.__table__,
            {"context_id": context_id, "section_id": section_id, "name": name, "updated_at": now},
            conflict=("context_id", "section_id"),
            update=("name", "updated_at") if names and name else ("updated_at",),
        )
        for section_id, name in sections
    ]


def _replace(conn: Connection, context_id: int, memberships: Mapping[int, Sequence[int]]) -> None:
    """Each user's section memberships in the course become exactly the ones given."""
    in_course = select(CourseSection.id).where(CourseSection.context_id == context_id)
    users = list(memberships)
    for start in range(0, len(users), _CHUNK):
        conn.execute(
            delete(SectionMember).where(
                SectionMember.user_id.in_(users[start : start + _CHUNK]),
                SectionMember.section_id.in_(in_course),
            )
        )
    rows = [
        {"section_id": section, "user_id": user}
        for user, sections in memberships.items()
        for section in dict.fromkeys(sections)
    ]
    for start in range(0, len(rows), _CHUNK):
        conn.execute(insert(SectionMember), rows[start : start + _CHUNK])


def course_sections(session: Session, context_id: int) -> Sequence[CourseSection]:
    """The course's sections, by name then id (NRPS groups have no name)."""
    return session.scalars(
        select(CourseSection)
        .where(CourseSection.context_id == context_id)
        .order_by(CourseSection.name, CourseSection.section_id)
    ).all()


def members_of(section_pk: int, context_id: int):
    """A subquery of the users in one section of the course (nobody, when the section is
    another course's)."""
    return (
        select(SectionMember.user_id)
        .join(CourseSection, CourseSection.id == SectionMember.section_id)
        .where(CourseSection.id == section_pk, CourseSection.context_id == context_id)
    )
