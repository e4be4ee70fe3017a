"""A simulated LMS on loopback: JWKS, OIDC authorisation and token endpoints over real HTTP.

Tests tell it what the next launch should carry (``expect_launch``); the tool's login
redirect sends the "browser" to its /auth endpoint, which answers like a platform does:
an HTML form that posts a signed id_token and the state back to the tool. Each launch
spec can tamper with the token (claims, header, key, algorithm) to test rejections.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DELETE = object()  #: a claim override that removes the claim


@dataclasses.dataclass
class LaunchSpec:
    """What the simulated LMS puts in the next id_token (and how it breaks it)."""

    issuer: str
    client_id: str
    deployment_id: str
    target_link_uri: str
    sub: str = "user-1"
    name: str = "Ada Lovelace"
    roles: list[str] = dataclasses.field(
        default_factory=lambda: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    )
    context: dict[str, Any] | None = dataclasses.field(
        default_factory=lambda: {"id": "course-1", "title": "Intro to AI", "label": "AI-101"}
    )
    resource_link: dict[str, Any] = dataclasses.field(
        default_factory=lambda: {"id": "link-1", "title": "Module 1"}
    )
    message_type: str = "LtiResourceLinkRequest"
    #: Claim overrides applied last; the value DELETE removes a claim.
    claims: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: JWT header overrides (e.g. {"kid": "nope"}).
    header: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: "platform" (normal), "stranger" (a key the LMS does not publish), "none", "hs256-public".
    signing: str = "platform"
    #: Pad the token with a claim of this many bytes.
    padding: int = 0


class SimulatedLMS:
    def __init__(self) -> None:
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self.current_kid = ""
        self.rotate_key()
        self._stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._pending: dict[str, LaunchSpec] = {}
        self.jwks_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    # -- platform identity -------------------------------------------------------------

    @property
    def auth_login_url(self) -> str:
        return self.url + "/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def key_set_url(self) -> str:
        return self.url + "/jwks.json"

    def rotate_key(self, keep_old: bool = True) -> str:
        """Start signing with a new key; the old one stays published unless ``keep_old``."""
        if not keep_old:
            self._keys.clear()
        self.current_kid = "lms-" + secrets.token_hex(4)
        self._keys[self.current_kid] = rsa.generate_private_key(
            public_exponent=65537, key_size=2048
        )
        return self.current_kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self._keys.items():
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- launches ----------------------------------------------------------------------

    def expect_launch(self, spec: LaunchSpec) -> str:
        """Remember a launch; the returned login_hint selects it at /auth."""
        hint = "hint-" + secrets.token_hex(8)
        self._pending[hint] = spec
        return hint

    def id_token(self, spec: LaunchSpec, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": spec.issuer,
            "aud": spec.client_id,
            "sub": spec.sub,
            "name": spec.name,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "message_type": spec.message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": spec.deployment_id,
            LTI + "target_link_uri": spec.target_link_uri,
            LTI + "resource_link": spec.resource_link,
            LTI + "roles": spec.roles,
        }
        if spec.context is not None:
            claims[LTI + "context"] = spec.context
        if spec.padding:
            claims["padding"] = "x" * spec.padding
        for name, value in spec.claims.items():
            if value is DELETE:
                claims.pop(name, None)
            else:
                claims[name] = value
        header = {"kid": self.current_kid, **spec.header}
        if spec.signing == "none":
            return jwt.encode(claims, None, algorithm="none", headers=header)
        if spec.signing == "hs256-public":
            public_pem = self._public_pem(self.current_kid)
            return _hs256_with_secret(claims, header, public_pem)
        key = self._stranger if spec.signing == "stranger" else self._keys[self.current_kid]
        return jwt.encode(claims, key, algorithm="RS256", headers=header)

    def _public_pem(self, kid: str) -> bytes:
        return (
            self._keys[kid]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def authorize(self, auth_url: str) -> dict[str, str]:
        """Be the browser at the LMS: GET the auth URL over HTTP, return the form it posts."""
        response = requests.get(auth_url, timeout=5)
        response.raise_for_status()
        fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', response.text)
        return {name: html.unescape(value) for name, value in fields}

    # -- HTTP --------------------------------------------------------------------------

    def _handler(self):
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/jwks.json":
                    lms.jwks_requests += 1
                    self._send(200, json.dumps(lms.jwks()), "application/json")
                elif url.path == "/moved/jwks.json":  # the LMS moved its key set
                    self.send_response(301)
                    self.send_header("Location", "/jwks.json")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif url.path == "/auth":
                    self._auth({k: v[0] for k, v in parse_qs(url.query).items()})
                else:
                    self._send(404, "not found", "text/plain")

            def _auth(self, query: dict[str, str]) -> None:
                spec = lms._pending.pop(query.get("login_hint", ""), None)
                required = (
                    "scope",
                    "response_type",
                    "response_mode",
                    "prompt",
                    "client_id",
                    "redirect_uri",
                    "state",
                    "nonce",
                )
                if (
                    spec is None
                    or any(not query.get(name) for name in required)
                    or query["scope"] != "openid"
                    or query["response_type"] != "id_token"
                    or query["response_mode"] != "form_post"
                    or query["client_id"] != spec.client_id
                ):
                    self._send(400, "invalid authorisation request", "text/plain")
                    return
                token = lms.id_token(spec, query["nonce"])
                body = (
                    f'<form method="post" action="{html.escape(query["redirect_uri"])}">'
                    f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
                    f'<input type="hidden" name="state" value="{html.escape(query["state"])}">'
                    "</form>"
                )
                self._send(200, body, "text/html")

            def _send(self, status: int, body: str, content_type: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _hs256_with_secret(claims: dict[str, Any], header: dict[str, Any], secret: bytes) -> str:
    """The classic key-confusion attack: HS256 keyed with the platform's public key.

    PyJWT refuses PEM keys for HMAC, so the token is assembled by hand.
    """
    import base64
    import hashlib
    import hmac

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", **header}).encode())
    body = b64(json.dumps(claims).encode())
    signature = b64(hmac.new(secret, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + signature).decode()
