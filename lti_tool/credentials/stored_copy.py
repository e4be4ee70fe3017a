"""Recognising an exact copy of a credential this issuer stored, whose proof need not be
computed again (docs/credentials.md, "Exact copies of stored credentials").

A credential's row is written once, by ``issuing.issue``, holding the document that
``keys.sign`` has just proved; nothing rewrites it (revoking flips a bit in a status list,
renewing issues a new row). A posted document whose JSON value is the stored one's has
the same canonical form, so its signature verifies exactly as the stored one's did. Only
what can change after signing is still checked each time: whether the signing key is
still published (here), and the status and validity window (``verify``).

"The same JSON value" ignores what JSON itself does not carry — key order, whitespace,
how a character is escaped — and nothing else: ``true`` is not ``1``, ``1`` is not
``1.0``, and one changed character anywhere makes the copy go through the full check.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.credentials.proofs import KeyResolver, VerifiedProof
from lti_tool.models import Credential

_ID_PREFIX = "urn:uuid:"
_UUID_LENGTH = 36


def verify_stored_copy(
    session: Session, document: dict[str, Any], resolve_key: KeyResolver
) -> VerifiedProof | None:
    """The proof of the stored credential ``document`` is an exact copy of, its key still
    published; None when it is no such copy (the caller then checks the proof in full).

    Raises ``ProofError`` (from ``resolve_key``) when the key that signed it has been
    retired since.
    """
    credential_id = _credential_id(document)
    if credential_id is None:
        return None
    stored = session.scalar(select(Credential.document).where(Credential.id == credential_id))
    if stored is None:
        return None
    posted = _json_value(document)
    if posted is None or posted != _json_value(stored):
        return None
    proofs = stored.get("proof")
    if not isinstance(proofs, list) or len(proofs) != 1:
        return None
    (proof,) = proofs
    resolve_key(proof["verificationMethod"], proof["proofPurpose"])
    return VerifiedProof(proof["verificationMethod"], proof["created"])


def _credential_id(document: dict[str, Any]) -> str | None:
    value = document.get("id")
    if not isinstance(value, str) or not value.startswith(_ID_PREFIX):
        return None
    credential_id = value.removeprefix(_ID_PREFIX)
    return credential_id if len(credential_id) == _UUID_LENGTH else None


def _json_value(document: Any) -> str | None:
    """``document`` as JSON text that only equal JSON values share (None: not JSON)."""
    try:
        return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return None
