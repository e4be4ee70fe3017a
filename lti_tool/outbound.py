"""Every call from SkillCert to an LMS goes through here: allowed URLs and addresses,
timeouts, size limits.

In production (an https ``base_url``) a call reaches only the public internet. Each
connection resolves its host once, checks every address the name resolves to, and
connects to the checked address (TLS still sends and verifies the host name), so a name
that answers a public address to a check and a private one to the connection (DNS
rebinding) gains nothing. Loopback, link-local, private, unique-local, multicast,
unspecified and reserved addresses are refused, also inside IPv4-mapped, 6to4, Teredo and
NAT64 IPv6 addresses, unless the operator allow-lists the host or its network
(``outbound_allowed_hosts``) for an LMS on their own network. Local trials (http on
localhost) and the tests' loopback LMS are not restricted.

Failures are logged here with the detail (URL, address, reason); callers show people one
message that does not tell a refused connection from a failed TLS handshake.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import json
import logging
import re
import socket
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from lti_tool.host_names import is_loopback_host, parse_outbound_allowed_hosts
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Host names that are this machine whatever DNS says (RFC 6761 §6.3).
_LOCAL_NAMES = re.compile(r"(?:.*\.)?localhost\.?", re.IGNORECASE)
#: IPv4 in the forms inet_aton reads: 2130706433, 127.1, 0x7f.1, 0177.0.0.1.
_NUMERIC_V4 = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?", re.I)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: A query parameter whose name ends in "token", up to its value's end.
_TOKEN_PARAMETER = re.compile(r"((?:[?&]|\b)[\w.-]*token=)[^&\s'\"]+", re.IGNORECASE)
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


class OutboundError(Exception):
    """A call to an LMS failed; the message names the URL and the reason, never a secret."""

    #: True when the same call may succeed later (the LMS was down, slow or unreachable).
    transient = False


class UnreachableError(OutboundError):
    """No answer: the connection, the TLS handshake or name resolution failed, or timed out."""

    transient = True

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class AddressRefusedError(OutboundError, ValueError):
    """The URL's host is, or resolves to, an address SkillCert does not call."""


def address_problem(address: IPAddress) -> str | None:
    """Why SkillCert does not call ``address`` ("a private address"), or None if public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return address_problem(embedded)
    checks = (
        (address.is_unspecified, "an unspecified"),
        (address.is_loopback, "a loopback"),
        (address.is_link_local, "a link-local"),
        (address.is_multicast, "a multicast"),
        (address.version == 6 and address in _UNIQUE_LOCAL, "a unique-local"),
        (address.is_private, "a private"),
        (address.is_reserved, "a reserved"),
        (address.version == 6 and address.is_site_local, "a site-local"),
        (not address.is_global, "a non-public"),
    )
    for failed, kind in checks:
        if failed:
            return f"{kind} address"
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo client, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host names without DNS: IPv6, dotted quad or a short form."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_V4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            return None
    return None


@dataclasses.dataclass(frozen=True)
class AddressPolicy:
    """Which addresses outbound connections may reach."""

    #: False in local trials (http on localhost) and for the tests' loopback LMS.
    enforce: bool = True
    #: Allow-listed host names (lower case, no trailing dot) and networks.
    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def refusal(self, host: str, address: IPAddress) -> str | None:
        """Why a connection to ``host`` at ``address`` is refused, or None if allowed."""
        if not self.enforce:
            return None
        problem = address_problem(address)
        if problem is None:
            return None
        name = host.strip("[]").rstrip(".").lower()
        embedded = _embedded_ipv4(address)
        if name in self.hosts or any(
            a in network for network in self.networks for a in (address, embedded) if a
        ):
            return None
        shown = host.strip("[]")
        return (
            f"{shown} is {problem}" if shown == str(address) else f"{shown} is {address}, {problem}"
        )

    def check(self, host: str, address: IPAddress) -> None:
        reason = self.refusal(host, address)
        if reason is not None:
            raise AddressRefusedError(reason)


@functools.lru_cache(maxsize=16)
def address_policy(settings: Settings) -> AddressPolicy:
    """The policy of ``settings``: enforced unless the tool runs on http on localhost."""
    hosts, networks = parse_outbound_allowed_hosts(settings.outbound_allowed_hosts)
    return AddressPolicy(not settings.is_local_http, hosts, networks)


_ADVICE = (
    "SkillCert calls only LMSs on the public internet. If this LMS is on your own network, "
    "add its host to the setting outbound_allowed_hosts."
)


def check_platform_url(
    url: str, settings: Settings, what: str = "URL", *, resolve: bool = False
) -> str:
    """Return ``url`` if the tool may call it: https (or http to this machine in local
    trials) to a public address. ``resolve`` also checks what its host name resolves to
    now (registration does; each connection checks again)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"{what} {url!r} is not an absolute URL.")
    if parts.scheme not in {"http", "https"}:
        raise ValueError(f"{what} {url!r} must use https.")
    policy = address_policy(settings)
    if parts.scheme == "http" and not (
        settings.allows_http_loopback_platforms and is_loopback_host(parts.hostname)
    ):
        raise ValueError(f"{what} {url!r} must use https.")
    host = parts.hostname
    address = literal_address(host)
    if address is None and policy.enforce and _LOCAL_NAMES.fullmatch(host):
        address = ipaddress.ip_address("127.0.0.1")
    addresses = [address] if address is not None else []
    if address is None and resolve and policy.enforce:
        addresses = _resolved(host, parts.port or 443)
    for each in addresses:
        reason = policy.refusal(host, each)
        if reason is not None:
            raise AddressRefusedError(f"{what} {url!r}: {reason}. {_ADVICE}")
    return url


def _resolved(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        log.warning("Outbound check: %s does not resolve now (%s); each call checks it", host, exc)
        return []
    return [ipaddress.ip_address(info[4][0]) for info in infos]


# -- the connection: resolve once, check, connect to the checked address -----------------


def open_checked_socket(
    policy: AddressPolicy,
    host: str,
    port: int,
    timeout: Any = _DEFAULT_TIMEOUT,
    source_address: tuple[str, int] | None = None,
    socket_options: Any = None,
) -> socket.socket:
    """A socket connected to ``host``: every address it resolves to is checked first, and
    only those checked addresses are tried."""
    host = host.strip("[]")
    infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    for *_, sockaddr in infos:
        policy.check(host, ipaddress.ip_address(sockaddr[0]))
    error: OSError = OSError(f"{host} resolves to no address")
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error


class _CheckedConnection(HTTPConnection):
    policy = AddressPolicy()

    def _new_conn(self) -> socket.socket:
        try:
            return open_checked_socket(
                self.policy,
                self._dns_host,
                self.port,
                self.timeout,
                self.source_address,
                self.socket_options,
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc


class _CheckedHTTPSConnection(_CheckedConnection, HTTPSConnection):
    pass


class CheckedAdapter(HTTPAdapter):
    """Connects directly (no proxy: it would resolve names out of our sight) to checked
    addresses only."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        extra = {"policy": self.policy}
        http = type("CheckedHTTPConnection", (_CheckedConnection,), extra)
        https = type("CheckedHTTPSConnection", (_CheckedHTTPSConnection,), extra)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("CheckedPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kwargs["proxies"] = None
        return super().send(request, *args, **kwargs)


_MOUNTING = threading.Lock()


def make_http_session(settings: Settings | None = None) -> requests.Session:
    """The session for calls to LMSs; without settings it refuses every non-public address
    until the first call through this module names the settings."""
    session = requests.Session()
    session.headers["User-Agent"] = "SkillCert-LTI-Tool"
    session.max_redirects = 3
    _mount(session, address_policy(settings) if settings else AddressPolicy())
    return session


def _mount(session: requests.Session, policy: AddressPolicy) -> None:
    for prefix in ("https://", "http://"):
        session.mount(prefix, CheckedAdapter(policy))


def _checked(http: requests.Session, settings: Settings) -> requests.Session:
    policy = address_policy(settings)
    with _MOUNTING:
        adapters = [http.get_adapter(p) for p in ("https://x", "http://x")]
        if not all(isinstance(a, CheckedAdapter) and a.policy == policy for a in adapters):
            _mount(http, policy)
    return http


def safe_url(url: str) -> str:
    """``url`` for a log line: without a user name or password, or a token in its query."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return redact_tokens(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))


def redact_tokens(text: str) -> str:
    """``text`` with the value of every ``…token=`` query parameter in it hidden: an LMS
    passes Dynamic Registration's one-time registration token in the configuration URL
    (Canvas), and a failed call's message repeats the URL."""
    return _TOKEN_PARAMETER.sub(r"\1[hidden]", text)


def exchange(
    http: requests.Session, settings: Settings, method: str, url: str, **kwargs: Any
) -> tuple[requests.Response, bytes]:
    """Send one request and read its answer, bounded in time and size. Raises
    :class:`AddressRefusedError`, :class:`UnreachableError` or :class:`OutboundError`
    after logging the detail (URL, address, reason)."""
    try:
        check_platform_url(url, settings)
        with _checked(http, settings).request(
            method,
            url,
            timeout=settings.http_timeout_seconds,
            stream=True,
            **kwargs,
        ) as response:
            return response, read_limited(response, settings.http_max_response_bytes)
    except AddressRefusedError as exc:
        log.warning(
            "Outbound call refused: %s %s: %s", method, safe_url(url), redact_tokens(str(exc))
        )
        raise
    except ValueError as exc:
        log.warning(
            "Outbound call refused: %s %s: %s", method, safe_url(url), redact_tokens(str(exc))
        )
        raise OutboundError(str(exc)) from exc
    except OutboundError as exc:
        log.warning(
            "Outbound call failed: %s %s: %s", method, safe_url(url), redact_tokens(str(exc))
        )
        raise
    except requests.TooManyRedirects as exc:
        log.warning("Outbound call failed: %s %s: too many redirects", method, safe_url(url))
        raise OutboundError(f"{url} redirected too many times") from exc
    except requests.RequestException as exc:
        detail = f"{type(exc).__name__}: {redact_tokens(str(exc))[:300]}"
        log.warning("Outbound call failed: %s %s: %s", method, safe_url(url), detail)
        timed_out = isinstance(exc, requests.Timeout)
        raise UnreachableError(f"{url} could not be reached", timed_out=timed_out) from exc


def fetch_json(http: requests.Session, url: str, settings: Settings) -> Any:
    """GET a JSON document, bounded in time and size; raise :class:`OutboundError` on failure.
    Redirects are followed (hosts move) at most three times, each hop checked like the URL."""
    response, body = exchange(
        http,
        settings,
        "GET",
        url,
        headers={"Accept": "application/json"},
        hooks={"response": lambda r, **_: _check_redirect(r, settings)},
    )
    if response.status_code != 200:
        log.warning("Outbound call failed: GET %s: HTTP %s", safe_url(url), response.status_code)
        raise OutboundError(f"{url} answered HTTP {response.status_code}")
    try:
        return json.loads(body)
    except ValueError as exc:
        log.warning("Outbound call failed: GET %s: not JSON", safe_url(url))
        raise OutboundError(f"{url} did not return JSON") from exc


def _check_redirect(response: requests.Response, settings: Settings) -> None:
    """Follow an LMS's redirects only to URLs it would be allowed to give us."""
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
