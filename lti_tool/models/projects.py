"""Files a learner attaches to a project hand-in, kept in the database with the attempt."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, utcnow


class ProjectFile(Base):
    """One attached file. Whose it is, and in which tenant and course, comes from its
    attempt (``LearnerWork``); every lookup joins the attempt and scopes it. Deleting the
    attempt deletes its files."""

    __tablename__ = "project_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), index=True
    )
    #: Sanitised on arrival (``lti_tool.learning.project_files.safe_filename``).
    filename: Mapped[str] = mapped_column(String(255))
    #: Decided by the server from the extension's allowlist entry, never by the browser.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProjectFile {self.id} attempt={self.attempt_id} {self.filename!r}>"
