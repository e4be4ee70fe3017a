"""What LMSs really put in their OpenID configuration for Dynamic Registration, and how
SkillCert reads it: which LMS family a configuration comes from, the shapes older
releases send, Canvas's shared issuer, and the documented endpoints that stand in for a
missing one.

Each quirk names its source, read 2026-12-06. Whatever is corrected here becomes a
warning the operator reads on the registration (``Registration.registration_warnings``);
what cannot be corrected safely is refused by ``lti_tool.lti.platform_configuration``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from lti_tool.lti.constants import MessageType
from lti_tool.lti.presets import get_preset

PLATFORM_CLAIM = "https://purl.imsglobal.org/spec/lti-platform-configuration"

#: ``product_family_code`` (lower case) -> preset. The codes are those the LMSs send in the
#: platform configuration and in launches' ``tool_platform`` claim: "canvas" and "moodle"
#: (Canvas and Moodle sources: canvas-lms Lti::IMS::Registration; moodle
#: mod/lti/openid-configuration.php); "desire2learn" for Brightspace and "BlackboardLearn",
#: "schoology", "sakai" (hypothesis/lms lms/product/family.py, the families it sees in real
#: launches; atomic-lti's dynamic registration also keys Brightspace on "desire2learn");
#: "sakailms.org" is what Sakai's own configuration sends (sakaiproject/sakai
#: LTI13Servlet.handleWellKnown).
PRODUCT_FAMILIES: Mapping[str, str] = {
    "canvas": "canvas",
    "moodle": "moodle",
    "desire2learn": "brightspace",
    "brightspace": "brightspace",
    "d2l": "brightspace",
    "sakai": "sakai",
    "sakailms.org": "sakai",
    "blackboardlearn": "blackboard",
    "blackboard": "blackboard",
    "schoology": "schoology",
}

#: The issuers Instructure's hosted Canvas signs with, whatever school's host serves the
#: configuration: every cloud instance shares one (config/platforms/canvas.toml). Canvas
#: builds the openid_configuration URL on the host the administrator is on
#: (school.instructure.com, or the school's own Canvas domain), so its issuer never matches
#: that URL's origin (canvas-lms Lti::IMS::DynamicRegistrationController, "supports
#: multiple subdomains in the oidc url"; Instructure developer docs, "Registration").
CANVAS_ISSUERS = frozenset(
    {
        "https://canvas.instructure.com",
        "https://canvas.beta.instructure.com",
        "https://canvas.test.instructure.com",
    }
)
#: Instructure's hosting: a configuration served from here with a shared issuer is Canvas.
CANVAS_HOSTING = ".instructure.com"

#: Blackboard Learn signs every launch as https://blackboard.com (Anthology, "Registering a
#: new LTI application"; config/platforms/blackboard.toml). Learn has no Dynamic
#: Registration of its own; Anthology's developer portal, where a tool registers once for
#: every institution, has one (docs.anthology.com, "Registering and Managing a REST or LTI
#: Application", 2023-05-09), and its metadata names the portal as issuer instead, lists its
#: scopes as "URL/spec/…" and leaves out the claim's version (Behind the Blackboard article
#: 000090618, "Issues with Dynamic Registration for LTI in the Developer Portal",
#: 2025-04-16).
BLACKBOARD_ISSUER = "https://blackboard.com"
BLACKBOARD_PORTALS = frozenset({"developer.blackboard.com", "developer.anthology.com"})
_PURL = "https://purl.imsglobal.org/"

#: The prefix of every LTI service scope (AGS, NRPS, PNS, ...).
_LTI_SCOPES = "https://purl.imsglobal.org/spec/lti"
#: Message type names older releases send, and what they mean. Moodle 3.10.0 listed
#: "LtiResourceLink" (moodle/moodle commit bcf59d2, MDL-70074, Nov 2020).
_MESSAGE_ALIASES = {"LtiResourceLink": MessageType.RESOURCE_LINK.value}


def preset_of(product_family_code: str) -> str:
    """The preset of an LMS family; "generic" for one SkillCert has no preset for."""
    return PRODUCT_FAMILIES.get(product_family_code.strip().lower(), "generic")


def platform_claim(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The LTI platform configuration claim. Moodle 3.10.0 sent its name with a trailing
    space (moodle/moodle commit bcf59d2, MDL-70074), and Blackboard's portal is reported
    writing "URL/" for https://purl.imsglobal.org/ in it as in its scopes (Behind the
    Blackboard 000090618; whether the portal or the article wrote it, both are read)."""
    placeholder = "URL/" + PLATFORM_CLAIM.removeprefix(_PURL)
    for name in (PLATFORM_CLAIM, PLATFORM_CLAIM + " ", placeholder):
        claim = document.get(name)
        if isinstance(claim, Mapping):
            return claim
    return None


def messages_supported(claim: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Message type -> the placements the platform offers for it.

    LTI DR 1.0 §3.4.1 lists objects (``{"type": …, "placements": […]}``); Moodle sends plain
    type names (mod/lti/openid-configuration.php: ``['LtiResourceLinkRequest',
    'LtiDeepLinkingRequest']``, its placements at the claim's top level): both are read.
    """
    listed = claim.get("messages_supported")
    shared = _strings(claim.get("placements"))
    messages: dict[str, tuple[str, ...]] = {}
    for entry in listed if isinstance(listed, list) else ():
        if isinstance(entry, str):
            kind, placements = entry, shared
        elif isinstance(entry, Mapping) and isinstance(entry.get("type"), str):
            kind, placements = entry["type"], _strings(entry.get("placements"))
        else:
            continue
        kind = _MESSAGE_ALIASES.get(kind, kind)
        messages[kind] = tuple(dict.fromkeys((*messages.get(kind, ()), *placements)))
    return messages


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def listed_scopes(value: Any, warnings: list[str]) -> frozenset[str] | None:
    """The scopes a configuration lists, or None when it names none of LTI's service
    scopes: Sakai lists only "openid" (a real Sakai's answer in atomicjolt-com's dynamic
    registration tests) and grants AGS and NRPS by its tool settings, not by scope.
    Blackboard's portal writes "URL/" for https://purl.imsglobal.org/: read as meant."""
    if not isinstance(value, list):
        return None
    scopes = {s for s in value if isinstance(s, str)}
    placeholders = {s for s in scopes if s.startswith("URL/spec/")}
    if placeholders:
        scopes = (scopes - placeholders) | {_PURL + s.removeprefix("URL/") for s in placeholders}
        warnings.append(
            f'The LMS lists {len(placeholders)} scopes as "URL/spec/…": SkillCert read them '
            f"as {_PURL}spec/…, as Blackboard's developer portal means them."
        )
    return frozenset(scopes) if any(s.startswith(_LTI_SCOPES) for s in scopes) else None


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL; scheme and host compare case-insensitively."""
    parts = urlsplit(url)
    port = parts.port
    if port == {"https": 443, "http": 80}.get(parts.scheme.lower()):
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def canvas_shared_issuer(issuer: str, family_preset: str) -> bool:
    """Whether ``issuer`` is hosted Canvas's shared issuer, sent by a Canvas."""
    return family_preset == "canvas" and issuer.rstrip("/") in CANVAS_ISSUERS


def is_canvas_hosting(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower().endswith(CANVAS_HOSTING)


def is_blackboard_portal(url: str) -> bool:
    return urlsplit(url).scheme == "https" and (
        (urlsplit(url).hostname or "").lower() in BLACKBOARD_PORTALS
    )


def blackboard_issuer(issuer: str, family_preset: str, url: str) -> str | None:
    """Blackboard's issuer, when Anthology's developer portal sent this configuration
    naming Blackboard's issuer or, wrongly, the portal itself; None otherwise."""
    if family_preset != "blackboard" or not is_blackboard_portal(url):
        return None
    if issuer.rstrip("/") == BLACKBOARD_ISSUER or is_blackboard_portal(issuer):
        return BLACKBOARD_ISSUER
    return None


def documented_endpoint(preset: str, field: str, issuer: str) -> str | None:
    """The endpoint ``preset`` documents for ``field`` (``auth_login_url``,
    ``auth_token_url``, ``key_set_url``) of the LMS at ``issuer``, when it does not depend
    on anything the configuration left out; None otherwise."""
    template = get_preset(preset)
    value = getattr(template, field)
    if not value or "{client_id}" in value:
        return None
    if "{site}" in value:
        if template.issuer is not None:  # a fixed issuer is not the LMS's site
            return None
        return template.expand(value, site=issuer, client_id="")
    return value
