"""Registering platforms and deployments; what an LMS administrator pastes on their side.

The CLI, the demo LMS and the tests all register through these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti import platform_input
from lti_tool.lti.constants import NOTICE_HANDLERS_SCOPE, TOOL_SCOPES
from lti_tool.lti.custom_parameters import as_lines, tool_custom_parameters
from lti_tool.lti.moodle_form import moodle_tool_form
from lti_tool.lti.platform_input import option_name
from lti_tool.lti.presets import Preset, get_preset
from lti_tool.lti.urls import jwks_url, launch_url, login_url
from lti_tool.models import Deployment, Registration
from lti_tool.outbound import check_platform_url
from lti_tool.settings import Settings

log = logging.getLogger(__name__)


def add_platform(
    session: Session,
    settings: Settings,
    *,
    preset: str,
    client_id: str,
    deployment_id: str | None = None,
    issuer: str | None = None,
    site_url: str | None = None,
    name: str | None = None,
    auth_login_url: str | None = None,
    auth_token_url: str | None = None,
    key_set_url: str | None = None,
    key_set: dict[str, Any] | None = None,
    auth_audience: str | None = None,
    frame_origins: tuple[str, ...] = (),
    warn: Callable[[str], None] | None = None,
) -> Registration:
    """Register a platform from a preset, explicit values overriding it.

    Values are tidied first (lti_tool.lti.platform_input); what looks mistyped is logged
    and passed to ``warn``. Raises ValueError with a message for the administrator when
    something is missing, not https, at a non-public address in production (unless
    ``outbound_allowed_hosts`` lists it), malformed, or already registered.
    """
    template = get_preset(preset)
    warnings: list[str] = []
    client_id = client_id.strip()
    if not client_id:
        raise ValueError("--client-id is empty: copy the client ID your LMS shows.")
    deployment_id, auth_audience = (
        v.strip() if v else None for v in (deployment_id, auth_audience)
    )
    site_url = platform_input.clean_url(site_url, "--site-url")
    issuer = platform_input.clean_issuer(issuer, warnings) or template.issuer or site_url
    if not issuer:
        raise ValueError(f"The {template.title} preset needs --issuer (the LMS's site URL).")
    platform_input.refuse_endpoint_as_issuer(template, issuer, client_id)
    site = site_url or (issuer if template.issuer is None else None)
    given = {
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": key_set_url,
    }
    urls = _endpoint_urls(
        template,
        {
            field: platform_input.clean_url(value, option_name(field))
            for field, value in given.items()
        },
        site=site,
        client_id=client_id,
        static_keys=bool(key_set),
    )
    urls["auth_audience"] = auth_audience or _expanded(
        template, template.auth_audience, site, client_id
    )
    warnings += platform_input.preset_warnings(
        template, issuer, urls, site=site_url, client_id=client_id
    )
    check_platform_url(issuer, settings, "The issuer")
    _check_endpoints(urls, settings)
    origins = [_origin_of(url, settings) for url in frame_origins]
    if session.scalar(
        select(Registration.id).where(
            Registration.issuer == issuer, Registration.client_id == client_id
        )
    ):
        raise ValueError(f"Issuer {issuer} with client id {client_id} is already registered.")
    registration = Registration(
        name=name or f"{template.title} ({issuer})",
        preset=template.name,
        issuer=issuer,
        client_id=client_id,
        key_set=key_set,
        frame_origins=origins,
        **urls,
    )
    session.add(registration)
    session.flush()
    log.info("Registered platform %s: issuer=%s client_id=%s", registration.id, issuer, client_id)
    for warning in warnings:
        log.warning("Registration %s: %s", registration.id, warning)
        if warn is not None:
            warn(warning)
    if deployment_id:
        add_deployment(session, registration, deployment_id)
    return registration


def _expanded(template: Preset, value: str | None, site: str | None, client_id: str) -> str | None:
    return template.expand(value, site=site, client_id=client_id) if value else None


def _endpoint_urls(
    template: Preset,
    given: dict[str, str | None],
    *,
    site: str | None,
    client_id: str,
    static_keys: bool,
) -> dict[str, str | None]:
    """The login, token and key set URLs: as given, else the preset's for this site."""
    urls = {
        field: value or _expanded(template, getattr(template, field), site, client_id)
        for field, value in given.items()
    }
    if static_keys:
        urls["key_set_url"] = None
    _require_endpoints(template, urls, static_keys=static_keys)
    return urls


def _require_endpoints(template: Preset, urls: dict[str, str | None], *, static_keys: bool) -> None:
    for field in ("auth_login_url", "auth_token_url"):
        if not urls[field]:
            raise ValueError(f"{option_name(field)} is required for the {template.title} preset.")
    if not urls["key_set_url"] and not static_keys:
        raise ValueError("--key-set-url is required (or static keys).")


def _check_endpoints(urls: dict[str, str | None], settings: Settings) -> None:
    for option, url in urls.items():
        if url and option != "auth_audience":
            # SkillCert itself calls the token and key set URLs: what their host names
            # resolve to is checked now too (and again on every call).
            fetched = option in {"auth_token_url", "key_set_url"}
            check_platform_url(url, settings, f"--{option.replace('_', '-')}", resolve=fetched)


def _origin_of(url: str, settings: Settings) -> str:
    """``https://host[:port]`` of a URL the LMS frames the tool from."""
    url = platform_input.clean_url(url, "--frame-origin") or ""
    check_platform_url(url, settings, "--frame-origin")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"--frame-origin {url} contains a user name or password: give the LMS's address "
            "only, like https://canvas.school.edu."
        )
    return f"{parts.scheme}://{parts.netloc}"


def update_platform(
    settings: Settings,
    registration: Registration,
    *,
    name: str,
    auth_login_url: str | None,
    auth_token_url: str | None,
    key_set_url: str | None,
    auth_audience: str | None,
    frame_origins: tuple[str, ...],
    serial_requests: bool,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Change what may change after registering, through ``add_platform``'s checks; returns
    the fields that changed, with their new values.

    The issuer, client id and preset stay: launches and tokens are matched on them (a new
    pair is a new registration). Raises ValueError, having changed nothing, as
    ``add_platform`` does.
    """
    template = get_preset(registration.preset)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("The name must be 1 to 200 characters: a name people recognise.")
    static_keys = registration.key_set is not None
    given = {
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "key_set_url": None if static_keys else key_set_url,
    }
    urls = {
        field: platform_input.clean_url(value, option_name(field)) for field, value in given.items()
    }
    _require_endpoints(template, urls, static_keys=static_keys)
    _check_endpoints(urls, settings)
    origins = [_origin_of(url, settings) for url in frame_origins]
    wanted: dict[str, Any] = {
        "name": name,
        **urls,
        "auth_audience": auth_audience.strip() if auth_audience and auth_audience.strip() else None,
        "frame_origins": origins,
        "serial_requests": serial_requests,
    }
    changed = {f: v for f, v in wanted.items() if getattr(registration, f) != v}
    for field, value in changed.items():
        setattr(registration, field, value)
    log.info("Changed registration %s: %s", registration.id, ", ".join(changed) or "nothing")
    for warning in platform_input.preset_warnings(
        template, registration.issuer, urls, site=None, client_id=registration.client_id
    ):
        log.warning("Registration %s: %s", registration.id, warning)
        if warn is not None:
            warn(warning)
    return changed


def find_registration(session: Session, issuer: str, client_id: str | None = None) -> Registration:
    query = select(Registration).where(Registration.issuer == issuer)
    if client_id:
        query = query.where(Registration.client_id == client_id)
    rows = session.scalars(query.limit(2)).all()
    if not rows:
        raise ValueError(f"No platform is registered with issuer {issuer}.")
    if len(rows) > 1:
        raise ValueError(f"Issuer {issuer} has several registrations: give --client-id.")
    return rows[0]


def add_deployment(
    session: Session, registration: Registration, deployment_id: str, name: str = ""
) -> Deployment:
    existing = session.scalar(
        select(Deployment).where(
            Deployment.registration_id == registration.id,
            Deployment.deployment_id == deployment_id,
        )
    )
    if existing is not None:
        raise ValueError(f"Deployment {deployment_id} is already added to {registration.name}.")
    deployment = Deployment(registration=registration, deployment_id=deployment_id, name=name)
    session.add(deployment)
    session.flush()
    log.info("Added deployment %s to registration %s", deployment_id, registration.id)
    return deployment


def approve_registration(registration: Registration) -> None:
    """Let a pending registration launch, with the deployments it registered with."""
    registration.is_active = True
    registration.pending_since = None
    for deployment in registration.deployments:
        if deployment.pending_since is not None:
            enable_deployment(deployment)
    log.info("Approved registration %s", registration.id)


def enable_deployment(deployment: Deployment) -> None:
    """Let a deployment's launches in (a pending one, or one switched off)."""
    deployment.is_active = True
    deployment.pending_since = None
    log.info("Enabled deployment %s", deployment.id)


def disable_deployment(deployment: Deployment) -> None:
    """Refuse a deployment's launches until it is enabled again (it is no longer pending)."""
    deployment.is_active = False
    deployment.pending_since = None
    log.info("Disabled deployment %s", deployment.id)


def set_registration_active(registration: Registration, active: bool) -> None:
    """Switch a registration that is not pending off (its launches are refused) or back
    on; a pending one is approved instead (``approve_registration``)."""
    if registration.pending_since is not None:
        raise ValueError(f"Registration {registration.id} is pending: approve it instead.")
    registration.is_active = active
    log.info("%s registration %s", "Enabled" if active else "Disabled", registration.id)


def platform_setup(lms: str, settings: Settings) -> str | dict[str, Any]:
    """What the LMS administrator enters on their side: Canvas's developer-key JSON, or text."""
    preset = get_preset(lms)
    if preset.name == "canvas":
        return canvas_developer_key(settings)
    if preset.name == "moodle":
        return "\n".join([*moodle_tool_form(settings), "", preset.notes])
    lines = [
        f"Settings for registering SkillCert in {preset.title}:",
        f"  Tool URL / target link URI:   {launch_url(settings)}",
        f"  Login initiation URL:         {login_url(settings)}",
        f"  Redirect URI(s):              {launch_url(settings)}",
        f"  Deep Linking URL:             {launch_url(settings)}",
        f"  Public keyset URL (JWKS):     {jwks_url(settings)}",
        "  Signature method:             RS256 (public keyset URL)",
        "  Services:                     Assignment and Grade Services; Names and Role",
        "                                Provisioning Services; Deep Linking",
        "  Share launcher's name:        yes (shown to instructors; email is not needed)",
        "  Custom parameters:            (one per line)",
        *(f"    {line}" for line in as_lines(tool_custom_parameters(preset.name))),
        "",
        preset.notes,
    ]
    return "\n".join(lines)


def canvas_developer_key(settings: Settings) -> dict[str, Any]:
    """Canvas "LTI key" JSON (Admin > Developer Keys > + LTI Key > Paste JSON)."""
    host = settings.base_url.split("://", 1)[1].split("/", 1)[0]
    return {
        "title": "SkillCert",
        "description": (
            "Enterprise AI Practitioner and AI Education for K-12 Teachers certification"
        ),
        "oidc_initiation_url": login_url(settings),
        "target_link_uri": launch_url(settings),
        "public_jwk_url": jwks_url(settings),
        # Canvas wants the notice handlers' scope on the key for PNS (its API docs,
        # "Platform Notification Service" > "Tool Configuration", read 2026-12-06).
        "scopes": [*map(str, TOOL_SCOPES), NOTICE_HANDLERS_SCOPE],
        "extensions": [
            {
                "domain": host,
                "tool_id": "skillcert",
                "platform": "canvas.instructure.com",
                "privacy_level": "name_only",
                "settings": {
                    "placements": [
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": launch_url(settings),
                            "text": "SkillCert",
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch_url(settings),
                            "text": "SkillCert activity",
                        },
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": launch_url(settings),
                            "text": "SkillCert module",
                        },
                    ]
                },
            }
        ],
        "custom_fields": tool_custom_parameters("canvas"),
    }
