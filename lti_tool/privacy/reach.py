"""How far an administrator's privacy pages reach, and the learners within it.

A course's Administrator reaches the learners of the launch's course; an institution or
system administrator (``CurrentLaunch.administers_deployment``) every course of the
launch's deployment; the operator, from the command line, the whole registration.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.orm import Session

from lti_tool.models import AccessLogEntry, Context, Deployment, Membership, Role, User
from lti_tool.scope import CurrentLaunch

#: How many learners a search lists at most.
SEARCH_LIMIT = 50


@dataclasses.dataclass(frozen=True)
class Reach:
    """What an erasure covers: a registration, one of its deployments, one course."""

    registration_id: int
    #: None: every deployment of the registration (the operator).
    deployment_id: int | None = None
    #: None: every course of the deployment.
    context_id: int | None = None
    #: A course's Administrator whose launch names no course reaches no learner at all.
    nowhere: bool = False

    @classmethod
    def of(cls, launch: CurrentLaunch) -> Reach:
        if launch.administers_deployment:
            return cls(launch.registration_id, launch.deployment_id)
        if launch.context_id is None:
            return cls(launch.registration_id, launch.deployment_id, nowhere=True)
        return cls(launch.registration_id, launch.deployment_id, launch.context_id)

    def contexts(self) -> ColumnElement[bool]:
        """Which ``Context`` rows it covers (a condition on Context, joined to Deployment)."""
        if self.nowhere:
            return false()
        condition: ColumnElement[bool] = Context.deployment_id.in_(
            select(Deployment.id).where(Deployment.registration_id == self.registration_id)
        )
        if self.deployment_id is not None:
            condition = condition & (Context.deployment_id == self.deployment_id)
        if self.context_id is not None:
            condition = condition & (Context.id == self.context_id)
        return condition


def context_ids(session: Session, reach: Reach) -> list[int]:
    return list(session.scalars(select(Context.id).where(reach.contexts())))


def entries_in_reach(launch: CurrentLaunch) -> tuple[ColumnElement[bool], ...]:
    """Access-log entries an administrator of ``launch`` may read."""
    conditions: tuple[ColumnElement[bool], ...] = (
        AccessLogEntry.registration_id == launch.registration_id,
        AccessLogEntry.deployment_id == launch.deployment_id,
    )
    reach = Reach.of(launch)
    if reach.nowhere:
        return (false(),)
    if reach.context_id is not None:
        conditions += (AccessLogEntry.context_id == reach.context_id,)
    return conditions


def _learner_here(reach: Reach) -> ColumnElement[bool]:
    return exists(
        select(Membership.id)
        .join(Context, Context.id == Membership.context_id)
        .where(Membership.user_id == User.id, Membership.role == Role.LEARNER, reach.contexts())
    )


def learner_in_reach(session: Session, reach: Reach, user_id: int) -> User | None:
    """The user, if they are a learner of a course within ``reach``."""
    return session.scalar(
        select(User).where(
            User.id == user_id, User.registration_id == reach.registration_id, _learner_here(reach)
        )
    )


def search(session: Session, reach: Reach, text: str) -> list[User]:
    """Learners within ``reach`` whose name contains ``text`` or whose LMS id is ``text``."""
    text = text.strip()
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            select(User)
            .where(
                User.registration_id == reach.registration_id,
                _learner_here(reach),
                User.name.ilike(pattern, escape="\\") | (User.sub == text),
            )
            .order_by(User.name, User.id)
            .limit(SEARCH_LIMIT)
        )
    )


def courses_of(session: Session, reach: Reach, user_id: int) -> list[str]:
    """Titles of the courses within ``reach`` the user is a member of."""
    return list(
        session.scalars(
            select(Context.title)
            .join(Membership, Membership.context_id == Context.id)
            .where(Membership.user_id == user_id, reach.contexts())
            .order_by(Context.title)
        )
    )
