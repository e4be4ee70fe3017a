"""Authenticated calls to one platform's service URLs, and paging by ``Link: rel="next"``.

Every call is bounded (the outbound timeout and size cap), carries a bearer token for the
client's scope set, and goes only to an origin the platform's own launches named: a line
item id or a next-page link pointing anywhere else is refused before anything is sent.
A 401 drops the token and tries once more with a new one (the platform revoked it or
its clock runs ahead of ours); a second 401 is final.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import parse_header_links

from lti_tool.services.errors import ServiceError, error_from_response
from lti_tool.services.tokens import ClientCredentials, TokenCache
from lti_tool.services.transport import check_url, send
from lti_tool.settings import Settings

#: Most pages read from one paged container; a platform that links on forever is cut off.
MAX_PAGES = 100


@dataclasses.dataclass(frozen=True)
class Answer:
    """A successful answer from an LMS service."""

    url: str
    status: int
    headers: CaseInsensitiveDict
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            raise ServiceError(f"{self.url} did not return JSON.", status=self.status) from None

    def next_url(self) -> str | None:
        """The ``rel="next"`` link, exactly as given (relative ones resolved against us)."""
        header = self.headers.get("Link")
        if not header:
            return None
        for link in parse_header_links(header):
            if "next" in link.get("rel", "").split():
                return urljoin(self.url, link["url"])
        return None


def with_query(url: str, params: dict[str, str | int | None]) -> str:
    """``url`` with ``params`` added after any query it already has."""
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    if not extra:
        return url
    parts = urlsplit(url)
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class ServiceConnection:
    """Calls to the service URLs of one registration, with tokens for one scope set."""

    def __init__(
        self,
        credentials: ClientCredentials,
        tokens: TokenCache,
        settings: Settings,
        http: requests.Session,
        *,
        scopes: Iterable[str],
        known_urls: Iterable[str],
    ) -> None:
        self.credentials = credentials
        self._tokens = tokens
        self._settings = settings
        self._http = http
        self.scopes = frozenset(scopes)
        self._origins = {_origin(url) for url in known_urls}

    def check_url(self, url: str, what: str) -> str:
        """``url`` if it may be called: allowed scheme, and an origin the launches named."""
        check_url(url, self._settings, what)
        if _origin(url) not in self._origins:
            raise ServiceError(
                f"{what} {url!r} is not on a host this LMS's launches named; SkillCert "
                "does not send it anything."
            )
        return url

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        accept: str | None = None,
        content_type: str | None = None,
        document: Any = None,
    ) -> Answer:
        self.check_url(url, what)
        headers = {}
        if accept:
            headers["Accept"] = accept
        data = None
        if content_type:
            headers["Content-Type"] = content_type
            data = json.dumps(document).encode()
        for attempt in (1, 2):
            token = self._tokens.get(self.credentials, self.scopes)
            response, body = self._send(method, url, headers, data, token, what)
            if response.status_code == 401 and attempt == 1:
                self._tokens.invalidate(self.credentials, self.scopes, token)
                continue
            if not 200 <= response.status_code < 300:
                raise error_from_response(response, body, what, secret=token)
            return Answer(url, response.status_code, response.headers, body)
        raise AssertionError("unreachable: the second attempt returns or raises")

    def pages(
        self, url: str, *, what: str, accept: str, max_pages: int = MAX_PAGES
    ) -> Iterator[Answer]:
        """GET ``url`` and every ``rel="next"`` page after it, at most ``max_pages``."""
        for _ in range(max_pages):
            answer = self.request("GET", url, what=what, accept=accept)
            yield answer
            next_url = answer.next_url()
            if next_url is None:
                return
            url = next_url
        raise ServiceError(
            f"{what}: the LMS still links to more after {max_pages} pages; SkillCert stopped there."
        )

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | None,
        token: str,
        what: str,
    ) -> tuple[requests.Response, bytes]:
        authorised = {**headers, "Authorization": f"Bearer {token}"}
        return send(self._http, self._settings, method, url, what, headers=authorised, data=data)
