"""Lab submissions: the learner's code, and the result the sandboxed grader returned."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, Float, Index, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow
from lti_tool.models.lti import LearnerWork


class SubmissionStatus(enum.StrEnum):
    QUEUED = "queued"
    GRADED = "graded"
    #: The code could not be run (syntax error, missing file): not counted against the learner.
    NOT_GRADABLE = "not_gradable"
    #: Grading failed for good (the lab no longer exists, the grader broke): staff must look.
    FAILED = "failed"


class LabSubmission(LearnerWork, Base):
    __tablename__ = "lab_submission"
    __table_args__ = (Index(None, "context_id", "user_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The submission as a zip archive (a single uploaded file is zipped on arrival).
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus, 20), default=SubmissionStatus.QUEUED
    )
    #: A check against the visible tests only: shown to the learner, never counted.
    visible_only: Mapped[bool] = mapped_column(default=False)
    #: The seed of this submission's hidden cases (parameterised labs): grading again with
    #: it reproduces the grade exactly. None for visible-only checks and fixed labs.
    seed: Mapped[int | None] = mapped_column(BigInteger)
    #: Score in [0, 1] once graded.
    score: Mapped[float | None] = mapped_column(Float)
    #: The grader's full result (staff view); learners see ``LabResult.for_learner()``.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    graded_at: Mapped[dt.datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<LabSubmission {self.id} {self.activity_id} user={self.user_id} {self.status}>"
