"""The issuer's identity: a did:web for the tool's public host and its Ed25519 keys.

``did:web:<host>`` (a port percent-encoded, a path as ``:``-separated segments) resolves
to ``/.well-known/did.json`` on the host (``<path>/did.json`` with a path), which lists
every key not retired as a Multikey verification method allowed for ``assertionMethod``.
A rotation adds a key that signs from then on; the keys it supersedes stay published, so
credentials they signed keep verifying. Only retiring a key (after a compromise) removes it.
"""

from __future__ import annotations

import functools
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from lti_tool import keyring
from lti_tool.credentials.multibase import ed25519_from_multikey, ed25519_multikey
from lti_tool.credentials.proofs import add_proof
from lti_tool.db import settings_of
from lti_tool.lti import keys as lti_keys
from lti_tool.lti.keys import ring_for_new_key
from lti_tool.models import IssuerKey, utcnow

log = logging.getLogger(__name__)

#: What an issuer key's private half becomes when the KEK that encrypted it was lost.
LOST = "lost with the key-encryption key"

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_web(base_url: str) -> str:
    """The tool's DID: ``did:web:skillcert.example.edu``, ``did:web:127.0.0.1%3A5000``."""
    parts = urlsplit(base_url)
    did = "did:web:" + quote(parts.netloc, safe="")
    segments = [s for s in parts.path.split("/") if s]
    return ":".join([did, *(quote(s, safe="") for s in segments)])


def did_document_path(base_url: str) -> str:
    """Where the DID document is served, relative to the tool's base URL."""
    return "/did.json" if urlsplit(base_url).path.strip("/") else "/.well-known/did.json"


def verification_method_id(did: str, key: IssuerKey) -> str:
    return f"{did}#{key.public_key_multibase}"


def new_key(ring: keyring.KeyRing) -> IssuerKey:
    """A new Ed25519 key; its private half encrypted with ``ring``."""
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return IssuerKey(
        public_key_multibase=ed25519_multikey(raw), private_key_encrypted=ring.encrypt(pem)
    )


def published_keys(session: Session) -> list[IssuerKey]:
    """Every key not retired, newest first."""
    return list(
        session.scalars(
            select(IssuerKey)
            .where(IssuerKey.retired_at.is_(None))
            .order_by(IssuerKey.created_at.desc(), IssuerKey.id.desc())
        )
    )


def signing_key(session: Session) -> IssuerKey:
    """The key that signs now, creating the first one if the issuer has none."""
    for key in published_keys(session):
        if key.superseded_at is None:
            return key
    key = new_key(ring_for_new_key(session))
    session.add(key)
    session.flush()
    log.info("Created the first issuer key %s", key.public_key_multibase)
    return key


def rotate(session: Session) -> IssuerKey:
    """A new signing key; the keys it supersedes stay published."""
    now = utcnow()
    for key in published_keys(session):
        if key.superseded_at is None:
            key.superseded_at = now
    key = new_key(ring_for_new_key(session))
    session.add(key)
    session.flush()
    log.info("Rotated issuer keys: new key %s", key.public_key_multibase)
    return key


def replace_lost(session: Session, ring: keyring.KeyRing) -> int:
    """After the KEK is lost: new tool and issuer keys encrypted with ``ring``.

    The issuer's old keys stay published (their public halves verify what they signed) but
    never sign again; their unreadable private halves are overwritten. Returns how many
    issuer keys were superseded.
    """
    lti_keys.replace_all(session, ring)
    now = utcnow()
    old = list(session.scalars(select(IssuerKey)))
    for key in old:
        key.private_key_encrypted = ring.encrypt(LOST)
        key.superseded_at = key.superseded_at or now
    key = new_key(ring)
    session.add(key)
    session.flush()
    log.warning("Replaced unreadable issuer keys: new key %s", key.public_key_multibase)
    return len(old)


def retire(session: Session, public_key_multibase: str) -> IssuerKey | None:
    """Unpublish a key: what it signed no longer verifies. None if no such published key."""
    key = session.scalar(
        select(IssuerKey).where(
            IssuerKey.public_key_multibase == public_key_multibase, IssuerKey.retired_at.is_(None)
        )
    )
    if key is None:
        return None
    key.retired_at = utcnow()
    key.superseded_at = key.superseded_at or key.retired_at
    log.warning("Retired issuer key %s", public_key_multibase)
    return key


def did_document(session: Session, did: str) -> dict[str, Any]:
    """The DID document: each published key as a Multikey, all usable for assertions."""
    methods = [
        {
            "id": verification_method_id(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in published_keys(session)
    ]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def private_key(key: IssuerKey) -> Ed25519PrivateKey:
    """The key's private half, decrypted with the KEK."""
    ring = keyring.load(settings_of(object_session(key)))
    return _parsed_private_key(key.private_key_encrypted, ring)


@functools.lru_cache(maxsize=64)
def _parsed_private_key(stored: str, ring: keyring.KeyRing) -> Ed25519PrivateKey:
    """Decrypted and parsed once per process per key."""
    key = serialization.load_pem_private_key(ring.decrypt(stored).encode("ascii"), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("an issuer key is not Ed25519")
    return key


@functools.lru_cache(maxsize=256)
def public_key(public_key_multibase: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(ed25519_from_multikey(public_key_multibase))


def sign(session: Session, did: str, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with an eddsa-rdfc-2022 proof by the current signing key."""
    key = signing_key(session)
    return add_proof(document, private_key(key), verification_method_id(did, key), utcnow())
