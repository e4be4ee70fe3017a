"""Rubric marks, one row per grader, and the audit trail of every grading action.

A piece of rubric work (``project``, ``item:<id>`` or ``step:<node>`` of an attempt) gets
one mark, or two blind marks when it falls in its rubric's double-marked share, and a
final mark when a moderator settles a disagreement or an instructor re-grades. Which mark
counts is decided in ``lti_tool.learning.rubric_grading``; the attempt's result holds the
released one. The tenant and course columns repeat the attempt's so every query is scoped
without a join. ``GradingEvent`` rows are only ever added by grading, never changed.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow
from lti_tool.models.lti import CourseScoped

#: "item:" or "step:" and a 64-character id, with room to spare.
PIECE_KEY_LENGTH = 80


class MarkRole(enum.StrEnum):
    """A grader's own mark (first or second), or a final one that overrides the marks."""

    MARK = "mark"
    FINAL = "final"


class RubricMark(CourseScoped, Base):
    """One grader's level per criterion for one piece of work."""

    __tablename__ = "rubric_mark"
    __table_args__ = (UniqueConstraint("attempt_id", "piece_key", "grader_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), index=True
    )
    piece_key: Mapped[str] = mapped_column(String(PIECE_KEY_LENGTH))
    grader_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    role: Mapped[MarkRole] = mapped_column(enum_column(MarkRole, 10))
    #: criterion id → level id
    levels: Mapped[dict[str, str]] = mapped_column(JSONType)
    #: criterion id → the grader's comment on it (criteria without one are left out)
    comments: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(Float)
    marked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<RubricMark {self.id} attempt={self.attempt_id} {self.piece_key} {self.role}>"


class GradingAction(enum.StrEnum):
    MARK = "mark"  #: the first (or only) mark
    SECOND_MARK = "second_mark"
    MODERATION = "moderation"  #: a final mark settling two marks that disagree
    REGRADE = "regrade"  #: a final mark replacing a released one


class GradingOutcome(enum.StrEnum):
    """Where the piece stood after the action."""

    AWAITING_SECOND_MARK = "awaiting_second_mark"
    MODERATION = "moderation"
    RELEASED = "released"


class GradingEvent(CourseScoped, Base):
    """Who did what to which piece, when, and what changed (old → new levels and score)."""

    __tablename__ = "grading_event"
    __table_args__ = (Index("ix_grading_event_course", "context_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), index=True
    )
    piece_key: Mapped[str] = mapped_column(String(PIECE_KEY_LENGTH))
    actor_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    action: Mapped[GradingAction] = mapped_column(enum_column(GradingAction, 20))
    outcome: Mapped[GradingOutcome] = mapped_column(enum_column(GradingOutcome, 30))
    #: ``{"levels": {criterion: level}, "score": points}`` released before (None: none yet)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: the same for the mark this action saved
    after: Mapped[dict[str, Any]] = mapped_column(JSONType)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<GradingEvent {self.id} attempt={self.attempt_id} {self.piece_key} {self.action}>"
