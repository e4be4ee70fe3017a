"""The tool's own RSA signing keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, utcnow


class ToolKey(Base):
    """An RSA key pair. The newest unretired key signs; every unretired key is published.

    A rotated-out key keeps ``retire_after`` in the future for the overlap period, so
    platforms that cached our JWKS still verify what it signed.
    """

    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: PKCS#8 PEM encrypted with the key-encryption key (a Fernet token, lti_tool.keyring).
    #: Never logged, never served.
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    #: The public half as a JWK (with kid, alg and use), served at /lti/jwks.json.
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Set when a newer key replaces this one: published until then, retired after.
    retire_after: Mapped[dt.datetime | None] = mapped_column()

    def is_published(self, now: dt.datetime) -> bool:
        return self.retire_after is None or self.retire_after > now

    def __repr__(self) -> str:
        return f"<ToolKey {self.id} kid={self.kid}>"
