"""Sections of a course and what a placement is due by: what reports above one course read.

A section is a part of one course's roster the LMS names: an NRPS group enrollment
(``group_enrollments``) or a section a launch reports. It hangs below a context, so a
query that starts from a deployment stays inside its tenant. Due dates live on the
resource link (``ResourceLink.available_*``, ``due_at``, ``target_date``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class CourseSection(Base):
    """A section (or group) of one course, as the LMS identifies it."""

    __tablename__ = "course_section"
    __table_args__ = (UniqueConstraint("context_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    #: The platform's id of the section or group.
    section_id: Mapped[str] = mapped_column(String(255))
    #: Its name, where the LMS sent one (NRPS gives ids only); empty otherwise.
    name: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CourseSection {self.id} context={self.context_id} {self.section_id}>"


class SectionMember(Base):
    """A user in a section, as of the latest roster read or launch that listed them."""

    __tablename__ = "section_member"

    section_id: Mapped[int] = mapped_column(
        ForeignKey("course_section.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True
    )


class DueReminder(Base):
    """A due-date reminder emailed to a learner for a placement: at most one each."""

    __tablename__ = "due_reminder"

    resource_link_id: Mapped[int] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
