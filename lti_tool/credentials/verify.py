"""Verifying a credential: proof, issuer key, status and validity window, as a verdict.

Used by the public page (our own stored credential) and ``POST /api/verify`` (any JSON).
Nothing here raises on bad input or fetches anything: every problem becomes a failed
check with a reason. Only credentials of this issuer are verified — its did:web is
resolved from our own keys, never over the network; any other issuer is refused with a
reason. Status comes from our own stored status lists. An exact copy of a credential
stored here is not canonicalised, nor its signature computed, again (``stored_copy``);
its key, status and dates are checked as for any other.

A learner record (CLR 2.0 ``ClrCredential``, ``clr``) gets the same checks, and one more
once its own signature holds: each credential inside it is verified the same way. The
record and the competency results in it are snapshots without a status list entry: for
them "no status list" passes; a certificate (OpenBadgeCredential) must have one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from lti_tool.credentials import keys, statuslist
from lti_tool.credentials.clr import CLR_TYPE
from lti_tool.credentials.jsonld import CLR_V2P0, CREDENTIALS_V2, JsonLdError
from lti_tool.credentials.multibase import MultibaseError
from lti_tool.credentials.proofs import ProofError, verify_proof
from lti_tool.credentials.stored_copy import verify_stored_copy
from lti_tool.models import utcnow
from lti_tool.settings import Settings

#: The type of this issuer's certificates (``document``): revocable, so they need a status.
CERTIFICATE_TYPE = "OpenBadgeCredential"


@dataclasses.dataclass(frozen=True)
class Check:
    #: format, issuer, proof, status, validity; credentials (those inside a learner record)
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
    checks = [Check("format", True, "ok", _format_message(document))]
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
    proof = _check_proof(session, did, document)
    checks += [proof, _check_status(session, settings, document), _check_validity(document, now)]
    # Only a record this issuer signed gets its credentials verified, one by one.
    if proof.passed and _is_record(document):
        checks.append(_check_embedded(session, settings, document, now))
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
    if CLR_TYPE in types and context[1:2] != [CLR_V2P0]:
        return f"A learner record's @context must name {CLR_V2P0} second."
    return ""


def _is_record(document: dict[str, Any]) -> bool:
    return CLR_TYPE in document["type"]


def _format_message(document: dict[str, Any]) -> str:
    if _is_record(document):
        return "The document is a CLR 2.0 learner record (a Verifiable Credential 2.0)."
    return "The document is a Verifiable Credential 2.0."


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
        stored = verify_stored_copy(session, document, resolve)
        verified = stored or verify_proof(document, resolve)
    except (ProofError, JsonLdError) as exc:
        code = "unverifiable" if isinstance(exc, JsonLdError) else "proof_invalid"
        return Check("proof", False, code, _sentence(str(exc)))
    signed = f"Signed with {verified.verification_method} ({verified.created})"
    if stored:
        return Check("proof", True, "ok", f"{signed}: an exact copy of the credential issued here.")
    return Check("proof", True, "ok", f"{signed}.")


def _check_status(session: Session, settings: Settings, document: dict[str, Any]) -> Check:
    entry = document.get("credentialStatus")
    if entry is None and CERTIFICATE_TYPE not in document["type"]:
        return Check(
            "status",
            True,
            "no_status_list",
            "No status list: a learner record, or a competency result in one, is a "
            "snapshot that is never revoked.",
        )
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


def _check_embedded(
    session: Session, settings: Settings, document: dict[str, Any], now: dt.datetime
) -> Check:
    """Each credential in the learner record, verified as if it were sent on its own."""
    subject = document.get("credentialSubject")
    held = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    held = [held] if isinstance(held, dict) else held
    if not isinstance(held, list) or not held:
        return Check("credentials", False, "malformed", "The learner record holds no credential.")
    problems = []
    for number, credential in enumerate(held, start=1):
        types = credential.get("type") if isinstance(credential, dict) else None
        if isinstance(types, list) and CLR_TYPE in types:
            problems.append(f"credential {number} is itself a learner record")
            continue
        verdict = verify(session, settings, credential, now)
        if not verdict.verified:
            name = credential.get("name") if isinstance(credential, dict) else None
            named = f" ({str(name)[:100]})" if isinstance(name, str) else ""
            problems.append(f"credential {number}{named}: {' '.join(verdict.to_json()['errors'])}")
    if problems:
        return Check(
            "credentials",
            False,
            "credential_invalid",
            f"{len(problems)} of the {len(held)} credentials in the record do not verify: "
            + "; ".join(problems),
        )
    return Check("credentials", True, "ok", f"All {len(held)} credentials in the record verify.")


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
