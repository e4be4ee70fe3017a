"""Course copy: a copied link opens what its original opened; nothing a learner did comes along.

An LMS that copies a course gives each link in it a new resource link id (LTI 1.3 Core
§5.3.5: the id MUST change when a link is copied or imported), so the first launch of a
copied link finds no target and would ask the instructor to choose again. Two things say
where a link came from:

- the history substitutions a launch may carry, as the custom parameters
  :data:`~lti_tool.lti.constants.HISTORY_PARAMETERS` name: comma-separated ids, the link
  or course it was copied from first, then the one that one was copied from, and so on
  (1EdTech, "The course copy road to nowhere", which introduced them in LTI 1.2; Canvas
  documents ``Context.id.history`` in "reverse chronological order", cut at 1000 ids with
  ``truncated`` at the end: canvas-lms doc/api/tools_variable_substitutions.md, both read
  2026-12-06). A value still starting with ``$`` was not substituted and says nothing;
- the course's ``copied_from_id``, set by an LtiContextCopyNotice (:mod:`lti_tool.lti.notices`)
  or by an earlier launch's course history.

On a launch of a link without a target, :func:`carry_placement` looks for its original
among the links of the same deployment (never another tenant's) that have a target: the
first id of the link history that names one (within the courses it was copied from, when
several links share the id), else, for an LMS that names no link history (Canvas, Moodle),
the one link of the same title in the nearest course it was copied from. Only the
placement's ``target`` is carried, and ``copied_from_id`` is set on the link and its
course. Never attempts, grades or line items (the new course's LMS made its own), nor
dates: the LMS sends the new course's own dates at each launch, and a SkillCert target
date was set for the old course's term (carried over, it would make every learner late).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from lti_tool.lti.constants import CONTEXT_HISTORY, RESOURCE_LINK_HISTORY
from lti_tool.models import Context, ResourceLink

#: Most ids read from one history: copies of copies of copies rarely go deeper.
MAX_HISTORY = 50
#: Most generations of ``copied_from_id`` followed back.
MAX_GENERATIONS = 10
#: What Canvas puts last in a history it cut short.
_TRUNCATED = "truncated"
#: A link's target and title, and its course's ``copied_from_id``. Every launch of a link
#: not placed by Deep Linking runs it, so it is built once (see lti.statements).
_LINK = (
    select(
        ResourceLink.target,
        ResourceLink.title,
        ResourceLink.context_id,
        Context.copied_from_id.label("course_copied_from"),
    )
    .join(Context, Context.id == ResourceLink.context_id)
    .where(ResourceLink.id == bindparam("link"), Context.deployment_id == bindparam("deployment"))
)


def history(custom: Any, name: str) -> list[str]:
    """The ids the history custom parameter ``name`` lists, most recent copy first; none
    when it is absent, not substituted (still ``$…``) or empty."""
    value = custom.get(name) if isinstance(custom, dict) else None
    if not isinstance(value, str) or value.startswith("$"):
        return []
    ids: list[str] = []
    for part in value.split(","):
        item = part.strip()
        if item and item != _TRUNCATED and len(item) <= 255 and item not in ids:
            ids.append(item)
            if len(ids) == MAX_HISTORY:
                break
    return ids


def carry_placement(conn: Connection, deployment_pk: int, link_pk: int, custom: Any) -> None:
    """Give the link ``link_pk``, if it has no target, its original's target (the launch's
    ``custom`` claim may name its history), and record where the link and its course
    came from."""
    link = conn.execute(_LINK, {"link": link_pk, "deployment": deployment_pk}).one()
    if link.target is not None:
        return
    origins = origin_courses(
        conn,
        deployment_pk,
        link.context_id,
        history(custom, CONTEXT_HISTORY),
        link.course_copied_from,
    )
    original = _by_link_history(
        conn, deployment_pk, link_pk, history(custom, RESOURCE_LINK_HISTORY), origins
    ) or _by_title(conn, origins, link.title)
    if original is not None:
        conn.execute(
            update(ResourceLink)
            .where(ResourceLink.id == link_pk, ResourceLink.target.is_(None))
            .values(target=original.target, copied_from_id=original.id)
        )
    source = original.context_id if original is not None else next(iter(origins), None)
    if link.course_copied_from is None and source not in (None, link.context_id):
        conn.execute(
            update(Context)
            .where(Context.id == link.context_id, Context.copied_from_id.is_(None))
            .values(copied_from_id=source)
        )


def origin_courses(
    conn: Connection,
    deployment_pk: int,
    context_pk: int,
    context_ids: list[str],
    copied_from: int | None,
) -> list[int]:
    """The courses (row ids) of this deployment that course ``context_pk`` was copied from,
    nearest first: those its LMS course history names, then its ``copied_from_id`` chain."""
    origins: list[int] = []
    if context_ids:
        known = dict(
            conn.execute(
                select(Context.context_id, Context.id).where(
                    Context.deployment_id == deployment_pk, Context.context_id.in_(context_ids)
                )
            ).all()
        )
        origins = [known[lms_id] for lms_id in context_ids if lms_id in known]
    generation = copied_from
    for _ in range(MAX_GENERATIONS):
        row = None
        if generation is not None and generation not in origins:
            row = conn.execute(
                select(Context.id, Context.copied_from_id).where(
                    Context.id == generation, Context.deployment_id == deployment_pk
                )
            ).first()
        if row is None:
            break
        origins.append(row.id)
        generation = row.copied_from_id
    return [course for course in origins if course != context_pk]


def _by_link_history(
    conn: Connection, deployment_pk: int, link_pk: int, link_ids: list[str], origins: list[int]
) -> Row | None:
    """The targeted link the nearest id of the link history names in this deployment."""
    if not link_ids:
        return None
    rows = conn.execute(
        select(
            ResourceLink.id,
            ResourceLink.context_id,
            ResourceLink.resource_link_id,
            ResourceLink.target,
        )
        .join(Context, Context.id == ResourceLink.context_id)
        .where(
            Context.deployment_id == deployment_pk,
            ResourceLink.resource_link_id.in_(link_ids),
            ResourceLink.target.is_not(None),
            ResourceLink.id != link_pk,
        )
    ).all()
    nearness = {course: rank for rank, course in enumerate(origins)}
    for link_id in link_ids:
        found = [row for row in rows if row.resource_link_id == link_id]
        # The id is unique in a deployment (LTI Core §5.3.5), but stored links carry the
        # LMS's word for it: when several do, only the courses it was copied from decide.
        inside = sorted(
            (row for row in found if row.context_id in nearness),
            key=lambda row: nearness[row.context_id],
        )
        if inside:
            return inside[0]
        if len(found) == 1:
            return found[0]
    return None


def _by_title(conn: Connection, origins: list[int], title: str) -> Row | None:
    """The one targeted link titled ``title`` in the nearest origin course that has any;
    None when none has, or that course has two (no guessing between them)."""
    if not origins or not title:
        return None
    rows = conn.execute(
        select(ResourceLink.id, ResourceLink.context_id, ResourceLink.target).where(
            ResourceLink.context_id.in_(origins),
            ResourceLink.title == title,
            ResourceLink.target.is_not(None),
        )
    ).all()
    for course in origins:
        found = [row for row in rows if row.context_id == course]
        if found:
            return found[0] if len(found) == 1 else None
    return None
