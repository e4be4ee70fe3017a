"""Launch state that must survive across processes: OIDC state, used nonces, sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, utcnow


class LoginState(Base):
    """What /lti/login promised the platform; consumed by exactly one /lti/launch."""

    __tablename__ = "login_state"
    __table_args__ = (
        Index(None, "expires_at"),
        Index("ix_login_state_client", "client_hash", "expires_at"),
    )

    #: The OIDC ``state`` parameter.
    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The nonce the id_token must carry.
    nonce: Mapped[str] = mapped_column(String(64))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    #: sha256 of the secret the browser holds (cookie or platform storage) to prove
    #: it started this login.
    browser_secret_hash: Mapped[str] = mapped_column(String(64))
    #: The platform's frame for client-side OIDC storage, when it offered one.
    storage_target: Mapped[str | None] = mapped_column(String(100))
    #: The login parameters, to restart the login in a new window when cookies are blocked.
    login_params: Mapped[dict[str, str]] = mapped_column(JSONType)
    expires_at: Mapped[dt.datetime] = mapped_column()
    #: Keyed hash (HMAC-SHA256 with the secret key) of the client address the login came
    #: from, so its unexpired rows can be bounded without storing where anyone connects
    #: from; None on rows from before the column existed.
    client_hash: Mapped[str | None] = mapped_column(String(64))


class ConsumedNonce(Base):
    """A nonce a launch has used, kept until its token could no longer be valid anyway."""

    __tablename__ = "consumed_nonce"
    __table_args__ = (Index(None, "expires_at"),)

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column()


class PlatformNotice(Base):
    """A Platform Notification Service notice received, once per notice id: a replayed
    or re-sent notice finds its row and changes nothing."""

    __tablename__ = "platform_notice"
    __table_args__ = (Index(None, "received_at"),)

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registration.id", ondelete="CASCADE"), primary_key=True
    )
    #: The notice claim's ``id``.
    notice_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: The notice claim's ``type``, e.g. LtiContextCopyNotice.
    notice_type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: What handling it did, for the operator ("copied 3 placements", "ignored: …").
    outcome: Mapped[str] = mapped_column(String(500), default="")


class Launch(Base):
    """A validated launch: the server-side session a browser holds a cookie for.

    Every view reads its tenant (registration, deployment), context, resource link, user
    and role from here, never from the request.
    """

    __tablename__ = "launch"
    __table_args__ = (Index(None, "expires_at"),)

    #: sha256 of the session token in the browser's cookie (the token itself is not stored).
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    message_type: Mapped[str] = mapped_column(String(60))
    #: The claims later requests need (return URL, service endpoints, deep-linking settings).
    claims: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
