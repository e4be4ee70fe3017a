"""Service clients built from one tenant's rows: a registration, its deployment, a context.

A client only ever calls the URLs that this context's launches named (stored by
:mod:`lti_tool.lti.sync`), with a token for this registration; a context of another
deployment, or an inactive registration or deployment, gets no client at all.
"""

from __future__ import annotations

from typing import TypedDict

import requests
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.constants import NOTICE_HANDLERS_SCOPE, NRPS_SCOPE, AgsScope
from lti_tool.lti.keys import ensure_key, signing_jwk
from lti_tool.models import Context, Deployment, Registration, ResourceLink
from lti_tool.services.ags import AgsClient
from lti_tool.services.errors import ServiceError
from lti_tool.services.http import ServiceConnection
from lti_tool.services.nrps import NrpsClient
from lti_tool.services.pns import PnsClient
from lti_tool.services.tokens import ClientCredentials, TokenCache
from lti_tool.settings import Settings


def token_cache(app: Flask) -> TokenCache:
    """The app's shared token cache (one per process: a miss only costs a token request)."""
    cache = app.extensions.get("skillcert.tokens")
    if cache is None:
        cache = app.extensions.setdefault(
            "skillcert.tokens",
            TokenCache(app.config["SETTINGS"], app.extensions["skillcert.http"]),
        )
    return cache


class AppOptions(TypedDict):
    tokens: TokenCache
    settings: Settings
    http: requests.Session


def app_options(app: Flask) -> AppOptions:
    """The ``tokens``, ``settings`` and ``http`` arguments of :func:`ags_client` and
    :func:`nrps_client` for this app: its shared token cache, settings and HTTP session."""
    return {
        "tokens": token_cache(app),
        "settings": app.config["SETTINGS"],
        "http": app.extensions["skillcert.http"],
    }


def credentials_for(session: Session, registration: Registration) -> ClientCredentials:
    return ClientCredentials(
        registration_id=registration.id,
        client_id=registration.client_id,
        token_url=registration.auth_token_url,
        audience=registration.auth_audience or registration.auth_token_url,
        signing_key=signing_jwk(ensure_key(session)),
    )


def _tenant(session: Session, deployment: Deployment, context: Context) -> Registration:
    if context.deployment_id != deployment.id:
        raise ServiceError(f"Course {context.id} does not belong to deployment {deployment.id}.")
    registration = session.get(Registration, deployment.registration_id)
    if registration is None or not registration.is_active or not deployment.is_active:
        raise ServiceError(
            f"The LMS registration or deployment of course {context.id} is not active."
        )
    return registration


def ags_client(
    session: Session,
    deployment: Deployment,
    context: Context,
    *,
    tokens: TokenCache,
    settings: Settings,
    http: requests.Session,
) -> AgsClient:
    """AGS for ``context``: its line item container and its links' own line items."""
    registration = _tenant(session, deployment, context)
    lineitem_urls = session.scalars(
        select(ResourceLink.ags_lineitem_url).where(
            ResourceLink.context_id == context.id, ResourceLink.ags_lineitem_url.is_not(None)
        )
    ).all()
    known = [url for url in (context.ags_lineitems_url, *lineitem_urls) if url]
    if not known:
        raise ServiceError("The LMS has not offered grade services in this course.")
    connection = ServiceConnection(
        credentials_for(session, registration),
        tokens,
        settings,
        http,
        scopes=set(context.ags_scopes) & set(AgsScope),
        known_urls=known,
    )
    return AgsClient(connection, context.ags_lineitems_url, canvas=registration.preset == "canvas")


def nrps_client(
    session: Session,
    deployment: Deployment,
    context: Context,
    *,
    tokens: TokenCache,
    settings: Settings,
    http: requests.Session,
) -> NrpsClient:
    """NRPS for ``context``: the memberships URL its launches named."""
    registration = _tenant(session, deployment, context)
    if not context.nrps_memberships_url:
        raise ServiceError("The LMS has not offered its course roster service in this course.")
    connection = ServiceConnection(
        credentials_for(session, registration),
        tokens,
        settings,
        http,
        scopes={NRPS_SCOPE},
        known_urls=[context.nrps_memberships_url],
    )
    return NrpsClient(connection, context.nrps_memberships_url)


def pns_client(
    session: Session,
    deployment: Deployment,
    service_url: str,
    *,
    tokens: TokenCache,
    settings: Settings,
    http: requests.Session,
) -> PnsClient:
    """PNS for ``deployment``: the notice handler service URL one of its launches named."""
    registration = session.get(Registration, deployment.registration_id)
    if registration is None or not registration.is_active or not deployment.is_active:
        raise ServiceError(f"The LMS registration or deployment {deployment.id} is not active.")
    connection = ServiceConnection(
        credentials_for(session, registration),
        tokens,
        settings,
        http,
        scopes={NOTICE_HANDLERS_SCOPE},
        known_urls=[service_url],
    )
    return PnsClient(connection, service_url)
