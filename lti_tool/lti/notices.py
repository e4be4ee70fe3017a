"""Platform Notification Service notices (LTI PNS 1.0): checked like a launch, handled once.

The LMS POSTs ``{"notices": [{"jwt": "…"}, …]}`` to the handler SkillCert registered
(:mod:`lti_tool.notice_handlers`), each notice a JWT the platform signed; the notice claim
gives its ``id``, ``type`` and ``timestamp``, and an LtiContextCopyNotice names the new
course (``context``) and the course it was copied from (``origin_contexts``, a list of
context ids). Canvas does not retry a notice its handler failed to take (canvas-lms
doc/api/pns.md, read 2026-12-06): handling is quick, one transaction, and the same answer
for a notice received twice.

:func:`read_delivery` checks every notice of a delivery before anything is stored: the
delivery's size and shape, each token's size, RS256 with a ``kid``, an active
registration for its ``iss`` and ``aud`` (``azp``, when given, naming that client), the
signature with the platform's keys (the launch's cached key sets), ``exp`` and ``iat``
with the launch's leeway, an active deployment of that registration, and the claims the
notice's type needs. One bad notice refuses the whole delivery with a 4xx and a JSON
error; nothing is stored.

:func:`handle_delivery` then inserts each notice once as a :class:`PlatformNotice`
(registration, notice id): a notice already received changes nothing and is answered
with what was done the first time. An LtiHelloWorldNotice is recorded; an
LtiContextCopyNotice makes the new course a copy of the first origin course SkillCert
knows in the same deployment, so its links' first launches carry their placements over
(:mod:`lti_tool.lti.course_copy`); other types are recorded as ignored.

The errors and outcomes are in English: they go to the LMS's logs and the operator's
console, never to a learner's or instructor's page.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
from sqlalchemy import ColumnElement, Connection, Row, func, select, update

from lti_tool.errors import LaunchError, PlatformFetchError
from lti_tool.lti.constants import LTI_VERSION, Claim, NoticeType
from lti_tool.lti.course_copy import MAX_HISTORY
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.sync import claim_text
from lti_tool.models import (
    Context,
    Deployment,
    PlatformNotice,
    Registration,
    ResourceLink,
    utcnow,
)
from lti_tool.settings import Settings
from lti_tool.upsert import insert_once, upsert_returning_id

#: Largest delivery read (Canvas's notices are about 1.5 KB each).
MAX_DELIVERY_BYTES = 512 * 1024
#: Most notices in one delivery (Canvas batches up to a handler's max_batch_size, 100 in
#: its Notice Handlers API example).
MAX_NOTICES = 100
_NOTICE_ID_LENGTH = 255
_NOTICE_TYPE_LENGTH = 100


class NoticeRefused(Exception):
    """A delivery SkillCert does not take: the HTTP status and what is wrong."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclasses.dataclass(frozen=True)
class Notice:
    """A notice whose signature, sender and claims were checked."""

    registration_id: int
    deployment_pk: int
    notice_id: str
    notice_type: str
    claims: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Handled:
    """What became of one notice; ``replayed`` when it had been received before."""

    notice_id: str
    notice_type: str
    outcome: str
    replayed: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.notice_id,
            "type": self.notice_type,
            "outcome": self.outcome,
            "replayed": self.replayed,
        }


# -- checking a delivery ------------------------------------------------------------------


def read_delivery(
    body: bytes, conn: Connection, settings: Settings, keys: PlatformKeyCache
) -> list[Notice]:
    """Every notice of the delivery ``body``, checked; raises :class:`NoticeRefused`."""
    if len(body) > MAX_DELIVERY_BYTES:
        raise NoticeRefused(
            413, f"The delivery is larger than SkillCert accepts ({MAX_DELIVERY_BYTES} bytes)."
        )
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise NoticeRefused(400, "The request body is not JSON.") from None
    notices = document.get("notices") if isinstance(document, dict) else None
    if not isinstance(notices, list) or not notices:
        raise NoticeRefused(400, 'The body has no "notices" list: expected {"notices": [...]}.')
    if len(notices) > MAX_NOTICES:
        raise NoticeRefused(
            413, f"The delivery has {len(notices)} notices; SkillCert takes {MAX_NOTICES} at most."
        )
    tokens: list[str] = []
    for item in notices:
        token = item.get("jwt") if isinstance(item, dict) else None
        if not isinstance(token, str) or not token:
            raise NoticeRefused(400, 'Each notice must be an object with its token as "jwt".')
        tokens.append(token)
    return [check_notice(token, conn, settings, keys) for token in tokens]


def check_notice(
    token: str, conn: Connection, settings: Settings, keys: PlatformKeyCache
) -> Notice:
    """One notice JWT, checked as a launch's id_token is; raises :class:`NoticeRefused`."""
    if len(token) > settings.max_id_token_bytes:
        raise NoticeRefused(
            413, f"A notice token is larger than {settings.max_id_token_bytes} bytes."
        )
    header, unverified = _unverified(token)
    registration = _registration(conn, unverified)
    claims = _verified(token, header, registration, settings, keys)
    deployment_pk = _deployment(conn, registration, claims.get(Claim.DEPLOYMENT_ID))
    notice_id, notice_type = _notice_claim(claims)
    if notice_type == NoticeType.CONTEXT_COPY:
        _check_context_copy(claims)
    return Notice(registration.id, deployment_pk, notice_id, notice_type, claims)


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's header and claims, not yet trusted: to find whose keys to check it with."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise NoticeRefused(400, "A notice is not a JSON Web Token.") from None
    if header.get("alg") != "RS256":
        # LTI allows RS256 only; this also refuses "none" and HS256 keyed with a public key.
        raise NoticeRefused(401, f"A notice is signed with {header.get('alg')!r}, not RS256.")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise NoticeRefused(401, "A notice does not name its signing key (kid).")
    return header, claims


def _audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str) and aud:
        return [aud]
    if isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        return aud
    raise NoticeRefused(401, "A notice has no audience (aud).")


def _registration(conn: Connection, claims: Mapping[str, Any]) -> Row:
    """The active registration the notice's ``iss`` and ``aud`` (or ``azp``) name."""
    issuer, azp = claims.get("iss"), claims.get("azp")
    audiences = _audiences(claims)
    if azp is not None and azp not in audiences:
        raise NoticeRefused(401, "A notice's authorized party (azp) is not one of its audiences.")
    if not isinstance(issuer, str) or not issuer:
        raise NoticeRefused(401, "A notice has no issuer (iss).")
    clients = [azp] if isinstance(azp, str) else audiences
    registrations = conn.execute(
        select(
            Registration.id,
            Registration.issuer,
            Registration.client_id,
            Registration.key_set_url,
            Registration.key_set,
        )
        .where(
            Registration.issuer == issuer,
            Registration.client_id.in_(clients),
            Registration.is_active,
        )
        .limit(2)
    ).all()
    if len(registrations) > 1:
        raise NoticeRefused(401, "A notice names several registered audiences but no azp.")
    if not registrations:
        raise NoticeRefused(
            401,
            f"No active registration for issuer {issuer!r} and client id "
            f"{', '.join(map(repr, clients))}: register this LMS in SkillCert first.",
        )
    return registrations[0]


def _verified(
    token: str,
    header: Mapping[str, Any],
    registration: Row,
    settings: Settings,
    keys: PlatformKeyCache,
) -> dict[str, Any]:
    """The token's claims once its signature, issuer, audience and times are checked."""
    try:
        key = keys.key_for(
            key_set_url=registration.key_set_url, key_set=registration.key_set, kid=header["kid"]
        )
    except PlatformFetchError:
        raise NoticeRefused(
            503, "SkillCert could not read the LMS's key set; send the notice again later."
        ) from None
    except LaunchError:
        raise NoticeRefused(
            401, f"A notice is signed with a key (kid {header['kid']!r}) the LMS does not publish."
        ) from None
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=registration.client_id,
            issuer=registration.issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise NoticeRefused(401, "A notice has expired (exp).") from None
    except jwt.ImmatureSignatureError:
        raise NoticeRefused(401, "A notice was issued in the future (iat).") from None
    except jwt.InvalidTokenError as exc:
        raise NoticeRefused(401, f"A notice failed verification: {exc}.") from None
    if claims["iat"] > time.time() + settings.jwt_leeway_seconds:
        raise NoticeRefused(401, "A notice was issued in the future (iat).")
    return claims


def _deployment(conn: Connection, registration: Row, deployment_id: Any) -> int:
    """The row id of the registration's active deployment ``deployment_id``."""
    if not isinstance(deployment_id, str) or not deployment_id:
        raise NoticeRefused(400, "A notice does not name its deployment (deployment_id).")
    row = conn.execute(
        select(Deployment.id, Deployment.is_active).where(
            Deployment.registration_id == registration.id,
            Deployment.deployment_id == deployment_id,
        )
    ).first()
    if row is None or not row.is_active:
        raise NoticeRefused(
            403,
            f"Deployment {deployment_id!r} of this LMS is not enabled in SkillCert; "
            "ask its administrator to enable it.",
        )
    return row.id


def _notice_claim(claims: Mapping[str, Any]) -> tuple[str, str]:
    """The notice claim's id and type (its timestamp must be there too)."""
    if claims.get(Claim.VERSION, LTI_VERSION) != LTI_VERSION:
        raise NoticeRefused(400, f"SkillCert takes LTI {LTI_VERSION} notices only.")
    notice = claims.get(Claim.NOTICE)
    if not isinstance(notice, dict):
        raise NoticeRefused(400, f"A notice has no notice claim ({Claim.NOTICE}).")
    notice_id, notice_type = notice.get("id"), notice.get("type")
    if not isinstance(notice_id, str) or not 0 < len(notice_id) <= _NOTICE_ID_LENGTH:
        raise NoticeRefused(400, "A notice claim has no id (255 characters at most).")
    if not isinstance(notice_type, str) or not 0 < len(notice_type) <= _NOTICE_TYPE_LENGTH:
        raise NoticeRefused(400, "A notice claim has no type.")
    if not isinstance(notice.get("timestamp"), str):
        raise NoticeRefused(400, "A notice claim has no timestamp.")
    return notice_id, notice_type


def _check_context_copy(claims: Mapping[str, Any]) -> None:
    context = claims.get(Claim.CONTEXT)
    context_id = context.get("id") if isinstance(context, dict) else None
    if not isinstance(context_id, str) or not 0 < len(context_id) <= 255:
        raise NoticeRefused(400, "An LtiContextCopyNotice does not name its new course (context).")
    origins = claims.get(Claim.ORIGIN_CONTEXTS, [])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise NoticeRefused(
            400, "An LtiContextCopyNotice's origin_contexts is not a list of context ids."
        )


# -- handling it --------------------------------------------------------------------------


def handle_delivery(conn: Connection, notices: list[Notice]) -> list[Handled]:
    """Handle each notice once, in the caller's transaction; a notice received before is
    answered with what was done then."""
    handled = []
    for notice in notices:
        first_time = insert_once(
            conn,
            PlatformNotice.__table__,
            {
                "registration_id": notice.registration_id,
                "notice_id": notice.notice_id,
                "notice_type": notice.notice_type,
                "received_at": utcnow(),
                "outcome": "",
            },
            conflict=("registration_id", "notice_id"),
        )
        if first_time:
            outcome = _handle(conn, notice)[:500]
            conn.execute(update(PlatformNotice).where(*_this(notice)).values(outcome=outcome))
        else:
            outcome = conn.execute(
                select(PlatformNotice.outcome).where(*_this(notice))
            ).scalar_one()
        handled.append(Handled(notice.notice_id, notice.notice_type, outcome, not first_time))
    return handled


def _this(notice: Notice) -> tuple[ColumnElement[bool], ...]:
    """The conditions that find the notice's row."""
    return (
        PlatformNotice.registration_id == notice.registration_id,
        PlatformNotice.notice_id == notice.notice_id,
    )


def _handle(conn: Connection, notice: Notice) -> str:
    if notice.notice_type == NoticeType.HELLO_WORLD:
        return "received"
    if notice.notice_type == NoticeType.CONTEXT_COPY:
        return copy_context(conn, notice.deployment_pk, notice.claims)
    return f"ignored: SkillCert does not handle {notice.notice_type}"


def copy_context(conn: Connection, deployment_pk: int, claims: Mapping[str, Any]) -> str:
    """Make the notice's new course a copy of the first origin course known in this
    deployment; what was done, in words."""
    context = claims[Claim.CONTEXT]
    origin_ids = list(claims.get(Claim.ORIGIN_CONTEXTS, []))[:MAX_HISTORY]
    known = dict(
        conn.execute(
            select(Context.context_id, Context.id).where(
                Context.deployment_id == deployment_pk, Context.context_id.in_(origin_ids)
            )
        ).all()
    )
    origin_id = next((lms_id for lms_id in origin_ids if lms_id in known), None)
    if origin_id is None or origin_id == context["id"]:
        return "nothing to copy: SkillCert has no course it was copied from in this deployment"
    course = upsert_returning_id(
        conn,
        Context.__table__,
        {
            "deployment_id": deployment_pk,
            "context_id": context["id"],
            "title": claim_text(context.get("title"), 500),
            "label": claim_text(context.get("label"), 255),
            "updated_at": utcnow(),
        },
        conflict=("deployment_id", "context_id"),
        update=("updated_at",),
    )
    # The newest copy or import names the course the new course's links came from.
    conn.execute(
        update(Context).where(Context.id == course).values(copied_from_id=known[origin_id])
    )
    placed = conn.execute(
        select(func.count())
        .select_from(ResourceLink)
        .where(ResourceLink.context_id == known[origin_id], ResourceLink.target.is_not(None))
    ).scalar_one()
    return (
        f"course {context['id']} is a copy of course {origin_id}: its {placed} placed links "
        "open the same activities from their first launch"
    )
