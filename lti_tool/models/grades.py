"""What SkillCert knows about the LMS's gradebook beyond the scores it queued (jobs)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class GradeOverride(Base):
    """A learner's grade changed in the LMS after SkillCert delivered its score: a teacher's
    decision that reconcile respects instead of re-sending (issue 20).

    It holds while the score it was seen against (``job_id``) is the newest SkillCert
    queued for the link and learner; a newer score (a regrade, or an instructor's "send
    SkillCert's score again") is delivered as usual. ``job_id`` is no foreign key: done
    jobs are purged, and the override outlives them.
    """

    __tablename__ = "grade_override"

    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True
    )
    job_id: Mapped[int] = mapped_column()
    #: SkillCert's score as sent and what the LMS holds instead, on the 0 to 100 scale.
    sent_score: Mapped[float | None] = mapped_column(Float)
    lms_score: Mapped[float | None] = mapped_column(Float)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
