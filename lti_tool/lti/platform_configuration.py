"""An LMS's OpenID configuration for LTI Dynamic Registration 1.0: fetched and checked.

LTI DR 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0, read 2026-12-06) §3.3 to 3.4: the
LMS opens the tool's registration URL with ``openid_configuration`` (where its
configuration is) and, usually, ``registration_token``. The configuration is an OpenID
Connect Discovery 1.0 document plus the LTI platform configuration claim. Checked here:

- the URL: https (http only to this machine in trials and tests) to a public address,
  unless ``outbound_allowed_hosts`` lists the host; fetched through ``lti_tool.outbound``
  (time and size limits, each connection's address checked), redirects not followed;
- §3.5.1 "Issuer and OpenID Configuration URL Match": the issuer must be an https URL
  without query or fragment on the configuration URL's origin (scheme, host and port; a
  Sakai issuer may carry a path, ``{site}/site/<id>``, config/platforms/sakai.toml). The
  exceptions are the shared issuers of hosted Canvas and of Blackboard's developer portal
  (``registration_quirks``);
- the endpoints SkillCert calls or sends browsers to (authorization, token, key set,
  registration): https URLs it may call, as ``add_platform`` checks them;
- RS256 and ``private_key_jwt``, the only algorithm and client authentication LTI 1.3
  uses (1EdTech Security Framework 1.0 §5.1.1, §4.1), when the LMS lists what it supports.

What is missing but has a documented default is filled in with a warning
(:attr:`PlatformConfiguration.warnings`); what would let the wrong party sign launches
is refused with :class:`RegistrationRefused`, and nothing is registered.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from flask_babel import lazy_gettext as _l

from lti_tool.errors import SkillCertError
from lti_tool.lti import registration_quirks as quirks
from lti_tool.lti.constants import MessageType
from lti_tool.lti.presets import get_preset
from lti_tool.outbound import (
    OutboundError,
    UnreachableError,
    check_platform_url,
    exchange,
    redact_tokens,
)
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: Longest URL accepted from an LMS (the registration's URL columns hold 1000 characters).
MAX_URL = 1000
#: Longest issuer (its column holds 500).
MAX_ISSUER = 500
_ACCEPT_TOKENS = _l("accept SkillCert's requests for access tokens")


class RegistrationRefused(SkillCertError):
    """A Dynamic Registration SkillCert did not complete; nothing was registered."""

    status_code = 400
    default_message = _l("SkillCert could not register with this LMS.")
    advice = _l(
        "Nothing was registered. Ask your LMS's administrator to check the LMS's LTI settings "
        "and start the registration again; SkillCert's log names the reason under the "
        "reference below."
    )


class PlatformUnreachable(RegistrationRefused):
    """The LMS's configuration could not be fetched (the same words for every cause)."""

    status_code = 502
    advice = _l(
        "Nothing was registered. Try again in a moment. If it keeps happening, ask your LMS's "
        "administrator whether SkillCert can reach the LMS from the internet."
    )


@dataclasses.dataclass(frozen=True)
class PlatformConfiguration:
    """What SkillCert read in an LMS's OpenID configuration, checked."""

    #: Where it was fetched (its query may hold the registration token: never log it).
    url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    #: The audience of client assertions, when it is not the token endpoint
    #: (``authorization_server``, LTI DR 1.0 §3.4; Brightspace's is its own).
    token_audience: str | None
    #: The scopes the LMS lists; None when it does not say (Sakai lists none).
    scopes_supported: frozenset[str] | None
    product_family_code: str
    version: str
    #: Message type -> the placements the LMS offers for it (empty: it names none).
    messages: Mapping[str, tuple[str, ...]]
    #: The preset of the LMS's family ("generic" when SkillCert has none for it).
    preset: str
    #: The document as fetched, kept on the registration for the operator.
    document: dict[str, Any]
    #: What was corrected or looks wrong, in English, for the operator.
    warnings: tuple[str, ...]

    @property
    def title(self) -> str:
        """The LMS's family as people call it ("Moodle"), or its own code."""
        if self.preset == "generic":
            return self.product_family_code or "LTI platform"
        return get_preset(self.preset).title

    @property
    def host(self) -> str:
        """The host the configuration came from: the LMS the administrator is on."""
        return (urlsplit(self.url).hostname or "").lower()

    def supports(self, message_type: str) -> bool:
        return message_type in self.messages

    def offers(self, scope: str) -> bool:
        """Whether the LMS lists ``scope`` (True when it lists none: it may grant it)."""
        return self.scopes_supported is None or scope in self.scopes_supported


def shown(url: str) -> str:
    """``url`` without its query, for messages and logs (a registration token rides in it)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def check_configuration_url(url: Any, settings: Settings) -> str:
    """The ``openid_configuration`` parameter, if SkillCert may fetch it."""
    if not isinstance(url, str) or not url.strip():
        raise RegistrationRefused(
            _l("The LMS opened SkillCert's registration page without an openid_configuration URL."),
            advice=_l(
                "Start the registration from your LMS's LTI tool registration page (it adds "
                "the openid_configuration parameter); opening the page directly registers "
                "nothing."
            ),
        )
    url = url.strip()
    if len(url) > 2 * MAX_URL:
        raise RegistrationRefused(_l("The LMS's openid_configuration URL is too long."))
    try:
        check_platform_url(url, settings, "The openid_configuration URL", resolve=True)
    except ValueError as exc:
        log.warning("Dynamic Registration refused %s: %s", shown(url), redact_tokens(str(exc)))
        raise RegistrationRefused(
            _l(
                "SkillCert does not fetch the LMS's configuration from %(url)s: it must be an "
                "https URL of an LMS on the public internet.",
                url=shown(url),
            ),
            advice=_l(
                "Nothing was registered. An LMS on your own network needs SkillCert's operator "
                "to add its host to the setting outbound_allowed_hosts first."
            ),
        ) from None
    return url


def exchange_with_lms(
    http: requests.Session,
    settings: Settings,
    method: str,
    url: str,
    *,
    failed: Callable[[str], Any],
    **kwargs: Any,
) -> tuple[requests.Response, bytes]:
    """One call to the registering LMS, never redirected: a bearer token goes only to the
    URL it was meant for. An LMS out of reach raises :class:`PlatformUnreachable`; a call
    the outbound checks stop, :class:`RegistrationRefused` with ``failed(problem)``."""
    try:
        return exchange(http, settings, method, url, allow_redirects=False, **kwargs)
    except UnreachableError:
        raise PlatformUnreachable(
            _l("SkillCert could not reach the LMS at %(host)s.", host=urlsplit(url).hostname)
        ) from None
    except OutboundError as exc:
        raise RegistrationRefused(failed(redact_tokens(str(exc)))) from None


def fetch(
    http: requests.Session, url: str, settings: Settings, token: str | None = None
) -> PlatformConfiguration:
    """Fetch the configuration at ``url`` (already checked) and read it. The registration
    ``token`` goes along as Bearer: Canvas's configuration URL takes it to answer at all
    ("the registration_token parameter is the token used to access that URL", Instructure
    developer docs, "Registration"); the other LMSs ignore it."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response, body = exchange_with_lms(
        http,
        settings,
        "GET",
        url,
        headers=headers,
        failed=lambda problem: _l(
            "SkillCert could not read the LMS's configuration: %(problem)s.", problem=problem
        ),
    )
    if response.status_code != 200:
        log.warning(
            "Dynamic Registration: GET %s answered HTTP %s", shown(url), response.status_code
        )
        raise RegistrationRefused(
            _l(
                "The LMS answered HTTP %(status)s for its configuration at %(url)s.",
                status=response.status_code,
                url=shown(url),
            )
        )
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise RegistrationRefused(
            _l("The LMS's configuration at %(url)s is not a JSON object.", url=shown(url))
        )
    return read(url, document, settings)


def read(url: str, document: dict[str, Any], settings: Settings) -> PlatformConfiguration:
    """Check a fetched configuration document and read what registering needs."""
    warnings: list[str] = []
    claim = quirks.platform_claim(document)
    if claim is None:
        warnings.append(
            "The LMS's configuration has no LTI platform configuration claim "
            f"({quirks.PLATFORM_CLAIM}): SkillCert registered it as a generic LTI 1.3 "
            "platform and asked for resource link launches only."
        )
        claim = {}
    family = claim.get("product_family_code")
    family = family.strip()[:100] if isinstance(family, str) else ""
    if claim and not family:
        warnings.append(
            "The LMS's configuration does not name its product family (product_family_code): "
            "SkillCert registered it as a generic LTI 1.3 platform."
        )
    preset = quirks.preset_of(family)
    issuer = _issuer(document.get("issuer"), url, preset, warnings)
    endpoints = {
        field: _endpoint(document, name, preset, issuer, settings, warnings)
        for field, name in (
            ("auth_login_url", "authorization_endpoint"),
            ("auth_token_url", "token_endpoint"),
            ("key_set_url", "jwks_uri"),
        )
    }
    registration_endpoint = _url_field(document, "registration_endpoint", settings)
    if registration_endpoint is None:
        raise RegistrationRefused(
            _l(
                "The LMS's configuration has no registration_endpoint: this LMS does not take "
                "Dynamic Registrations there."
            ),
            advice=_l(
                "Nothing was registered. Register SkillCert by hand instead: `skillcert "
                "platform config` prints what to enter in the LMS."
            ),
        )
    _check_algorithms(document, warnings)
    messages = quirks.messages_supported(claim)
    if claim and not messages:
        warnings.append(
            "The LMS's configuration lists no supported messages (messages_supported): "
            "SkillCert asked for resource link launches only."
        )
    # A resource link launch is LTI 1.3's core message: every platform sends it.
    messages.setdefault(MessageType.RESOURCE_LINK.value, ())
    scopes = quirks.listed_scopes(document.get("scopes_supported"), warnings)
    if scopes is None:
        warnings.append(
            "The LMS does not list the LTI service scopes it supports (scopes_supported): "
            "SkillCert asked for grade and roster access, which the LMS grants or not."
        )
    version = claim.get("version")
    return PlatformConfiguration(
        url=url,
        issuer=issuer,
        authorization_endpoint=endpoints["auth_login_url"],
        token_endpoint=endpoints["auth_token_url"],
        jwks_uri=endpoints["key_set_url"],
        registration_endpoint=registration_endpoint,
        token_audience=_token_audience(document, endpoints["auth_token_url"], preset, warnings),
        scopes_supported=scopes,
        product_family_code=family,
        version=version.strip()[:100] if isinstance(version, str) else "",
        messages=messages,
        preset=preset,
        document=document,
        warnings=tuple(warnings),
    )


def _issuer(value: Any, url: str, preset: str, warnings: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistrationRefused(_l("The LMS's configuration does not name its issuer."))
    issuer = value.strip()
    parts = urlsplit(issuer)
    if len(issuer) > MAX_ISSUER or not parts.hostname or parts.query or parts.fragment:
        raise RegistrationRefused(
            _l(
                "The LMS's issuer %(issuer)s is not an https URL without query or fragment.",
                issuer=issuer[:200],
            )
        )
    blackboard = quirks.blackboard_issuer(issuer, preset, url)
    if blackboard is not None:
        if issuer.rstrip("/") != blackboard:
            warnings.append(
                f"The configuration names {issuer} as issuer, but Blackboard signs every launch "
                f"as {blackboard}: SkillCert registered {blackboard} (Blackboard's developer "
                "portal sends its own address, a known error)."
            )
        return blackboard
    if quirks.origin(issuer) == quirks.origin(url):
        return issuer
    if quirks.canvas_shared_issuer(issuer, preset):
        if not quirks.is_canvas_hosting(url):
            warnings.append(
                f"The configuration came from {urlsplit(url).hostname}, not an instructure.com "
                f"host, with hosted Canvas's shared issuer {issuer}: a self-hosted Canvas or a "
                "school's own Canvas domain does this. Approve it only if that host is your "
                "Canvas."
            )
        return issuer
    log.warning(
        "Dynamic Registration refused: issuer %s does not match the configuration's origin %s",
        issuer,
        shown(url),
    )
    raise RegistrationRefused(
        _l(
            "The LMS's configuration names the issuer %(issuer)s, but it came from "
            "%(origin)s: an LMS's issuer must be on the site that serves its configuration.",
            issuer=issuer,
            origin="://".join(urlsplit(url)[:2]),
        ),
        advice=_l(
            "Nothing was registered. Ask your LMS's administrator to check the LMS's site URL "
            "(its issuer) and start the registration again from that site."
        ),
    )


def _url_field(document: Mapping[str, Any], name: str, settings: Settings) -> str | None:
    """A URL the configuration gives for ``name``, checked; None when it gives none."""
    value = document.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) > MAX_URL:
        raise RegistrationRefused(
            _l("The LMS's configuration has an unusable %(name)s.", name=name)
        )
    url = value.strip()
    try:
        return check_platform_url(url, settings, f"The LMS's {name}", resolve=True)
    except ValueError as exc:
        raise RegistrationRefused(
            _l(
                "SkillCert does not call the LMS's %(name)s %(url)s: it must be an https URL "
                "on the public internet.",
                name=name,
                url=shown(url),
            )
        ) from exc


def _endpoint(
    document: Mapping[str, Any],
    name: str,
    preset: str,
    issuer: str,
    settings: Settings,
    warnings: list[str],
) -> str:
    """A required endpoint; when missing, the one the LMS's preset documents, if any."""
    url = _url_field(document, name, settings)
    if url is not None:
        return url
    field = {
        "authorization_endpoint": "auth_login_url",
        "token_endpoint": "auth_token_url",
        "jwks_uri": "key_set_url",
    }[name]
    documented = quirks.documented_endpoint(preset, field, issuer)
    if documented is None:
        raise RegistrationRefused(
            _l("The LMS's configuration has no %(name)s, which SkillCert needs.", name=name)
        )
    warnings.append(
        f"The LMS's configuration has no {name}: SkillCert used the one "
        f"{get_preset(preset).title} documents, {documented}. Check it against the LMS."
    )
    return check_platform_url(documented, settings, f"The LMS's {name}", resolve=True)


def _check_algorithms(document: Mapping[str, Any], warnings: list[str]) -> None:
    """RS256 id tokens and ``private_key_jwt`` client assertions, or no registration."""
    for name, needed, why in (
        ("id_token_signing_alg_values_supported", "RS256", _l("sign its launches")),
        ("token_endpoint_auth_methods_supported", "private_key_jwt", _ACCEPT_TOKENS),
        ("token_endpoint_auth_signing_alg_values_supported", "RS256", _ACCEPT_TOKENS),
    ):
        listed = document.get(name)
        if listed is None:
            if name != "token_endpoint_auth_signing_alg_values_supported":
                warnings.append(
                    f"The LMS's configuration does not list {name}: SkillCert assumed "
                    f"{needed}, which LTI 1.3 requires."
                )
            continue
        if not isinstance(listed, list) or needed not in listed:
            raise RegistrationRefused(
                _l(
                    "The LMS's configuration does not offer %(needed)s in %(name)s: LTI 1.3 "
                    "needs it to %(why)s.",
                    needed=needed,
                    name=name,
                    why=why,
                )
            )


def _token_audience(
    document: Mapping[str, Any], token_url: str, preset: str, warnings: list[str]
) -> str | None:
    value = document.get("authorization_server")
    if isinstance(value, str) and value.strip() and len(value.strip()) <= MAX_URL:
        audience = value.strip()
        return None if audience == token_url else audience
    documented = get_preset(preset).auth_audience
    if documented and documented != token_url:
        warnings.append(
            "The LMS's configuration has no authorization_server: SkillCert used the token "
            f"audience {get_preset(preset).title} documents, {documented}."
        )
        return documented
    return None
