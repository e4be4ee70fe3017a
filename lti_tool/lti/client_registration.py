"""The client registration SkillCert posts to an LMS (LTI DR 1.0 §3.5.2, read 2026-12-06),
and what the LMS answers (§3.6).

Asked for, and no more (privacy by default):

- launches: resource links; Deep Linking and Submission Review only when the LMS lists
  them (§3.5.2: "messages" the platform supports), with placements the LMS offers;
- scopes: AGS line items, results and scores, NRPS memberships, and the Platform
  Notification Service's ``noticehandlers`` scope only when ``scopes_supported`` lists it.
  An LMS that lists its scopes is asked only for those it lists: Canvas refuses the whole
  registration for one it does not know ("Invalid scopes: …", canvas-lms
  Lti::IMS::Registration#scopes_are_valid; tools meet it as a bare 422, ltijs issue #239,
  2024-10-30). ``openid`` is never asked for: Canvas lists it yet refuses it in a
  registration ("cannot contain openid", canvas-lms issue #2398, 2024-10-09);
- claims: ``iss``, ``sub`` and ``name``; never ``email`` (docs/privacy.md). Canvas reads
  its privacy level from the claims, or from its ``privacy_level`` extension, sent as
  ``name_only`` (canvas-lms Lti::IMS::Registration#privacy_level);
- the custom parameters of ``lti_tool.lti.custom_parameters``.

Canvas's own rules (canvas-lms lib/schemas/lti/ims/lti_tool_configuration.rb): ``domain``
is a host without scheme, ``claims`` and ``messages`` are required, and a placement must
be one of Canvas's names (its registration is refused otherwise), so Canvas is asked for
the placements its developer-key JSON uses (``registrations.canvas_developer_key``).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from lti_tool.lti.constants import NOTICE_HANDLERS_SCOPE, TOOL_SCOPES, MessageType
from lti_tool.lti.custom_parameters import tool_custom_parameters
from lti_tool.lti.platform_configuration import PlatformConfiguration, RegistrationRefused
from lti_tool.lti.urls import jwks_url, launch_url, login_url
from lti_tool.settings import Settings

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS_PRIVACY_LEVEL = "https://canvas.instructure.com/lti/privacy_level"
CLIENT_NAME = "SkillCert"
#: The claims SkillCert needs: who launched, and the name instructors see.
CLAIMS = ("iss", "sub", "name")
#: Placements per message type: Canvas's names, and LTI DR's for the others.
_CANVAS_PLACEMENTS = {
    MessageType.RESOURCE_LINK: ("course_navigation",),
    MessageType.DEEP_LINKING: ("assignment_selection", "link_selection"),
}
_PLACEMENTS = {MessageType.DEEP_LINKING: ("ContentArea",)}
_CANVAS_EXTENSION = "https://canvas.instructure.com/lti/"
_LABELS = {
    MessageType.RESOURCE_LINK: "SkillCert",
    MessageType.DEEP_LINKING: "SkillCert activity",
    MessageType.SUBMISSION_REVIEW: "SkillCert",
}
_MAX_ID = 255


def requested_scopes(platform: PlatformConfiguration) -> list[str]:
    """The scopes to ask ``platform`` for (see the module's docstring)."""
    scopes = [str(scope) for scope in TOOL_SCOPES if platform.offers(scope)]
    if platform.scopes_supported is not None and NOTICE_HANDLERS_SCOPE in platform.scopes_supported:
        scopes.append(NOTICE_HANDLERS_SCOPE)
    return scopes


def requested_messages(platform: PlatformConfiguration, settings: Settings) -> list[dict[str, Any]]:
    """The launches to ask ``platform`` for, each with the placements it offers."""
    wanted = _CANVAS_PLACEMENTS if platform.preset == "canvas" else _PLACEMENTS
    messages = []
    for kind in MessageType:
        if not platform.supports(kind):
            continue
        message: dict[str, Any] = {
            "type": kind.value,
            "target_link_uri": launch_url(settings),
            "label": _LABELS[kind],
        }
        offered = {_placement_name(p) for p in platform.messages[kind]}
        placements = [p for p in wanted.get(kind, ()) if not offered or p in offered]
        if placements and (offered or platform.preset == "canvas"):
            message["placements"] = placements
        messages.append(message)
    return messages


def _placement_name(placement: str) -> str:
    """Canvas lists its placements with or without its extension prefix."""
    return placement.removeprefix(_CANVAS_EXTENSION)


def client_registration(platform: PlatformConfiguration, settings: Settings) -> dict[str, Any]:
    """The registration request's JSON body for ``platform``."""
    tool_configuration: dict[str, Any] = {
        "domain": urlsplit(settings.base_url).netloc,
        "target_link_uri": launch_url(settings),
        "claims": list(CLAIMS),
        "messages": requested_messages(platform, settings),
        "custom_parameters": tool_custom_parameters(platform.preset),
        "description": (
            "Enterprise AI Practitioner and AI Education for K-12 Teachers certification"
        ),
    }
    if platform.preset == "canvas":
        tool_configuration[CANVAS_PRIVACY_LEVEL] = "name_only"
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": login_url(settings),
        "redirect_uris": [launch_url(settings)],
        "client_name": CLIENT_NAME,
        "jwks_uri": jwks_url(settings),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(requested_scopes(platform)),
        TOOL_CONFIGURATION: tool_configuration,
    }


@dataclasses.dataclass(frozen=True)
class RegistrationAnswer:
    """What the LMS assigned (§3.6): the client id, and the deployment id when it made one
    (Moodle, Sakai and Brightspace do; Canvas makes the deployment when the tool is
    installed, after registering)."""

    client_id: str
    deployment_id: str | None


def read_answer(document: Any) -> RegistrationAnswer:
    """The LMS's answer to a successful registration request."""
    if not isinstance(document, dict):
        raise RegistrationRefused(_l("The LMS's answer to the registration is not a JSON object."))
    client_id = _identifier(document.get("client_id"))
    if client_id is None:
        raise RegistrationRefused(
            _l("The LMS's answer to the registration has no usable client_id.")
        )
    configuration = document.get(TOOL_CONFIGURATION)
    deployment = configuration.get("deployment_id") if isinstance(configuration, dict) else None
    return RegistrationAnswer(client_id, _identifier(deployment))


def _identifier(value: Any) -> str | None:
    """An id the LMS gave as a string (or, as some Moodle releases do, a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > _MAX_ID:
        return None
    return value.strip()
