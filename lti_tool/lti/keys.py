"""The tool's RSA keys: create, rotate with overlap, publish as JWKS, sign.

The newest published key signs. ``rotate`` adds a key and gives the ones it replaces a
``retire_after`` in the future, so platforms that cached our JWKS keep verifying; once
that passes they leave the JWKS, and the next rotation deletes them.

Private keys are stored encrypted with the key-encryption key (``lti_tool.keyring``);
``reencrypt`` moves every stored private key, the tool's and the issuer's, to a new one.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import logging
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.api_jwk import PyJWK
from jwt.exceptions import InvalidKeyError
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, object_session

from lti_tool import keyring
from lti_tool.db import rowcount, settings_of
from lti_tool.models import IssuerKey, Operator, ToolKey, utcnow

log = logging.getLogger(__name__)


def _thumbprint_kid(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint: a kid derived from the key itself."""
    members = {k: public_jwk[k] for k in ("e", "kty", "n")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def new_key(ring: keyring.KeyRing) -> ToolKey:
    """A new key pair; its private half encrypted with ``ring``."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    exported = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public_jwk = {name: exported[name] for name in ("kty", "n", "e")}
    kid = _thumbprint_kid(public_jwk)
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return ToolKey(kid=kid, private_key_encrypted=ring.encrypt(pem), public_jwk=public_jwk)


def published_keys(session: Session, now: dt.datetime | None = None) -> list[ToolKey]:
    now = now or utcnow()
    keys = session.scalars(select(ToolKey).order_by(ToolKey.created_at.desc(), ToolKey.id.desc()))
    return [key for key in keys if key.is_published(now)]


def ensure_key(session: Session) -> ToolKey:
    """The current signing key, creating the first one if the tool has none."""
    keys = published_keys(session)
    if keys:
        return keys[0]
    key = new_key(ring_for_new_key(session))
    session.add(key)
    session.flush()
    log.info("Created the first tool key kid=%s", key.kid)
    return key


def rotate(session: Session, overlap: dt.timedelta) -> ToolKey:
    """Add a new signing key; keep the keys it replaces published for ``overlap``."""
    now = utcnow()
    deleted = rowcount(
        session.execute(
            delete(ToolKey).where(ToolKey.retire_after.is_not(None), ToolKey.retire_after <= now)
        )
    )
    for key in published_keys(session, now):
        if key.retire_after is None:
            key.retire_after = now + overlap
    key = new_key(ring_for_new_key(session))
    session.add(key)
    session.flush()
    log.info("Rotated tool keys: new kid=%s, %d retired key(s) deleted", key.kid, deleted)
    return key


def retire(session: Session, kid: str) -> ToolKey | None:
    """Stop publishing a rotated-out key now instead of at the end of its overlap (it leaked,
    or no platform caches it any more). None if no published key has this kid.

    Raises ValueError for the key that signs: rotate first, so that a key always signs.
    """
    now = utcnow()
    keys = published_keys(session, now)
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return None
    if key is keys[0]:
        raise ValueError(f"Key {kid} signs the tool's messages: rotate first, then retire it.")
    key.retire_after = now
    log.warning("Retired tool key kid=%s", kid)
    return key


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The public JWKS: every published key, newest first. Never a private member."""
    return {"keys": [dict(key.public_jwk) for key in published_keys(session)]}


def signing_jwk(key: ToolKey) -> PyJWK:
    """The private key of ``key`` for PyJWT, with its kid."""
    ring = keyring.load(settings_of(object_session(key)))
    return _parsed_jwk(key.kid, key.private_key_encrypted, ring)


@functools.lru_cache(maxsize=4)
def _parsed_jwk(kid: str, stored: str, ring: keyring.KeyRing) -> PyJWK:
    # Parsing checks the RSA key (tens of ms); every grade delivery asks for it.
    pem = ring.decrypt(stored)
    private = serialization.load_pem_private_key(pem.encode("ascii"), None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise InvalidKeyError("Not a public or private key")  # what to_jwk itself raises
    jwk = RSAAlgorithm.to_jwk(private, as_dict=True)
    jwk["kid"] = kid
    return PyJWK(jwk, algorithm="RS256")


def ring_for_new_key(session: Session) -> keyring.KeyRing:
    """The KEK to encrypt a new private key (the tool's or the issuer's) with.

    When private keys are stored already, it must decrypt them: a new key is never
    encrypted with a KEK other than theirs. Only the first key makes a new KEK file.
    """
    stored = any_stored_private_key(session)
    ring = keyring.load(settings_of(session), create=stored is None)
    if stored is not None:
        ring.decrypt(stored)
    return ring


def reencrypt(session: Session, current: keyring.KeyRing, new: keyring.KeyRing) -> int:
    """Encrypt every stored private key, the tool's and the issuer's, with ``new``, and the
    operator console's TOTP secrets with them.

    All are decrypted first, so a wrong ``current`` raises before anything changes; the
    caller's transaction makes it all or nothing. Returns how many keys were re-encrypted.
    """
    if session.get_bind().dialect.name == "postgresql":
        # No process adds a key sealed with the old KEK while this runs (reads go on).
        session.execute(text("LOCK TABLE tool_key, issuer_key, operator IN EXCLUSIVE MODE"))
    rows: list[ToolKey | IssuerKey] = [
        *session.scalars(select(ToolKey).order_by(ToolKey.id)),
        *session.scalars(select(IssuerKey).order_by(IssuerKey.id)),
    ]
    operators = session.scalars(
        select(Operator).where(Operator.totp_secret_encrypted.is_not(None)).order_by(Operator.id)
    ).all()
    pems = [current.decrypt(row.private_key_encrypted) for row in rows]
    totp_secrets = [current.decrypt(operator.totp_secret_encrypted or "") for operator in operators]
    for row, pem in zip(rows, pems, strict=True):
        row.private_key_encrypted = new.encrypt(pem)
    for operator, secret in zip(operators, totp_secrets, strict=True):
        operator.totp_secret_encrypted = new.encrypt(secret)
    session.flush()
    return len(rows)


def any_stored_private_key(session: Session) -> str | None:
    """One stored (encrypted) private key, the tool's or the issuer's; None if none is."""
    return session.scalar(select(ToolKey.private_key_encrypted).limit(1)) or session.scalar(
        select(IssuerKey.private_key_encrypted).limit(1)
    )


def replace_all(session: Session, ring: keyring.KeyRing) -> ToolKey:
    """Delete every tool key and add a new one encrypted with ``ring`` (a lost KEK)."""
    deleted = rowcount(session.execute(delete(ToolKey)))
    key = new_key(ring)
    session.add(key)
    session.flush()
    log.warning("Replaced %d unreadable tool key(s): new kid=%s", deleted, key.kid)
    return key
