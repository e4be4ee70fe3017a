"""Every call from SkillCert to an LMS goes through here: allowed URLs, timeouts, size limits."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from lti_tool.settings import Settings, is_loopback_host


class OutboundError(Exception):
    """A call to an LMS failed; the message names the URL and the reason, never a secret."""


def check_platform_url(url: str, settings: Settings, what: str = "URL") -> str:
    """Return ``url`` if the tool may call it: https, or http to this machine in local trials."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"{what} {url!r} is not an absolute URL.")
    if parts.scheme == "https":
        return url
    if (
        parts.scheme == "http"
        and settings.allows_http_loopback_platforms
        and is_loopback_host(parts.hostname)
    ):
        return url
    raise ValueError(f"{what} {url!r} must use https.")


def make_http_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "SkillCert-LTI-Tool"
    session.max_redirects = 3
    return session


def fetch_json(http: requests.Session, url: str, settings: Settings) -> Any:
    """GET a JSON document, bounded in time and size; raise :class:`OutboundError` on failure."""
    try:
        check_platform_url(url, settings)
        with http.get(
            url,
            timeout=settings.http_timeout_seconds,
            stream=True,
            headers={"Accept": "application/json"},
            hooks={"response": lambda r, **_: _check_redirect(r, settings)},
        ) as response:
            if response.status_code != 200:
                raise OutboundError(f"{url} answered HTTP {response.status_code}")
            body = read_limited(response, settings.http_max_response_bytes)
    except ValueError as exc:
        raise OutboundError(str(exc)) from exc
    except requests.TooManyRedirects as exc:
        raise OutboundError(f"{url} redirected too many times") from exc
    except requests.RequestException as exc:
        raise OutboundError(f"{url} could not be reached ({type(exc).__name__})") from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise OutboundError(f"{url} did not return JSON") from exc


def _check_redirect(response: requests.Response, settings: Settings) -> None:
    """Follow an LMS's redirects (hosts move) only to URLs it would be allowed to give us."""
    location = response.headers.get("Location")
    if response.is_redirect and location:
        check_platform_url(requests.compat.urljoin(response.url, location), settings, "Redirect")


def read_limited(response: requests.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            raise OutboundError(f"{response.url} returned more than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
