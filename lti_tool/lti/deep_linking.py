"""Deep Linking 2.0: read the platform's request settings, sign the response.

The response is a JWT the browser posts back to the platform (LTI Deep Linking 2.0 §4.2):
issued by our client_id, for the platform's issuer, signed with the tool's current key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l

from lti_tool.errors import LaunchError
from lti_tool.lti.constants import LTI_VERSION, Claim
from lti_tool.lti.keys import signing_jwk
from lti_tool.models import ToolKey

RESPONSE_MESSAGE = "LtiDeepLinkingResponse"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
RESOURCE_LINK = "ltiResourceLink"


class DeepLinkingError(LaunchError):
    """The LMS's deep-linking request cannot be answered."""

    advice = _l("Close this window and add SkillCert from the LMS again.")


@dataclasses.dataclass(frozen=True)
class DeepLinkingSettings:
    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    #: Opaque platform data we must echo back unchanged.
    data: str | None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> DeepLinkingSettings:
        settings = claims.get(Claim.DEEP_LINKING_SETTINGS)
        if not isinstance(settings, Mapping):
            raise DeepLinkingError(_l("This page is only for adding SkillCert to a course."))
        return_url = settings.get("deep_link_return_url")
        if not isinstance(return_url, str) or not return_url.startswith(("https://", "http://")):
            raise DeepLinkingError(_l("The LMS did not say where to send the chosen activities."))
        accept_types = tuple(t for t in settings.get("accept_types") or () if isinstance(t, str))
        if RESOURCE_LINK not in accept_types:
            raise DeepLinkingError(
                _l(
                    "This place in the LMS does not accept links to activities "
                    "(it accepts: %(types)s).",
                    types=", ".join(accept_types) or _l("nothing"),
                )
            )
        data = settings.get("data")
        return cls(
            return_url=return_url,
            accept_types=accept_types,
            accept_multiple=settings.get("accept_multiple", True) is not False,
            data=data if isinstance(data, str) else None,
        )


@dataclasses.dataclass(frozen=True)
class Window:
    """A start and end (either may be open), as Deep Linking 2.0 §3.2 writes ``available``
    and ``submission``: ``startDateTime``/``endDateTime`` in ISO 8601."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None

    def as_claim(self) -> dict[str, str]:
        members = (("startDateTime", self.start), ("endDateTime", self.end))
        return {name: moment.isoformat() for name, moment in members if moment is not None}


@dataclasses.dataclass(frozen=True)
class LineItem:
    """A Deep Linking line item (§3.2: label, scoreMaximum, resourceId, tag and
    gradesReleased; no dates, which only AGS line items carry)."""

    label: str
    score_maximum: float
    resource_id: str
    tag: str

    def as_claim(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "scoreMaximum": self.score_maximum,
            "resourceId": self.resource_id,
            "tag": self.tag,
        }


@dataclasses.dataclass(frozen=True)
class ResourceLinkItem:
    title: str
    url: str
    custom: Mapping[str, str]
    line_item: LineItem | None = None
    text: str = ""
    #: When learners may open it, and when they may hand work in (the end: its due date).
    available: Window = Window()
    submission: Window = Window()

    def as_claim(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": RESOURCE_LINK,
            "title": self.title,
            "url": self.url,
            "custom": dict(self.custom),
        }
        if self.text:
            item["text"] = self.text
        if self.line_item is not None:
            item["lineItem"] = self.line_item.as_claim()
        if self.available:
            item["available"] = self.available.as_claim()
        if self.submission:
            item["submission"] = self.submission.as_claim()
        return item


def response_token(
    *,
    platform_issuer: str,
    client_id: str,
    deployment_id: str,
    settings: DeepLinkingSettings,
    items: Sequence[ResourceLinkItem],
    key: ToolKey,
) -> str:
    """The signed LtiDeepLinkingResponse for ``items``."""
    if len(items) > 1 and not settings.accept_multiple:
        raise DeepLinkingError(
            _l("This place in the LMS takes one activity at a time: choose one.")
        )
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": platform_issuer,
        "azp": client_id,
        "iat": now,
        "exp": now + 300,
        "nonce": secrets.token_urlsafe(16),
        Claim.MESSAGE_TYPE: RESPONSE_MESSAGE,
        Claim.VERSION: LTI_VERSION,
        Claim.DEPLOYMENT_ID: deployment_id,
        CONTENT_ITEMS: [item.as_claim() for item in items],
    }
    if settings.data is not None:
        claims[DATA] = settings.data
    signer = signing_jwk(key)
    return jwt.encode(claims, signer.key, algorithm="RS256", headers={"kid": key.kid})
