"""Verifiable credentials: issuer keys, issued credentials, their status lists.

A credential row keeps the signed Open Badges 3.0 JSON exactly as issued (what the
learner downloads and a verifier checks) next to the columns the tool queries: whose it
is, for which track, its validity window, its status-list position and its state.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow


class IssuerKey(Base):
    """An Ed25519 key of the issuer's did:web identity.

    The newest key not yet superseded signs; every key not retired is published in the
    DID document, so credentials signed before a rotation still verify. Retiring a key
    (a compromise) makes what it signed unverifiable.
    """

    __tablename__ = "issuer_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Multikey ``publicKeyMultibase``; also the DID URL fragment of the verification method.
    public_key_multibase: Mapped[str] = mapped_column(String(64), unique=True)
    #: PKCS#8 PEM encrypted with the key-encryption key (a Fernet token, lti_tool.keyring).
    #: Never logged, never served.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Set by a rotation: the key stops signing but stays published.
    superseded_at: Mapped[dt.datetime | None] = mapped_column()
    #: Set when an operator retires the key: it leaves the DID document.
    retired_at: Mapped[dt.datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<IssuerKey {self.id} {self.public_key_multibase}>"


class StatusPurpose(enum.StrEnum):
    """What a set bit in a status list means. Only revocation for now: the OB 3.0 schema
    allows one ``credentialStatus`` per credential."""

    REVOCATION = "revocation"


class CredentialState(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  #: for good


class StatusList(Base):
    """A signed BitstringStatusListCredential, kept as served and re-signed on each change."""

    __tablename__ = "credential_status_list"
    __table_args__ = (UniqueConstraint("number", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column()
    purpose: Mapped[StatusPurpose] = mapped_column(enum_column(StatusPurpose, 20))
    #: The signed status list credential served at /credentials/status/<number>.
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Credential(Base):
    """An OpenBadgeCredential issued to a learner for a track.

    ``period`` counts validity periods: 0 for the award, one more for each renewal or
    re-issue, so (learner, track, period) is unique and issuing twice is impossible.
    """

    __tablename__ = "credential"
    __table_args__ = (
        UniqueConstraint("user_id", "track_id", "period"),
        UniqueConstraint("status_list", "status_index"),
        Index("ix_credential_registration_user", "registration_id", "user_id"),
    )

    #: A random UUID: the credential's ``urn:uuid:`` id and its public page's address.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: The tenant and the learner (a user of that registration).
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(String(64))
    track_version: Mapped[str] = mapped_column(String(32))
    period: Mapped[int] = mapped_column(default=0)
    #: The credential this one renews or replaces (None for the first award).
    previous_id: Mapped[str | None] = mapped_column(ForeignKey("credential.id"))
    #: The achievement as certified then (name, criteria, competencies), for display.
    achievement: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The original award date: kept through renewals.
    awarded_at: Mapped[dt.datetime] = mapped_column()
    valid_from: Mapped[dt.datetime] = mapped_column()
    valid_until: Mapped[dt.datetime] = mapped_column()
    status_list: Mapped[int] = mapped_column()
    status_index: Mapped[int] = mapped_column()
    state: Mapped[CredentialState] = mapped_column(
        enum_column(CredentialState, 20), default=CredentialState.ACTIVE
    )
    #: Why, by whom and when the state last changed.
    state_reason: Mapped[str | None] = mapped_column(Text)
    state_changed_by: Mapped[str | None] = mapped_column(String(200))
    state_changed_at: Mapped[dt.datetime | None] = mapped_column()
    #: "system" when completing the track issued it, else the operator who issued it by hand.
    issued_by: Mapped[str] = mapped_column(String(200))
    #: Why an operator issued it by hand (empty when issued on completion).
    issue_reason: Mapped[str] = mapped_column(Text, default="")
    #: The signed credential, exactly as issued.
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Credential {self.id} user={self.user_id} track={self.track_id}>"


class CredentialPreference(Base):
    """A learner's choices for their credentials (the name is left out unless they opt in;
    no email address is kept unless they ask for reminders by email)."""

    __tablename__ = "credential_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("lti_user.id", ondelete="CASCADE"), primary_key=True
    )
    include_name: Mapped[bool] = mapped_column(default=False)
    #: Where the reminders the learner asked for go; kept only while one kind is on.
    reminder_email: Mapped[str | None] = mapped_column(String(320))
    #: Whether credential expiry reminders go to ``reminder_email`` (opted in on My
    #: credentials; separate from due-date reminders, so one never switches on the other).
    expiry_reminders: Mapped[bool] = mapped_column(default=False)
    #: The page language when they opted in: the reminders' language.
    reminder_locale: Mapped[str] = mapped_column(String(8), default="en")
    #: Whether due-date reminders go to ``reminder_email`` (opted in on My progress).
    due_date_reminders: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CredentialReminder(Base):
    """An expiry reminder emailed for a credential: at most one per threshold (days before)."""

    __tablename__ = "credential_reminder"

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), primary_key=True
    )
    #: The threshold it was sent for: 180, 90 or 30 days before ``valid_until``.
    days_before: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
