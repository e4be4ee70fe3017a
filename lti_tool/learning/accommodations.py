"""Accommodations: extra time and attempts an instructor grants a learner in a course."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from assessments.policy import NO_ACCOMMODATION, Accommodation
from lti_tool.errors import SkillCertError
from lti_tool.models import LearnerAccommodation, Membership, Role, User


class AccommodationError(SkillCertError):
    """This accommodation cannot be saved."""

    status_code = 400
    advice = _l(
        "Extra time is a multiplier from 1 to 4 (1.5 = half as long again); extra attempts 0 to 10."
    )


def for_learner(
    session: Session | Connection, context_id: int | None, user_id: int
) -> Accommodation:
    """The learner's accommodation in a course; columns, not the row, so that code holding
    only a connection (lab submissions) can ask too."""
    if context_id is None:
        return NO_ACCOMMODATION
    row = session.execute(
        select(
            LearnerAccommodation.extra_time_multiplier, LearnerAccommodation.extra_attempts
        ).where(
            LearnerAccommodation.context_id == context_id, LearnerAccommodation.user_id == user_id
        )
    ).first()
    return NO_ACCOMMODATION if row is None else Accommodation(*row)


def course_learners(session: Session, context_id: int):
    """(user id, name, accommodation) for every learner of the course."""
    rows = session.execute(
        select(User.id, User.name, LearnerAccommodation)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            LearnerAccommodation,
            (LearnerAccommodation.user_id == User.id)
            & (LearnerAccommodation.context_id == context_id),
        )
        .where(Membership.context_id == context_id, Membership.role == Role.LEARNER)
        .order_by(User.name, User.id)
    ).all()
    return [(user_id, name, _as_policy(row)) for user_id, name, row in rows]


def _as_policy(row: LearnerAccommodation | None) -> Accommodation:
    if row is None:
        return NO_ACCOMMODATION
    return Accommodation(row.extra_time_multiplier, row.extra_attempts)


def set_for_learner(
    session: Session, context_id: int, user_id: int, multiplier: str, extra_attempts: str
) -> None:
    """Save a learner's accommodation; the learner must belong to the course."""
    try:
        time_factor, attempts = float(multiplier), int(extra_attempts)
    except ValueError:
        raise AccommodationError(
            gettext("Extra time and extra attempts must be numbers.")
        ) from None
    if not (1 <= time_factor <= 4 and 0 <= attempts <= 10):
        raise AccommodationError(gettext("That accommodation is outside the allowed range."))
    member = session.scalar(
        select(Membership.id).where(
            Membership.context_id == context_id,
            Membership.user_id == user_id,
            Membership.role == Role.LEARNER,
        )
    )
    if member is None:
        raise AccommodationError(gettext("That learner is not in this course."))
    row = session.scalar(
        select(LearnerAccommodation).where(
            LearnerAccommodation.context_id == context_id, LearnerAccommodation.user_id == user_id
        )
    )
    if row is None:
        row = LearnerAccommodation(context_id=context_id, user_id=user_id)
        session.add(row)
    row.extra_time_multiplier, row.extra_attempts = time_factor, attempts
