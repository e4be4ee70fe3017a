"""The Open Badges 3.0 document of a credential: its identifiers, achievement and evidence.

Pure functions of the settings, the track and the learner's progress; ``issuing`` signs
and stores what ``build`` returns.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Sequence
from typing import Any

from assessments.model import Track
from assessments.policy import completion_points
from lti_tool import progress
from lti_tool.credentials import badge, keys
from lti_tool.credentials.jsonld import CREDENTIALS_V2, OB_V3P0
from lti_tool.credentials.proofs import xsd_datetime
from lti_tool.frameworks.exporting import competency_uri
from lti_tool.models import (
    User,
)
from lti_tool.settings import Settings


def page_url(settings: Settings, credential_id: str) -> str:
    return settings.url_for(f"/credentials/{credential_id}")


def achievement_url(settings: Settings, track_id: str) -> str:
    return settings.url_for(f"/credentials/tracks/{track_id}")


def subject_id(settings: Settings, registration_id: int, user_id: int) -> str:
    """A stable ``urn:uuid:`` for the learner at this issuer that reveals nothing of their
    LMS identity: an HMAC of the tool's secret over the tenant and user row."""
    digest = hmac.new(
        settings.secret_key.encode(),
        f"credential-subject:{registration_id}:{user_id}".encode(),
        hashlib.sha256,
    ).digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def achievement(
    settings: Settings, track: Track, mapped: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The OB 3.0 Achievement of ``track``: what was certified and by which criteria.
    ``mapped`` are the alignments to the items the learner's institution mapped the track's
    competencies to (``frameworks.alignment``)."""
    url = achievement_url(settings, track.id)
    return {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": track.title,
        "description": track.summary,
        "criteria": {"narrative": criteria_narrative(track)},
        # OB 3.0 Achievement.image is an Image object (id, type "Image", caption): the
        # vendored schema's $defs/Image and https://www.imsglobal.org/spec/ob/v3p0/#image.
        "image": {
            "id": badge.badge_url(settings, track.id),
            "type": "Image",
            "caption": badge.caption(track, settings.issuer_name),
        },
        "version": str(track.version),
        "alignment": [
            *(
                {
                    "type": ["Alignment"],
                    "targetName": competency.title,
                    "targetDescription": competency.description,
                    "targetCode": competency.id,
                    "targetFramework": track.title,
                    "targetType": "ceasn:Competency",
                    "targetUrl": f"{url}#{competency.id}",
                }
                for competency in track.competencies
            ),
            # The same competencies as the CASE items SkillCert publishes (docs/case.md):
            # "CFItem" is an OB 3.0 AlignmentTargetType (the vendored schema's enum).
            *(
                {
                    "type": ["Alignment"],
                    "targetName": competency.title,
                    "targetCode": competency.id,
                    "targetFramework": track.title,
                    "targetType": "CFItem",
                    "targetUrl": competency_uri(settings, track.id, competency.id),
                }
                for competency in track.competencies
            ),
            *mapped,
        ],
    }


def criteria_narrative(track: Track) -> str:
    """The completion rules in plain English (the credential's own language)."""
    lines = []
    for rule in track.completion.modules:
        mandatory = f" (mandatory: {rule.because})" if rule.because else ""
        title = track.module(rule.module).title
        lines.append(f"- Score at least {rule.pass_mark:g}% in the module {title}{mandatory}.")
    if (capstone := track.completion.capstone) is not None:
        title = track.activity(capstone.activity).title
        lines.append(f"- Score at least {capstone.pass_mark:g}% in the capstone {title}.")
    return "\n".join(lines)


def evidence(report: progress.TrackProgress) -> list[dict[str, Any]]:
    """What the learner's assessed work scored, per counted activity (never their answers)."""
    counted = {activity.id: activity for activity, _points in completion_points(report.track)}
    return [
        {
            "type": ["Evidence"],
            "name": activity.title,
            "description": f"{activity.kind.value.capitalize()}: "
            f"{100 * (report.scores.get(activity.id) or 0.0):.0f}%",
        }
        for activity in counted.values()
        if activity.id in report.scores
    ]


@dataclasses.dataclass(frozen=True)
class Award:
    """What a new credential says about its learner, track and dates."""

    user: User
    track: Track
    awarded_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    evidence: list[dict[str, Any]]
    #: Alignments to the items the learner's institution mapped (``frameworks.alignment``).
    mapped: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def issuer_profile(settings: Settings) -> dict[str, Any]:
    """The issuer as every credential names it: its did:web, name and home page."""
    return {
        "id": keys.did_web(settings.base_url),
        "type": ["Profile"],
        "name": settings.issuer_name,
        "url": settings.url_for("/"),
    }


def name_identifier(name: str) -> dict[str, Any]:
    """The learner's name as an IdentityObject, for a learner who chose to include it."""
    return {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}


def build(
    settings: Settings, award: Award, credential_id: str, status: dict[str, Any], name: str | None
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (VC Data Model 2.0)."""
    subject: dict[str, Any] = {
        "id": subject_id(settings, award.user.registration_id, award.user.id),
        "type": ["AchievementSubject"],
        "achievement": achievement(settings, award.track, award.mapped),
    }
    if name:
        subject["identifier"] = [name_identifier(name)]
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.track.title,
        "issuer": issuer_profile(settings),
        "validFrom": xsd_datetime(award.valid_from),
        "validUntil": xsd_datetime(award.valid_until),
        "awardedDate": xsd_datetime(award.awarded_at),
        "credentialSubject": subject,
        "credentialStatus": status,
    }
    if award.evidence:
        document["evidence"] = award.evidence
    return document
