"""The learner record: one learner's credentials and competency results as a signed
Comprehensive Learner Record 2.0 ``ClrCredential``.

CLR 2.0 (https://www.imsglobal.org/spec/clr/v2p0/) bundles verifiable credentials in one
credential of the issuer: its ``credentialSubject`` is a ``ClrSubject`` whose
``verifiableCredential`` holds them (the vendored schema,
``schema/clr_v2p0_clrcredential_schema.json``, requires at least one), with the
achievements they are about and how those relate (``association``). It holds:

- each track's newest credential while it is valid, its signed document exactly as issued
  (a revoked or expired one would make the whole record fail verification);
- the learner's competency results in the course the page was opened from. A result has
  one place in the schema, ``AchievementSubject.result``, so each is an
  AchievementCredential of the competency (``achievementType`` "Competency") with a
  Percent result, signed now; 1EdTech's own CLR sample bundles course results that way
  (1EdTech/digital-credentials-public-validator, inspector-clr/src/test/resources/clr20/
  complex.json);
- each competency ``isChildOf`` its track's certificate, when the record holds both.

A record is a snapshot: neither it nor its competency results carry a status list entry
(nothing to revoke; the next download is the update). Everything is signed like the Open
Badges credentials (``keys.sign``: eddsa-rdfc-2022 by the issuer's did:web key).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Competency, Track
from lti_tool.credentials import keys
from lti_tool.credentials.document import (
    achievement_url,
    issuer_profile,
    name_identifier,
    subject_id,
)
from lti_tool.credentials.issuing import include_name
from lti_tool.credentials.jsonld import CLR_V2P0, CREDENTIALS_V2, OB_V3P0
from lti_tool.credentials.proofs import xsd_datetime
from lti_tool.errors import SkillCertError
from lti_tool.models import Credential, CredentialState, User
from lti_tool.scope import CurrentLaunch
from lti_tool.settings import Settings

#: CLR 2.0's ``@context``: VC 2.0, CLR 2.0, then OB 3.0, in this order (the schema's
#: ``@context`` items).
CLR_CONTEXT = [CREDENTIALS_V2, CLR_V2P0, OB_V3P0]
CLR_TYPE = "ClrCredential"
#: The competency results' type: OB 3.0's other name for a credential of an achievement,
#: kept apart from the certificates (OpenBadgeCredential), which are revocable.
RESULT_TYPE = "AchievementCredential"

#: The access log's note on a download (an ``export`` of the learner's own data).
LOG_DETAIL = "CLR 2.0 learner record"

MASTERY_RULE = (
    "Mastery is the mean of the learner's scores, in percent, in the graded summative "
    "activities aligned to this competency; practice work does not count."
)


class EmptyRecordError(SkillCertError):
    """The learner has nothing a record could hold yet."""

    status_code = 404
    default_message = _l(
        "Your learner record is empty: you hold no valid credential yet and have no "
        "graded work in this course."
    )
    advice = _l("Complete graded activities or a track; My progress shows what remains.")


@dataclasses.dataclass(frozen=True)
class CompetencyResult:
    """The learner's mastery of one competency of a track (``learning.competencies``)."""

    track: Track
    competency: Competency
    mastery: float  #: 0 to 1


def held_credentials(session: Session, launch: CurrentLaunch, now: dt.datetime) -> list[Credential]:
    """The learner's newest credential of each track, where it is valid at ``now``."""
    rows = session.scalars(
        select(Credential)
        .where(
            Credential.registration_id == launch.registration_id,
            Credential.user_id == launch.user_id,
        )
        .order_by(Credential.track_id, Credential.period.desc())
    )
    newest: dict[str, Credential] = {}
    for credential in rows:
        newest.setdefault(credential.track_id, credential)
    return [
        credential
        for credential in newest.values()
        if credential.state is CredentialState.ACTIVE
        and credential.valid_from <= now < credential.valid_until
    ]


def competency_url(settings: Settings, track_id: str, competency_id: str) -> str:
    """The competency's id: the anchor its track's achievement aligns to (``targetUrl``)."""
    return f"{achievement_url(settings, track_id)}#{competency_id}"


def competency_achievement(
    settings: Settings, track: Track, competency: Competency
) -> dict[str, Any]:
    """The OB 3.0 Achievement of a competency, with the one result it can have: mastery."""
    identifier = competency_url(settings, track.id, competency.id)
    return {
        "id": identifier,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": competency.title,
        "description": competency.description or competency.title,
        "criteria": {"narrative": MASTERY_RULE},
        "resultDescription": [
            {
                "id": f"{identifier}.mastery",
                "type": ["ResultDescription"],
                "name": "Mastery",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ],
    }


def _subject(settings: Settings, user: User, name: str | None, kind: str) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "id": subject_id(settings, user.registration_id, user.id),
        "type": [kind],
    }
    if name:
        subject["identifier"] = [name_identifier(name)]
    return subject


def result_credential(
    settings: Settings, user: User, name: str | None, result: CompetencyResult, now: dt.datetime
) -> dict[str, Any]:
    """The unsigned AchievementCredential of one competency result."""
    achievement = competency_achievement(settings, result.track, result.competency)
    subject = _subject(settings, user, name, "AchievementSubject")
    subject["achievement"] = achievement
    subject["result"] = [
        {
            "type": ["Result"],
            "resultDescription": achievement["resultDescription"][0]["id"],
            "value": f"{100 * result.mastery:.0f}",
        }
    ]
    return {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", RESULT_TYPE],
        "name": f"{result.competency.title} ({result.track.title})",
        "issuer": issuer_profile(settings),
        "validFrom": xsd_datetime(now),
        "credentialSubject": subject,
    }


def _achievements(credentials: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The achievements of ``credentials``, each once (by id, the first seen)."""
    seen: dict[str, dict[str, Any]] = {}
    for document in credentials:
        achievement = document["credentialSubject"]["achievement"]
        seen.setdefault(achievement["id"], achievement)
    return list(seen.values())


def _associations(
    settings: Settings, results: Iterable[CompetencyResult], held: set[str]
) -> list[dict[str, Any]]:
    """Each competency is a child of its track's certificate, where the record has it."""
    return [
        {
            "type": "Association",
            "associationType": "isChildOf",
            "sourceId": competency_url(settings, result.track.id, result.competency.id),
            "targetId": achievement_url(settings, result.track.id),
        }
        for result in results
        if achievement_url(settings, result.track.id) in held
    ]


def build(
    settings: Settings,
    user: User,
    name: str | None,
    credentials: Sequence[dict[str, Any]],
    now: dt.datetime,
    results: Sequence[CompetencyResult] = (),
) -> dict[str, Any]:
    """The unsigned ClrCredential holding ``credentials`` (signed documents) as they are."""
    if not credentials:
        raise EmptyRecordError()
    achievements = _achievements(credentials)
    subject = _subject(settings, user, name, "ClrSubject")
    subject["achievement"] = achievements
    subject["verifiableCredential"] = list(credentials)
    associations = _associations(settings, results, {a["id"] for a in achievements})
    if associations:
        subject["association"] = associations
    return {
        "@context": CLR_CONTEXT,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", CLR_TYPE],
        "name": f"Learner record at {settings.issuer_name}",
        "description": f"The learner's credentials and competency results at {xsd_datetime(now)}.",
        "issuer": issuer_profile(settings),
        "validFrom": xsd_datetime(now),
        "awardedDate": xsd_datetime(now),
        "credentialSubject": subject,
    }


def learner_record(
    session: Session,
    settings: Settings,
    launch: CurrentLaunch,
    results: Sequence[CompetencyResult],
    now: dt.datetime,
) -> dict[str, Any]:
    """The signed ClrCredential of the launch's learner: their valid credentials and a
    signed AchievementCredential per competency result. Raises ``EmptyRecordError``
    when there is neither."""
    user = session.get(User, launch.user_id)
    if user is None or user.registration_id != launch.registration_id:
        raise EmptyRecordError()
    name = user.name if include_name(session, user.id) else None
    did = keys.did_web(settings.base_url)
    held = [credential.document for credential in held_credentials(session, launch, now)]
    signed_results = [
        keys.sign(session, did, result_credential(settings, user, name, result, now))
        for result in results
    ]
    return keys.sign(session, did, build(settings, user, name, held + signed_results, now, results))
