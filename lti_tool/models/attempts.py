"""Attempts at quizzes and exams: answers saved as the learner works, scored on submit."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow
from lti_tool.models.lti import LearnerWork


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Attempt(LearnerWork, Base):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("context_id", "user_id", "track_id", "activity_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1 for the first attempt at this activity in this course, 2 for the next, …
    number: Mapped[int] = mapped_column()
    #: item id → the learner's answer, saved as they work (autosave).
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[AttemptStatus] = mapped_column(
        enum_column(AttemptStatus, 20), default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Time limit (with accommodations) or closing time; answers after it are refused.
    deadline_at: Mapped[dt.datetime | None] = mapped_column()
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    #: Score in [0, 1] of the automatically scored part, once submitted.
    score: Mapped[float | None] = mapped_column(Float)
    #: Per item: score, max score, status and feedback.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    def __repr__(self) -> str:
        return f"<Attempt {self.id} {self.activity_id}#{self.number} user={self.user_id}>"


class LearnerAccommodation(Base):
    """Extra time and attempts an instructor grants one learner in one course."""

    __tablename__ = "accommodation"
    __table_args__ = (
        UniqueConstraint("context_id", "user_id"),
        CheckConstraint("extra_time_multiplier >= 1 AND extra_time_multiplier <= 4", name="time"),
        CheckConstraint("extra_attempts >= 0 AND extra_attempts <= 10", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    #: 1.5 means half as much time again on every timed quiz and exam.
    extra_time_multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
