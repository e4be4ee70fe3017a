"""One HTTP exchange with an LMS service, bounded the same way for tokens and service calls."""

from __future__ import annotations

from typing import Any

import requests

from lti_tool.outbound import OutboundError, read_limited
from lti_tool.services.errors import ServiceError, error_from_exception
from lti_tool.settings import Settings


def send(
    http: requests.Session, settings: Settings, method: str, url: str, what: str, **kwargs: Any
) -> tuple[requests.Response, bytes]:
    """The response and its body: no redirects, the settings' timeout and size cap; a
    failure to get an answer becomes a :class:`ServiceError` (transient when it may pass)."""
    try:
        with http.request(
            method,
            url,
            timeout=settings.http_timeout_seconds,
            allow_redirects=False,
            stream=True,
            **kwargs,
        ) as response:
            return response, read_limited(response, settings.http_max_response_bytes)
    except OutboundError as exc:
        raise ServiceError(f"{what}: {exc}") from exc
    except requests.RequestException as exc:
        raise error_from_exception(exc, what) from exc
