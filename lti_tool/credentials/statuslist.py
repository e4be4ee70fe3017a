"""Revocation status: W3C Bitstring Status List v1.0.

Each credential carries a ``BitstringStatusListEntry`` pointing at one bit of a status
list credential served at ``/credentials/status/<number>``: bit set = revoked. A list has
131,072 entries (16 KiB, the spec's minimum, so one list hides who is who among many);
indexes are drawn at random (the spec's advice for privacy) and a list is closed once half
full, so a free index is found in a few tries. The list credential is re-signed in the
transaction of every revocation, under a row lock, so two revocations at once never lose
one another's bit.
"""

from __future__ import annotations

import gzip
import io
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.credentials import keys
from lti_tool.credentials.jsonld import CREDENTIALS_V2
from lti_tool.credentials.multibase import decode_base64url, encode_base64url
from lti_tool.credentials.proofs import xsd_datetime
from lti_tool.models import Credential, CredentialState, StatusList, StatusPurpose, utcnow
from lti_tool.settings import Settings

LIST_SIZE = 131_072
#: A list takes new credentials until this many are in it.
LIST_CAPACITY = LIST_SIZE // 2
#: How long verifiers and caches may keep a status list: a revocation shows within this.
CACHE_SECONDS = 300


def list_url(settings: Settings, number: int) -> str:
    return settings.url_for(f"/credentials/status/{number}")


def entry(settings: Settings, number: int, index: int) -> dict[str, Any]:
    """The ``credentialStatus`` of the credential at ``index`` in list ``number``."""
    url = list_url(settings, number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": StatusPurpose.REVOCATION.value,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


# -- the bitstring ------------------------------------------------------------------------


def encode(bits: bytes | bytearray) -> str:
    """GZIP, then multibase base64url (the spec's ``encodedList``)."""
    return encode_base64url(gzip.compress(bytes(bits), mtime=0))


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; ValueError when it is not one."""
    try:
        # A list is 16 KiB; refuse a "zip bomb" that would inflate far beyond any real one.
        with gzip.GzipFile(fileobj=io.BytesIO(decode_base64url(encoded))) as stream:
            bits = stream.read(16 * LIST_SIZE + 1)
    except (OSError, EOFError) as exc:
        raise ValueError(f"the encodedList is not GZIP data: {exc}") from None
    if len(bits) > 16 * LIST_SIZE:
        raise ValueError("the encodedList is far larger than a status list")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    """Bit ``index``, counting from the most significant bit of the first byte."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _set(bits: bytearray, index: int) -> None:
    bits[index // 8] |= 0x80 >> (index % 8)


# -- allocating and publishing ------------------------------------------------------------


def allocate(session: Session, settings: Settings) -> tuple[int, int]:
    """A free (list number, index) for a new credential, opening a new list when needed."""
    number = session.scalar(select(func.max(StatusList.number))) or 0
    used = 0
    if number:
        used = session.execute(
            select(func.count()).select_from(Credential).where(Credential.status_list == number)
        ).scalar_one()
    if not number or used >= LIST_CAPACITY:
        number += 1
        publish(session, settings, number)
    while True:
        index = secrets.randbelow(LIST_SIZE)
        taken = session.scalar(
            select(Credential.id).where(
                Credential.status_list == number, Credential.status_index == index
            )
        )
        if taken is None:
            return number, index


def publish(session: Session, settings: Settings, number: int) -> StatusList:
    """(Re-)sign list ``number`` from the credentials' states; creates the list if new.

    Locks the list's row first, so concurrent revocations take turns.
    """
    row = session.scalar(
        select(StatusList)
        .where(StatusList.number == number, StatusList.purpose == StatusPurpose.REVOCATION)
        .with_for_update()
    )
    bits = bytearray(LIST_SIZE // 8)
    for (index,) in session.execute(
        select(Credential.status_index).where(
            Credential.status_list == number, Credential.state == CredentialState.REVOKED
        )
    ):
        _set(bits, index)
    now = utcnow()
    did = keys.did_web(settings.base_url)
    url = list_url(settings, number)
    document = {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": xsd_datetime(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": StatusPurpose.REVOCATION.value,
            "encodedList": encode(bits),
        },
    }
    signed = keys.sign(session, did, document)
    if row is None:
        row = StatusList(number=number, purpose=StatusPurpose.REVOCATION)
        session.add(row)
    row.document, row.updated_at = signed, now
    session.flush()
    return row


def status_list(session: Session, number: int) -> StatusList | None:
    return session.scalar(
        select(StatusList).where(
            StatusList.number == number, StatusList.purpose == StatusPurpose.REVOCATION
        )
    )
