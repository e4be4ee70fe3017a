"""One HTTP exchange with an LMS service, bounded the same way for tokens and service calls."""

from __future__ import annotations

import logging
from typing import Any

import requests

from lti_tool.outbound import (
    AddressRefusedError,
    OutboundError,
    UnreachableError,
    check_platform_url,
    exchange,
    safe_url,
)
from lti_tool.services.errors import ServiceError, error_from_unreachable
from lti_tool.settings import Settings

log = logging.getLogger(__name__)


def check_url(url: str, settings: Settings, what: str) -> str:
    """``url`` if SkillCert may call it; a :class:`ServiceError` otherwise, worded like a
    failed connection when the address is refused (the log keeps which and why)."""
    try:
        return check_platform_url(url, settings, what)
    except AddressRefusedError as exc:
        log.warning("Outbound call refused: %s: %s", safe_url(url), exc)
        raise error_from_unreachable(exc, what) from exc
    except ValueError as exc:
        raise ServiceError(str(exc)) from exc


def send(
    http: requests.Session, settings: Settings, method: str, url: str, what: str, **kwargs: Any
) -> tuple[requests.Response, bytes]:
    """The response and its body: no redirects, the settings' timeout and size cap, public
    addresses only in production; a failure to get an answer becomes a
    :class:`ServiceError` (transient when it may pass)."""
    try:
        return exchange(http, settings, method, url, allow_redirects=False, **kwargs)
    except (UnreachableError, AddressRefusedError) as exc:
        raise error_from_unreachable(exc, what) from exc
    except OutboundError as exc:
        raise ServiceError(f"{what}: {exc}") from exc
