"""Outbound calls reach only the public internet in production (issue 15, finding 3).

Production here is an https ``base_url``. DNS is the test's to answer: ``socket.getaddrinfo``
is replaced for made-up names only (that is the resolver, not SkillCert's code); every
other name resolves as usual. Connections are recorded at ``socket.connect`` (conftest
already refuses any beyond loopback), so "refused before any connection" is observed, not
assumed. The LMS that answers over TLS is a real HTTPS server on loopback with a
certificate for its made-up name, signed by a CA made here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.lti.keys import ensure_key
from lti_tool.lti.registrations import add_platform
from lti_tool.models import Context, Deployment, Registration
from lti_tool.outbound import OutboundError, check_platform_url, fetch_json, make_http_session
from lti_tool.services.clients import ags_client, nrps_client
from lti_tool.services.errors import ServiceError
from lti_tool.services.tokens import TokenCache
from lti_tool.settings import Settings, load_settings
from tests.conftest import LmsDriver
from tests.simulated_lms import AGS, AGS_SCOPES

PRODUCTION = "https://tool.example.edu"
PUBLIC = "93.184.215.14"  # a global unicast address; nothing here connects to it

#: Every way of writing an address that is not on the public internet.
NON_PUBLIC_URLS = [
    "https://127.0.0.1/jwks",
    "https://127.0.0.1:8443/jwks",
    "https://localhost/jwks",
    "https://foo.localhost/jwks",
    "https://[::1]/jwks",
    "https://10.1.2.3/jwks",
    "https://172.16.0.9/jwks",
    "https://192.168.1.1/jwks",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/jwks",  # shared (carrier-grade NAT) space
    "https://2130706433/jwks",  # 127.0.0.1 in decimal
    "https://127.1/jwks",  # short form
    "https://0x7f000001/jwks",  # hexadecimal
    "https://0177.0.0.1/jwks",  # octal
    "https://0.0.0.0/jwks",
    "https://224.0.0.1/jwks",  # multicast
    "https://240.0.0.1/jwks",  # reserved
    "https://[::]/jwks",
    "https://[fd00::1]/jwks",  # unique-local
    "https://[fe80::1]/jwks",  # link-local
    "https://[ff02::1]/jwks",  # multicast
    "https://[::ffff:127.0.0.1]/jwks",  # IPv4-mapped
    "https://[::ffff:a00:1]/jwks",  # IPv4-mapped 10.0.0.1, in hex
    "https://[2002:a00:1::]/jwks",  # 6to4 around 10.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/jwks",  # NAT64 around 169.254.169.254
]


def production(tmp_path: Path, **overrides: Any) -> Settings:
    return load_settings(
        {"base_url": PRODUCTION, "instance_path": str(tmp_path / "instance"), **overrides},
        environ={},
    )


# -- the network, observed ----------------------------------------------------------------


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket connects to (after conftest's loopback-only rule)."""
    seen: list[Any] = []
    loopback_only = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(address[:2] if isinstance(address, tuple) else address)
        if isinstance(address, tuple) and address[0] == PUBLIC:
            raise ConnectionRefusedError(111, "Connection refused")  # no outside network
        return loopback_only(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


class Resolver:
    """DNS for made-up names: each answers the addresses given, in turn (the last repeats)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in self.answers:
                return real(host, port, *args, **kwargs)
            self.asked.append(name)
            turns = self.answers[name]
            addresses = turns.pop(0) if len(turns) > 1 else turns[0]
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, int(port or 443), 0, 0) if ":" in a else (a, int(port or 443)),
                )
                for a in addresses
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(self, name: str, *turns: list[str]) -> None:
        self.answers[name] = list(turns)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    return Resolver(monkeypatch)


# -- an LMS on this machine that speaks TLS ------------------------------------------------


class TlsLms:
    """An HTTPS server on 127.0.0.1 with a certificate for ``names``; serves a key set."""

    def __init__(self, folder: Path, names: list[str]) -> None:
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SkillCert test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        chain = folder / "server.pem"
        chain.write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
            + key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(chain)
        self.requests: list[str] = []
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                lms.requests.append(self.path)
                body = json.dumps({"keys": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def session(self, settings: Settings) -> requests.Session:
        return make_http_session()  # the app's session: the first call names the settings

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def tls_lms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsLms]:
    server = TlsLms(tmp_path, ["lms.school.internal", "rebind.example.edu", "swap.example.edu"])
    # Trust the test CA the way an operator trusts their own CA (requests reads this).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    yield server
    server.close()


# -- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", NON_PUBLIC_URLS)
def test_every_form_of_a_non_public_address_is_refused_before_connecting(
    url, tmp_path, connections, dns
):
    settings = production(tmp_path)
    with pytest.raises(ValueError, match="outbound_allowed_hosts"):
        check_platform_url(url, settings, "--key-set-url")
    with pytest.raises(OutboundError):
        fetch_json(make_http_session(), url, settings)
    assert connections == []
    assert dns.asked == []  # refused from the URL alone: no name to resolve


def test_registration_refuses_non_public_urls_in_production(make_app, tmp_path, dns):
    app = make_app(base_url=PRODUCTION)
    dns.answer("lms.school.internal", ["10.20.0.5"])
    settings = app.config["SETTINGS"]
    for field, url in [
        ("key_set_url", "https://169.254.169.254/latest/meta-data/"),
        ("auth_token_url", "https://2130706433/token"),
        ("auth_token_url", "https://[::ffff:127.0.0.1]/token"),
        ("key_set_url", "https://lms.school.internal/jwks"),  # a name for a private address
    ]:
        urls = {
            "auth_login_url": "https://lms.example.edu/auth",
            "auth_token_url": "https://lms.example.edu/token",
            "key_set_url": "https://lms.example.edu/jwks",
            field: url,
        }
        with transaction(app) as session, pytest.raises(ValueError) as refused:
            add_platform(
                session,
                settings,
                preset="generic",
                issuer="https://lms.example.edu",
                client_id="c1",
                **urls,
            )
        message = str(refused.value)
        assert url in message and "outbound_allowed_hosts" in message, message
    app.extensions["skillcert.engine"].dispose()


def test_a_name_that_resolves_to_a_private_address_is_refused_unless_allow_listed(
    tmp_path, tls_lms, dns, connections
):
    dns.answer("lms.school.internal", ["127.0.0.1"])
    url = f"https://lms.school.internal:{tls_lms.port}/jwks"
    settings = production(tmp_path)
    with pytest.raises(OutboundError):
        fetch_json(tls_lms.session(settings), url, settings)
    assert connections == [] and tls_lms.requests == []

    for allowed in ("lms.school.internal", "127.0.0.0/8", "10.0.0.0/8, LMS.School.Internal."):
        settings = production(tmp_path, outbound_allowed_hosts=allowed)
        # TLS still checks the certificate against the name, though we connect to the address.
        assert fetch_json(tls_lms.session(settings), url, settings) == {"keys": []}
    assert connections == [("127.0.0.1", tls_lms.port)] * 3
    assert len(tls_lms.requests) == 3


def test_the_allow_list_is_checked_at_start_up(tmp_path):
    assert production(tmp_path, outbound_allowed_hosts="lms.local, 10.20.0.0/16, fd00::/8")
    for bad in ("https://lms.local", "lms.local:8443", "lms.local/path", "10.0.0.0/33", "*.local"):
        with pytest.raises(SettingsError, match="outbound_allowed_hosts") as refused:
            production(tmp_path, outbound_allowed_hosts=bad)
        assert repr(bad.strip()) in str(refused.value)


def test_a_name_rebound_to_a_private_address_after_the_check_is_refused(
    make_app, tls_lms, dns, connections
):
    """DNS rebinding: the registration sees a public address, the call a private one."""
    app = make_app(base_url=PRODUCTION)
    settings = app.config["SETTINGS"]
    url = f"https://rebind.example.edu:{tls_lms.port}/jwks"
    dns.answer("rebind.example.edu", [PUBLIC], ["127.0.0.1"])
    with transaction(app) as session:
        add_platform(
            session,
            settings,
            preset="generic",
            issuer="https://rebind.example.edu",
            client_id="c1",
            auth_login_url="https://rebind.example.edu/auth",
            auth_token_url="https://lms.example.edu/token",
            key_set_url=url,
        )
    with pytest.raises(OutboundError):
        fetch_json(tls_lms.session(settings), url, settings)
    assert connections == [] and tls_lms.requests == []

    # Within one call: resolved once, and the checked address is the one connected to.
    dns.answer("swap.example.edu", [PUBLIC], ["127.0.0.1"])
    with pytest.raises(OutboundError):
        fetch_json(tls_lms.session(settings), f"https://swap.example.edu:{tls_lms.port}/", settings)
    assert dns.asked.count("swap.example.edu") == 1
    assert connections == [(PUBLIC, tls_lms.port)] and tls_lms.requests == []
    app.extensions["skillcert.engine"].dispose()


def _page_without_reference(response) -> str:
    return re.sub(r"<code>[0-9a-f]{8}</code>", "<code>ref</code>", response.get_data(as_text=True))


def test_the_error_page_is_the_same_for_a_closed_port_and_a_failed_handshake(lms, caplog):
    """Anyone can start a launch: the page must not work as a port scanner."""
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    not_tls = lms.sim.url.replace("http://", "https://")  # answers plain HTTP to a handshake
    pages, logged = [], []
    for key_set_url in (f"https://127.0.0.1:{closed_port}/jwks", f"{not_tls}/jwks.json"):
        with transaction(lms.app) as session:
            session.query(Registration).one().key_set_url = key_set_url
        caplog.clear()
        response = lms.launch()
        assert response.status_code == 502
        pages.append(_page_without_reference(response))
        logged.append([r.getMessage() for r in caplog.records if r.name == "lti_tool.outbound"])
    assert pages[0] == pages[1]
    assert "SkillCert could not reach the LMS" in pages[0]
    # The log keeps what the page does not say.
    assert "Connection refused" in " ".join(logged[0]) and "SSLError" in " ".join(logged[1])


@pytest.mark.parametrize("service", ["ags", "nrps"])
def test_service_urls_from_launch_claims_at_private_addresses_are_refused(
    app, sim, service, connections
):
    """The LMS's launch names the AGS and NRPS URLs: a private one is not called."""
    driver = LmsDriver(app, app.test_client(), sim)
    registration = driver.register()
    with transaction(app) as session:
        ensure_key(session)
    jwks = driver.client.get("/lti/jwks.json").get_json()
    sim.register_tool(driver.client_id, jwks, audience=registration.auth_audience)
    claims = {
        AGS + "claim/endpoint": {
            "scope": list(AGS_SCOPES),
            "lineitems": "https://10.9.8.7/ags/course-1/lineitems",
        },
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": "https://[fd00::7]/nrps/course-1",
            "service_versions": ["2.0"],
        },
    }
    assert driver.launch(role="instructor", claims=claims).status_code in (200, 302)
    # The same tool in production; the LMS itself (its token URL) is on this machine.
    settings = dataclasses.replace(
        app.config["SETTINGS"], base_url=PRODUCTION, outbound_allowed_hosts="127.0.0.1"
    )
    http = app.extensions["skillcert.http"]
    build = ags_client if service == "ags" else nrps_client
    connections.clear()
    with transaction(app) as session:
        deployment, context = session.query(Deployment, Context).join(Context).one()
        client = build(
            session,
            deployment,
            context,
            tokens=TokenCache(settings, http),
            settings=settings,
            http=http,
        )
    with pytest.raises(ServiceError) as refused:
        client.line_items() if service == "ags" else client.members()
    assert "SkillCert could not reach the LMS" in str(refused.value)
    assert "private" not in str(refused.value) and "unique-local" not in str(refused.value)
    assert not refused.value.transient
    assert connections == []  # not even a token was asked for
