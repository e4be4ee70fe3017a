"""A learner's data lifecycle: who looked at whose work, and which learners were erased.

``AccessLogEntry`` rows record staff access to learners' work and learners' own exports;
``ErasureRecord`` rows say that a learner's data was erased, when, by whom and what went,
naming the learner only by a keyed hash (``lti_tool.privacy.erasure.learner_reference``).
Both are purged or kept under ``lti_tool.privacy.retention``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow
from lti_tool.models.lti import CourseScoped


class AccessKind(enum.StrEnum):
    """What was looked at or done."""

    #: An instructor's page of one learner's attempts and lab submissions.
    LEARNER_WORK = "learner_work"
    #: The rubric grading queue (the work listed on it).
    GRADING = "grading"
    #: A grade saved from the grading queue.
    GRADE = "grade"
    #: The moderation queue (double-marked work whose marks disagree).
    MODERATION = "moderation"
    #: One attempt's marking page (its marks and audit trail); a final mark set there is a
    #: ``GRADE``.
    MARKING = "marking"
    #: A project file downloaded by staff.
    PROJECT_FILE = "project_file"
    #: The course's gradebook as CSV (every learner of the course: no learner named).
    GRADEBOOK_CSV = "gradebook_csv"
    #: A learner downloaded a copy of their own data.
    EXPORT = "export"
    #: A learner's data was erased (the entry names no learner: see ``ErasureRecord``).
    ERASURE = "erasure"
    #: An organisation report as CSV or XLSX (a district's or a school's: no learner named).
    REPORT_EXPORT = "report_export"


class AccessLogEntry(CourseScoped, Base):
    """One access by one person to one learner's work (or to a whole course's, when
    ``learner_id`` is None), in one tenant and course."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_tenant", "registration_id", "deployment_id", "id"),
        Index("ix_access_log_learner", "learner_id"),
        Index("ix_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Who: a user of the registration (None when the operator acted from the command line,
    #: or when that user row is gone), and the SkillCert role they acted in.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[AccessKind] = mapped_column(enum_column(AccessKind, 30))
    #: Whose work: a user of the registration; None for a whole course (gradebook CSV).
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    #: The attempts (quiz, exam, scenario, project) and lab submissions concerned, by id;
    #: plain ids, not foreign keys: the entry outlives the work (retention, erasure).
    attempt_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    lab_submission_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    #: The project file downloaded, by id (same reason).
    file_id: Mapped[int | None] = mapped_column()
    #: What else identifies the access: "sample/basics-quiz", a piece key. Never personal data.
    detail: Mapped[str] = mapped_column(String(200), default="")

    def __repr__(self) -> str:
        return f"<AccessLogEntry {self.id} {self.kind} actor={self.actor_id} of={self.learner_id}>"


class ErasureRecord(Base):
    """A learner's data erased: by an LMS administrator (a course or a deployment) or by
    the operator (the whole registration)."""

    __tablename__ = "erasure_record"
    __table_args__ = (Index("ix_erasure_record_reference", "registration_id", "learner_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    #: The deployment (and course) the erasure covered; None: all of the registration.
    deployment_id: Mapped[int | None] = mapped_column(
        ForeignKey("deployment.id", ondelete="CASCADE")
    )
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    #: HMAC-SHA256 of the tool's secret key over the registration and the learner's LMS
    #: user id (``sub``): the same request can be recognised, the sub not recovered.
    learner_ref: Mapped[str] = mapped_column(String(64))
    #: "lms-administrator:user-<id>", or "operator:<login>" from the command line.
    requested_by: Mapped[str] = mapped_column(String(200))
    #: The request's reference (a ticket number); the form asks for no personal data here.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: What went, by kind: {"attempts": 3, "lab_submissions": 1, "project_files": 2, …}.
    removed: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: Whether the learner's credentials were revoked (else they stay verifiable).
    credentials_revoked: Mapped[bool] = mapped_column(default=False)
    #: Whether the learner's user record (name, LMS id, preferences, e-mail) was cleared;
    #: False when they are still a member of courses the erasure did not cover.
    user_record_cleared: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<ErasureRecord {self.id} registration={self.registration_id} at={self.at}>"
