"""One learner's work in a course, as an instructor reviews it: attempts and lab submissions,
shown as the learner saw them (``answer_view``)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Activity
from lti_tool.learning.answer_view import AttemptView, attempt_view
from lti_tool.learning.lab_view import LabRun, lab_run
from lti_tool.models import Attempt, LabSubmission, Membership, User
from lti_tool.scope import CurrentLaunch

_Work = TypeVar("_Work", Attempt, LabSubmission)


@dataclasses.dataclass(frozen=True)
class ActivityWork:
    """One learner's attempts and lab submissions at one activity."""

    track_id: str
    activity: Activity
    attempts: list[Attempt]
    labs: list[LabSubmission]

    @property
    def shown(self) -> list[tuple[Attempt, AttemptView]]:
        """Each attempt with its work as the learner saw it (``answer_view``)."""
        return [(attempt, attempt_view(attempt, self.activity)) for attempt in self.attempts]

    @property
    def runs(self) -> list[LabRun]:
        """Each lab submission with its result as the learner was shown it."""
        return [lab_run(submission) for submission in self.labs]


def member_name(session: Session, launch: CurrentLaunch, user_id: int) -> tuple[str | None] | None:
    """The learner's name (which may be None) as a one-field row if they are a member of
    the launch's course, else None."""
    row = session.execute(
        select(User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.context_id == launch.context_id, User.id == user_id)
    ).first()
    return None if row is None else (row.name,)


def work_at(
    session: Session,
    launch: CurrentLaunch,
    user_id: int,
    activities: Sequence[tuple[str, Activity]],
) -> list[ActivityWork]:
    """The learner's work at each (track id, activity), in that order."""
    # Two queries however many activities.
    activity_ids = [activity.id for _, activity in activities]
    attempts = _by_activity(session, launch, user_id, Attempt, activity_ids)
    labs = _by_activity(session, launch, user_id, LabSubmission, activity_ids)
    return [
        ActivityWork(
            track_id,
            activity,
            attempts.get((track_id, activity.id), []),
            labs.get((track_id, activity.id), []),
        )
        for track_id, activity in activities
    ]


def _by_activity(
    session: Session,
    launch: CurrentLaunch,
    user_id: int,
    model: type[_Work],
    activity_ids: list[str],
) -> dict[tuple[str, str], list[_Work]]:
    """(track id, activity id) → the learner's rows of ``model`` at it, oldest first."""
    found: defaultdict[tuple[str, str], list[_Work]] = defaultdict(list)
    rows = session.scalars(
        select(model)
        .where(*model.of_learner(launch, user_id), model.activity_id.in_(activity_ids))
        .order_by(model.id)
    )
    for row in rows:
        found[row.track_id, row.activity_id].append(row)
    return found
