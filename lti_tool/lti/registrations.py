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
    for option, url in urls.items():
        if url and option != "auth_audience":
            # SkillCert itself calls the token and key set URLs: what their host names
            # resolve to is checked now too (and again on every call).
            fetched = option in {"auth_token_url", "key_set_url"}
            check_platform_url(url, settings, f"--{option.replace('_', '-')}", resolve=fetched)
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
    for field in ("auth_login_url", "auth_token_url"):
        if not urls[field]:
            raise ValueError(f"{option_name(field)} is required for the {template.title} preset.")
    if not urls["key_set_url"] and not static_keys:
        raise ValueError("--key-set-url is required (or static keys).")
    return urls


def _origin_of(url: str, settings: Settings) -> str:
    """``https://host[:port]`` of a URL the LMS frames the tool from."""
    url = platform_input.clean_url(url, "--frame-origin") or ""
    check_platform_url(url, settings, "--frame-origin")
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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


def platform_setup(lms: str, settings: Settings) -> str | dict[str, Any]:
    """What the LMS administrator enters on their side: Canvas's developer-key JSON, or text."""
    preset = get_preset(lms)
    if preset.name == "canvas":
        return canvas_developer_key(settings)
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
        "scopes": [
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        ],
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
        "custom_fields": {},
    }
