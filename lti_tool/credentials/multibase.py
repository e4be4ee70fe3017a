"""Multibase and Multikey encodings used by Data Integrity proofs and DID documents.

base58btc (multibase prefix ``z``) carries proof values and public keys; base64url
(prefix ``u``, no padding) carries status-list bitstrings. A Multikey Ed25519 public key
is the multicodec prefix 0xed01 followed by the 32 raw key bytes.
"""

from __future__ import annotations

import base64

import base58

ED25519_PUB_PREFIX = b"\xed\x01"


class MultibaseError(ValueError):
    """A value is not in the multibase encoding it claims."""


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: object) -> bytes:
    """``value`` comes from a document and may be any JSON value; only a z-string decodes."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MultibaseError("not a base58btc multibase value (it must start with 'z')")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise MultibaseError(f"not valid base58: {exc}") from None


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: object) -> bytes:
    """``value`` comes from a document and may be any JSON value; only a u-string decodes."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("not a base64url multibase value (it must start with 'u')")
    body = value[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise MultibaseError(f"not valid base64url: {exc}") from None


def ed25519_multikey(raw_public_key: bytes) -> str:
    """``publicKeyMultibase`` of an Ed25519 key (Multikey, W3C Controlled Identifiers)."""
    return encode_base58btc(ED25519_PUB_PREFIX + raw_public_key)


def ed25519_from_multikey(value: str) -> bytes:
    decoded = decode_base58btc(value)
    if len(decoded) != 34 or not decoded.startswith(ED25519_PUB_PREFIX):
        raise MultibaseError("not an Ed25519 Multikey (0xed01 and 32 key bytes)")
    return decoded[2:]
