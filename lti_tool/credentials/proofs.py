"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite, one function per spec step.

W3C Data Integrity EdDSA Cryptosuites v1.0, section 3.2 (eddsa-rdfc-2022):
https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022

- transformation (3.2.3): the unsecured document, canonicalised with RDFC-1.0;
- proof configuration (3.2.5): the proof options without ``proofValue``, with the
  document's ``@context``, canonicalised the same way;
- hashing (3.2.4): SHA-256(canonical proof configuration) || SHA-256(canonical document);
- serialization (3.2.6) and verification (3.2.7): Ed25519 over that hash data,
  ``proofValue`` in multibase base58btc.

``proof`` is kept as an array (the Open Badges 3.0 schema requires one); a verifier
accepts a single object too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lti_tool.credentials.jsonld import canonicalize
from lti_tool.credentials.multibase import MultibaseError, decode_base58btc, encode_base58btc

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"


class ProofError(ValueError):
    """The proof is missing, malformed or does not verify; the message says which."""


def xsd_datetime(moment: dt.datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as VCs write them: 2026-11-25T15:00:00Z."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- the spec's steps ---------------------------------------------------------------------


def transform(unsecured: dict[str, Any]) -> str:
    """3.2.3 Transformation: the document without its proof, as canonical N-Quads."""
    return canonicalize(unsecured)


def proof_configuration(options: dict[str, Any], document_context: Any) -> str:
    """3.2.5 Proof Configuration: the proof options (no ``proofValue``) with the document's
    ``@context``, as canonical N-Quads."""
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    config = {key: value for key, value in options.items() if key != "proofValue"}
    config["@context"] = document_context
    return canonicalize(config)


def hash_data(canonical_config: str, canonical_document: str) -> bytes:
    """3.2.4 Hashing: SHA-256 of the proof configuration, then of the document."""
    return (
        hashlib.sha256(canonical_config.encode()).digest()
        + hashlib.sha256(canonical_document.encode()).digest()
    )


# -- adding and verifying a proof ---------------------------------------------------------


def add_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: dt.datetime,
) -> dict[str, Any]:
    """A copy of ``document`` with a new proof appended to its ``proof`` array.

    Raises ``JsonLdError`` if the document has terms its contexts do not define.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION_METHOD,
    }
    data = hash_data(proof_configuration(options, unsecured["@context"]), transform(unsecured))
    proof = {**options, "proofValue": encode_base58btc(private_key.sign(data))}
    return {**unsecured, "proof": [*_proofs(document), proof]}


@dataclasses.dataclass(frozen=True)
class VerifiedProof:
    verification_method: str
    created: str


#: Finds the public key of a verification method id for ``purpose``, or raises ProofError.
KeyResolver = Callable[[str, str], Ed25519PublicKey]


def verify_proof(secured: dict[str, Any], resolve_key: KeyResolver) -> VerifiedProof:
    """Verify the document's one eddsa-rdfc-2022 proof; raises ``ProofError`` (or
    ``JsonLdError`` for a document that cannot be canonicalised) when it does not hold."""
    ours = [p for p in _proofs(secured) if isinstance(p, dict) and p.get("type") == PROOF_TYPE]
    if not ours:
        raise ProofError(f"the credential has no {PROOF_TYPE} proof")
    if len(ours) > 1:
        raise ProofError("the credential has more than one Data Integrity proof")
    (proof,) = ours
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"the proof's cryptosuite {proof.get('cryptosuite')!r} is not supported "
            f"(SkillCert verifies {CRYPTOSUITE})"
        )
    purpose, method = proof.get("proofPurpose"), proof.get("verificationMethod")
    if purpose != ASSERTION_METHOD:
        raise ProofError(f"the proof's purpose is {purpose!r}, not {ASSERTION_METHOD}")
    if not isinstance(method, str) or not isinstance(proof.get("created"), str):
        raise ProofError("the proof has no verificationMethod or created date")
    try:
        signature = decode_base58btc(proof.get("proofValue"))
    except MultibaseError as exc:
        raise ProofError(f"the proofValue is {exc}") from None
    public_key = resolve_key(method, purpose)
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    if "@context" not in unsecured:
        raise ProofError("the credential has no @context")
    data = hash_data(proof_configuration(proof, unsecured["@context"]), transform(unsecured))
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise ProofError(
            "the signature does not match: the credential was changed after it was signed"
        ) from None
    return VerifiedProof(method, proof["created"])


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]
