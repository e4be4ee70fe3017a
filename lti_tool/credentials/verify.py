"""Verifying a credential: proof, issuer key, status and validity window, as a verdict.

Used by the public page (our own stored credential) and ``POST /api/verify`` (any JSON).
Nothing here raises on bad input or fetches anything: every problem becomes a failed
check with a reason. Only credentials of this issuer are verified — its did:web is
resolved from our own keys, never over the network; any other issuer is refused with a
reason. Status comes from our own stored status lists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from lti_tool.credentials import keys, statuslist
from lti_tool.credentials.jsonld import CREDENTIALS_V2, JsonLdError
from lti_tool.credentials.multibase import MultibaseError
from lti_tool.credentials.proofs import ProofError, verify_proof
from lti_tool.models import utcnow
from lti_tool.settings import Settings


@dataclasses.dataclass(frozen=True)
class Check:
    #: format, issuer, proof, status, validity
    check: str
    passed: bool
    #: A stable problem code (``ok`` when passed), for programs and translated pages.
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    checks: tuple[Check, ...]

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def failed(self, code: str) -> bool:
        return any(check.code == code for check in self.checks if not check.passed)

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "checks": [dataclasses.asdict(check) for check in self.checks],
            "errors": [check.message for check in self.checks if not check.passed],
        }


def invalid(check: str, code: str, message: str) -> Verdict:
    return Verdict((Check(check, False, code, message),))


def verify(
    session: Session, settings: Settings, document: Any, now: dt.datetime | None = None
) -> Verdict:
    """The verdict on ``document`` (parsed JSON of any shape)."""
    now = now or utcnow()
    problem = _format_problem(document)
    if problem:
        return invalid("format", "malformed", problem)
    checks = [Check("format", True, "ok", "The document is a Verifiable Credential 2.0.")]
    did = keys.did_web(settings.base_url)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != did:
        checks.append(
            Check(
                "issuer",
                False,
                "other_issuer",
                f"The credential was issued by {str(issuer_id)[:200]!r}; this service "
                f"verifies only credentials issued by {did}.",
            )
        )
        return Verdict(tuple(checks))
    checks.append(Check("issuer", True, "ok", f"Issued by {did}."))
    checks.append(_check_proof(session, did, document))
    checks.append(_check_status(session, settings, document))
    checks.append(_check_validity(document, now))
    return Verdict(tuple(checks))


def _format_problem(document: Any) -> str:
    if not isinstance(document, dict):
        return "The credential must be a JSON object."
    context = document.get("@context")
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2:
        return f"The credential's @context must be a list starting with {CREDENTIALS_V2}."
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "The credential's type must be a list that includes VerifiableCredential."
    return ""


def _check_proof(session: Session, did: str, document: dict[str, Any]) -> Check:
    published = {key.public_key_multibase for key in keys.published_keys(session)}

    def resolve(method: str, purpose: str) -> Ed25519PublicKey:
        prefix = did + "#"
        if not method.startswith(prefix):
            raise ProofError(f"the proof's key {method[:200]!r} is not one of {did}'s keys")
        fragment = method.removeprefix(prefix)
        if fragment not in published:
            raise ProofError(
                "the key that signed the credential is not published by the issuer "
                "(unknown, or retired after a compromise)"
            )
        try:
            return keys.public_key(fragment)
        except MultibaseError as exc:
            raise ProofError(f"the issuer key is malformed: {exc}") from None

    try:
        verified = verify_proof(document, resolve)
    except (ProofError, JsonLdError) as exc:
        code = "unverifiable" if isinstance(exc, JsonLdError) else "proof_invalid"
        return Check("proof", False, code, _sentence(str(exc)))
    return Check(
        "proof", True, "ok", f"Signed with {verified.verification_method} ({verified.created})."
    )


def _check_status(session: Session, settings: Settings, document: dict[str, Any]) -> Check:
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return Check("status", False, "no_status", "The credential has no status list entry.")
    url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
    prefix = statuslist.list_url(settings, 0).removesuffix("0")
    number = url.removeprefix(prefix) if isinstance(url, str) and url.startswith(prefix) else ""
    if not number.isdigit() or not isinstance(index, str) or not index.isdigit():
        return Check("status", False, "no_status", "The credential's status entry is malformed.")
    row = statuslist.status_list(session, int(number))
    if row is None or int(index) >= statuslist.LIST_SIZE:
        return Check("status", False, "no_status", "The credential's status list does not exist.")
    subject = row.document["credentialSubject"]
    if entry.get("statusPurpose") != subject["statusPurpose"]:
        return Check("status", False, "no_status", "The status entry's purpose does not match.")
    bits = statuslist.decode(subject["encodedList"])
    if statuslist.is_set(bits, int(index)):
        return Check("status", False, "revoked", "The issuer has revoked this credential.")
    return Check("status", True, "ok", "Not revoked.")


def _check_validity(document: dict[str, Any], now: dt.datetime) -> Check:
    try:
        valid_from = _when(document.get("validFrom"))
        valid_until = _when(document.get("validUntil"))
    except ValueError:
        return Check("validity", False, "malformed", "validFrom or validUntil is not a date.")
    if valid_from is None:
        return Check("validity", False, "malformed", "The credential has no validFrom date.")
    if now < valid_from:
        return Check("validity", False, "not_yet_valid", f"Not valid before {valid_from:%Y-%m-%d}.")
    if valid_until is not None and now > valid_until:
        return Check("validity", False, "expired", f"Expired on {valid_until:%Y-%m-%d}.")
    until = f" until {valid_until:%Y-%m-%d}" if valid_until else ""
    return Check("validity", True, "ok", f"Valid from {valid_from:%Y-%m-%d}{until}.")


def _when(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
