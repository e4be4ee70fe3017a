"""A verdict's checks worded for the public credential page, in the page's language.

``verify`` writes each check's message in English for programs (``/api/verify``) and logs;
the page words the same check again from its name and problem code, with the dates and
keys taken from the credential itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, format_datetime, gettext
from flask_babel import lazy_gettext as _l

from lti_tool.credentials.proofs import PROOF_TYPE
from lti_tool.credentials.verify import Check

#: The checks as the page names them.
CHECK_NAMES = {
    "format": _l("Format"),
    "issuer": _l("Issuer"),
    "proof": _l("Signature"),
    "status": _l("Revocation status"),
    "validity": _l("Validity period"),
}

#: What a failed check found, by problem code (the validity's dates are worded apart).
_PROBLEMS = {
    "malformed": _l("The document is not a credential in the expected format."),
    "too_large": _l("The document is too large to be a credential."),
    "other_issuer": _l(
        "Another issuer signed this credential; this service verifies only its own."
    ),
    "proof_invalid": _l(
        "The signature does not match: the credential was changed after it was signed, "
        "or signed with a key the issuer does not publish."
    ),
    "unverifiable": _l("The credential uses terms this service cannot check."),
    "no_status": _l("The credential has no usable revocation status entry."),
    "revoked": _l("The issuer has revoked this credential."),
}


def check_name(check: Check) -> str:
    return str(CHECK_NAMES.get(check.check, check.check))


def check_result(check: Check, document: dict[str, Any]) -> str:
    """What ``check`` found about ``document`` (the credential it was made on), in words."""
    if check.check == "validity" and check.code in ("ok", "expired", "not_yet_valid"):
        return _validity(check.code, document)
    if not check.passed:
        return str(_PROBLEMS.get(check.code, _PROBLEMS["malformed"]))
    if check.check == "issuer":
        return gettext("Issued by %(issuer)s.", issuer=_issuer_id(document))
    if check.check == "proof":
        proof = _signature(document)
        created = _moment(proof.get("created"))
        return gettext(
            "Signed with the key %(key)s on %(when)s (UTC).",
            key=str(proof.get("verificationMethod", "")),
            when=format_datetime(created, "medium") if created else "—",
        )
    if check.check == "status":
        return gettext("Not revoked.")
    return gettext("The document is a Verifiable Credential 2.0.")


def _validity(code: str, document: dict[str, Any]) -> str:
    start, end = _moment(document.get("validFrom")), _moment(document.get("validUntil"))
    if code == "not_yet_valid" and start is not None:
        return gettext("Not valid before %(date)s.", date=format_date(start, "long"))
    if code == "expired" and end is not None:
        return gettext("Expired on %(date)s.", date=format_date(end, "long"))
    if start is None:
        return str(_PROBLEMS["malformed"])
    if end is None:
        return gettext("Valid from %(start)s.", start=format_date(start, "long"))
    return gettext(
        "Valid from %(start)s until %(end)s.",
        start=format_date(start, "long"),
        end=format_date(end, "long"),
    )


def _signature(document: dict[str, Any]) -> dict[str, Any]:
    """The credential's Data Integrity proof (``proof`` is an array; a verified one holds
    exactly one), or an empty one."""
    proofs = document.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and proof.get("type") == PROOF_TYPE:
            return proof
    return {}


def _issuer_id(document: dict[str, Any]) -> str:
    issuer = document.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def _moment(value: Any) -> dt.datetime | None:
    """An ISO date-time of the credential; None when it has none or it does not parse."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
