"""LTI Dynamic Registration 1.0: an LMS registers SkillCert, and SkillCert registers it back.

The LMS's administrator pastes ``https://<SkillCert>/lti/register`` into the LMS, which
opens it with its ``openid_configuration`` URL and a one-time ``registration_token``.
:func:`discover` fetches and checks the configuration (``platform_configuration``), for
the page that shows what SkillCert will ask for; :func:`register` posts SkillCert's
client registration to the LMS (``client_registration``), the token as Bearer, and
stores what the LMS assigned: a registration and its deployment, both **pending**
(``pending_since``; launches are refused until an operator approves them), unless the
LMS's host matches ``dynamic_registration_auto_approve``.

The registration is stored through ``registrations.add_platform``, the same checks as a
typed-in one. Outside a registration the LMS proves nothing about itself, so at most
``MAX_PENDING_REGISTRATIONS`` may wait at once: a flood of fake LMSs fills no table.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from lti_tool.host_names import parse_auto_approve_hosts
from lti_tool.lti import platform_configuration
from lti_tool.lti.client_registration import client_registration, read_answer
from lti_tool.lti.pending_registrations import pending_count
from lti_tool.lti.platform_configuration import (
    PlatformConfiguration,
    RegistrationRefused,
    exchange_with_lms,
    shown,
)
from lti_tool.lti.registrations import add_platform, approve_registration
from lti_tool.models import RegisteredVia, Registration, utcnow
from lti_tool.outbound import redact_tokens
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: Registrations that may wait for an operator at once.
MAX_PENDING_REGISTRATIONS = 50
#: Longest registration token taken (Canvas's is a JWT of a few hundred characters).
MAX_TOKEN = 4096
#: How much of an LMS's refusal is shown and logged.
_MAX_DETAIL = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
#: A token that can ride in an Authorization header: visible ASCII, no spaces.
_TOKEN = re.compile(rf"[!-~]{{1,{MAX_TOKEN}}}")


class TooManyPending(RegistrationRefused):
    """The pending registrations are at their cap."""

    status_code = 503
    default_message = _l(
        "SkillCert has too many registrations waiting for its administrator's approval."
    )
    advice = _l(
        "Nothing was registered. Ask SkillCert's administrator to approve or remove the "
        "waiting ones (`skillcert platform pending`), then start the registration again."
    )


def discover(
    conn: Connection,
    settings: Settings,
    http: requests.Session,
    url: Any,
    registration_token: Any = None,
) -> PlatformConfiguration:
    """The LMS's configuration at ``url`` (the ``openid_configuration`` parameter), checked.

    Raises :class:`RegistrationRefused` (nothing fetched when the URL or the token is
    refused, or the pending registrations are at their cap)."""
    return _discover(conn, settings, http, url, _token(registration_token))


def _discover(
    conn: Connection, settings: Settings, http: requests.Session, url: Any, token: str | None
) -> PlatformConfiguration:
    url = platform_configuration.check_configuration_url(url, settings)
    if pending_count(conn) >= MAX_PENDING_REGISTRATIONS:
        log.warning(
            "Dynamic Registration from %s refused: %s registrations already wait for approval",
            shown(url),
            MAX_PENDING_REGISTRATIONS,
        )
        raise TooManyPending()
    return platform_configuration.fetch(http, url, settings, token)


def register(
    session: Session,
    settings: Settings,
    http: requests.Session,
    url: Any,
    registration_token: Any,
) -> Registration:
    """Register SkillCert with the LMS at ``url`` and store the LMS, pending approval.

    Raises :class:`RegistrationRefused`, having stored nothing."""
    token = _token(registration_token)
    platform = _discover(session.connection(), settings, http, url, token)
    answer = read_answer(_post(http, settings, platform, token))
    registration = _store(session, settings, platform, answer.client_id, answer.deployment_id)
    log.info(
        "Dynamic Registration %s: %s at %s (issuer %s, client_id %s)%s",
        registration.id,
        platform.title,
        platform.host,
        registration.issuer,
        registration.client_id,
        " approved: trusted host" if registration.is_active else " waits for an operator",
    )
    return registration


def auto_approves(host: str, settings: Settings) -> bool:
    """Whether ``dynamic_registration_auto_approve`` trusts the LMS at ``host``."""
    host = host.rstrip(".").lower()
    for pattern in parse_auto_approve_hosts(settings.dynamic_registration_auto_approve):
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _token(value: Any) -> str | None:
    """The registration token, when the LMS sent one (LTI DR 1.0 §3.3: optional)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _TOKEN.fullmatch(value.strip()):
        raise RegistrationRefused(_l("The LMS sent a registration token SkillCert cannot use."))
    return value.strip()


def _post(
    http: requests.Session, settings: Settings, platform: PlatformConfiguration, token: str | None
) -> Any:
    """POST the client registration (§3.5.2); the LMS's JSON answer."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(client_registration(platform, settings)).encode()
    endpoint = platform.registration_endpoint
    response, answer = exchange_with_lms(
        http,
        settings,
        "POST",
        endpoint,
        headers=headers,
        data=body,
        failed=lambda problem: _l(
            "SkillCert could not send its registration to the LMS: %(problem)s.", problem=problem
        ),
    )
    if not 200 <= response.status_code < 300:
        detail = _refusal_detail(answer)
        log.warning(
            "Dynamic Registration: %s refused the registration (HTTP %s): %s",
            shown(endpoint),
            response.status_code,
            detail,
        )
        raise RegistrationRefused(
            _l(
                "The LMS refused SkillCert's registration (HTTP %(status)s): %(detail)s",
                status=response.status_code,
                detail=detail,
            ),
            advice=_l(
                "Nothing was registered. A registration token works once: start the "
                "registration again from the LMS, not by reloading this page. If the LMS "
                "refuses it again, its message above says what it did not accept."
            ),
        )
    try:
        return json.loads(answer)
    except ValueError:
        raise RegistrationRefused(
            _l("The LMS's answer to the registration is not a JSON object.")
        ) from None


def _refusal_detail(body: bytes) -> str:
    """What an LMS said when refusing: its OAuth ``error_description``/``error``, Canvas's
    ``errors`` (a 422 with ``{"errors": [...]}`` instead of the OAuth error body,
    canvas-lms issue #2396, 2024-08-10), or its text; one line, shortened."""
    text = body.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        for name in ("error_description", "errorMessage", "message", "errors", "error"):
            if document.get(name):
                text = (
                    json.dumps(document[name])
                    if not isinstance(document[name], str)
                    else document[name]
                )
                break
    text = _CONTROL.sub(" ", text).strip()
    return (text[:_MAX_DETAIL] + "…" if len(text) > _MAX_DETAIL else text) or "(no message)"


def _store(
    session: Session,
    settings: Settings,
    platform: PlatformConfiguration,
    client_id: str,
    deployment_id: str | None,
) -> Registration:
    warnings = list(platform.warnings)
    origins = {
        "://".join(urlsplit(u)[:2]).lower()
        for u in (platform.issuer, platform.authorization_endpoint)
    }
    config_origin = "://".join(urlsplit(platform.url)[:2]).lower()
    try:
        registration = add_platform(
            session,
            settings,
            preset=platform.preset,
            client_id=client_id,
            deployment_id=deployment_id,
            issuer=platform.issuer,
            name=f"{platform.title} ({platform.host})"[:200],
            auth_login_url=platform.authorization_endpoint,
            auth_token_url=platform.token_endpoint,
            key_set_url=platform.jwks_uri,
            auth_audience=platform.token_audience,
            # The LMS frames SkillCert from the site the administrator registered from
            # (a school's own Canvas domain, with the shared issuer).
            frame_origins=() if config_origin in origins else (config_origin,),
            warn=warnings.append,
        )
    except ValueError as exc:
        log.warning("Dynamic Registration from %s not stored: %s", platform.host, exc)
        raise RegistrationRefused(
            _l(
                "The LMS registered SkillCert, but SkillCert could not store the registration: "
                "%(problem)s",
                problem=exc,
            ),
            advice=_l(
                "Nothing was stored in SkillCert. Remove the new SkillCert registration in the "
                "LMS (it cannot launch), and ask SkillCert's administrator about the problem above."
            ),
        ) from None
    registration.registered_via = RegisteredVia.DYNAMIC
    # Kept for operators to read: without the registration token Blackboard's portal puts
    # in its registration endpoint's query (one that does not expire, Behind the
    # Blackboard 000090618).
    registration.platform_configuration = {
        name: redact_tokens(value) if isinstance(value, str) else value
        for name, value in platform.document.items()
    }
    registration.registration_warnings = warnings
    now = utcnow()
    registration.is_active = False
    registration.pending_since = now
    for deployment in registration.deployments:
        deployment.is_active = False
        deployment.pending_since = now
    if auto_approves(platform.host, settings):
        approve_registration(registration)
    session.flush()
    return registration
