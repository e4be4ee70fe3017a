"""The people who host SkillCert (operators), what they did, and the workers' heartbeats.

Operators are not LMS users: they sign in to /operator with a password and a TOTP code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, utcnow


class Operator(Base):
    """An account on the operator console."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    #: argon2id hash; None until the one-time link is used.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: The TOTP secret, encrypted with the key-encryption key (lti_tool.keyring).
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(500))
    #: sha256 of the one-time setup link's token, and when it stops working.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64))
    invite_expires_at: Mapped[dt.datetime | None] = mapped_column()
    activated_at: Mapped[dt.datetime | None] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    #: The last TOTP time step accepted, so a code is used once.
    last_totp_step: Mapped[int | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Operator {self.id}>"


class OperatorSession(Base):
    """A signed-in console session; the browser holds only a random token."""

    __tablename__ = "operator_session"
    __table_args__ = (Index(None, "expires_at"),)

    #: sha256 of the cookie's token.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The absolute end (``operator_session_hours`` after sign-in).
    expires_at: Mapped[dt.datetime] = mapped_column()


class OperatorRecoveryCode(Base):
    """A single-use code that stands in for a TOTP code (SHA-256 of its 80 random bits)."""

    __tablename__ = "operator_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[dt.datetime | None] = mapped_column()


class AuditEntry(Base):
    """One thing an operator (or the CLI) did: who, what, to what, from which request."""

    __tablename__ = "operator_audit"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id", ondelete="SET NULL"))
    #: Who, as shown: an operator's email, "cli", or "lms" for Dynamic Registration.
    actor: Mapped[str] = mapped_column(String(320))
    #: What, as a dotted name: "registration.approve", "key.rotate", "operator.login".
    action: Mapped[str] = mapped_column(String(80))
    #: To what: "registration 3", "tool key <kid>".
    target: Mapped[str] = mapped_column(String(300), default="")
    #: Anything else worth keeping, never a secret.
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The request's reference id (lti_tool.observability), to match logs.
    reference: Mapped[str] = mapped_column(String(40), default="")


class WorkerHeartbeat(Base):
    """A worker process's latest sign of life, for the health page."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column()
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    jobs_done: Mapped[int] = mapped_column(default=0)


class ErrorReport(Base):
    """A failed request or job, kept so an operator can look up the reference id a person
    was shown ("Reference: 1a2b3c4d") without reading the logs."""

    __tablename__ = "error_report"
    __table_args__ = (Index(None, "at"), Index(None, "reference"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reference: Mapped[str] = mapped_column(String(40))
    #: Where: "GET /lti/launch", "job 42 (gradesync)".
    source: Mapped[str] = mapped_column(String(300))
    #: HTTP status, or None for a job.
    status: Mapped[int | None] = mapped_column()
    #: The error's kind and its first line, never a token, a secret or a learner's answer.
    summary: Mapped[str] = mapped_column(String(500))
