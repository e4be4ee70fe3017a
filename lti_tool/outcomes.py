"""What follows when a learner's work changes: the LMS's grade and a credential, together.

Every hand-in, instructor's grading, lab result and lesson marked done calls
:func:`work_changed` once, in the transaction that stored the work, so the score job and
the credential job commit with the work or not at all. Nothing else queues them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.credentials import completion
from lti_tool.gradesync import outbox
from lti_tool.models.lti import LearnerWork


class Change(enum.Enum):
    #: The learner handed work in (or a lab's grader scored it): a new submission in the LMS.
    HANDED_IN = "handed-in"
    #: An instructor's grading changed the score of work handed in before (Canvas then
    #: keeps the submission and updates its grade).
    GRADED = "graded"
    #: A lesson marked as read: no score, but it may be the last step of a track or renewal.
    MARKED_DONE = "marked-done"


def work_changed(
    session: Session, work: LearnerWork, tracks: Iterable[Track], change: Change
) -> None:
    """Queue the learner's new score for the LMS gradebook, and the credential if the
    track is now complete or the renewal now earned."""
    tracks = tuple(tracks)
    if change is not Change.MARKED_DONE:
        outbox.queue_scores(session, work, tracks, new_submission=change is Change.HANDED_IN)
    completion.queue_if_completed(session, work, tracks)
