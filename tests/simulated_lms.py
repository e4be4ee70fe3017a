"""A simulated LMS on loopback: JWKS, OIDC login, OAuth2 tokens, AGS and NRPS over real HTTP.

Tests tell it what the next launch should carry (``expect_launch``); the tool's login
redirect sends the "browser" to its /auth endpoint, which answers like a platform does:
an HTML form that posts a signed id_token and the state back to the tool. Each launch
spec can tamper with the token (claims, header, key, algorithm) to test rejections.

For LTI Advantage services, ``register_tool`` tells it a tool's client_id and key set: its
/token endpoint then verifies client assertions as a platform does (signature, aud,
iss = sub = client_id, exp, jti used once) and issues bearer tokens that expire and can be
revoked. ``add_course`` makes a gradebook (line items, scores, results) and a roster, both
paged with ``Link: rel="next"`` (mixed-case query names, so a client that changes the URL
reads the wrong page); ``moodle=True`` gives line item URLs with a query string. Fault
knobs (``fail_next``, ``hang_next``, ``revoke_tokens``, ``delete_line_item``) act on the
next service requests; every score received is kept on its course. Each registered tool
(:class:`ToolClient`) counts the scope sets its token requests asked for and the most of
its service requests answered at once; ``token_delay`` slows its token endpoint, so
concurrent requests overlap. ``override_result``
is a teacher overriding a learner's grade in the gradebook: results report it whatever is
posted later, until ``remove_override`` (Moodle's behaviour for an LTI activity's grade
item: see ``Course.overrides``).

Deep Linking: the tool's response, posted to /deep-link-return (or handed to
``receive_deep_link``), is verified with the tool's key set and each resource link kept
as a :class:`PlacedLink` with its dates. A later launch of that link carries the link's
custom parameters with the LTI core ``$ResourceLink.*DateTime`` variables substituted
from its current dates (empty where a date is unset; left as written with
``substitutes=False``), so tests can change the dates "in the LMS" and launch again.
Members' ``group_enrollments`` go into the NRPS answer as the test lists them.
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
AGS = "https://purl.imsglobal.org/spec/lti-ags/"
AGS_SCOPES = (
    AGS + "scope/lineitem",
    AGS + "scope/lineitem.readonly",
    AGS + "scope/result.readonly",
    AGS + "scope/score",
)
AGS_MEDIA = "application/vnd.ims.lis.v2."
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Longest a hang fault may last: faults stay bounded.
MAX_HANG_SECONDS = 5.0
_SERVICE_PATH = re.compile(
    r"/ags/(?P<course>[\w-]+)/lineitems"
    r"(?:/(?P<item>\d+)(?P<moodle>/lineitem)?(?:/(?P<service>scores|results))?)?"
)


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


@dataclasses.dataclass
class ToolClient:
    """What the LMS knows of a tool it registered: its client_id, keys and grants."""

    client_id: str
    jwks: dict[str, Any]
    audience: str
    scopes: tuple[str, ...]
    token_lifetime: int
    #: Verified assertions, in order (their claims).
    assertions: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: The scope set each of those token requests asked for, in the same order.
    token_scopes: list[frozenset[str]] = dataclasses.field(default_factory=list)
    #: Seconds the token endpoint takes to answer this tool (a slow LMS: requests overlap).
    token_delay: float = 0.0
    #: Service requests of this tool being answered now, and the most there ever were at once.
    in_flight: int = 0
    most_in_flight: int = 0


@dataclasses.dataclass
class Course:
    """A course's gradebook and roster in the simulated LMS."""

    id: str
    client_id: str
    base: str
    page_size: int
    #: Line item URLs carry ``?type_id=1`` and services sit before it, as in Moodle.
    moodle: bool
    line_items: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: Every score received: (line item number, the score as posted).
    scores: list[tuple[int, dict[str, Any]]] = dataclasses.field(default_factory=list)
    members: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: Grades a teacher overrode in the gradebook, by (line item number, userId), on the line
    #: item's scale (None: the teacher cleared it). Posted scores are still received, but
    #: results report the override, as Moodle does for an LTI activity's grade item: a posted
    #: score only changes the raw grade, and the final grade (what results report) is not
    #: recomputed while the grade is overridden (moodle/moodle lib/grade/grade_item.php,
    #: update_raw_grade and regrade_final_grades; checked 2026-12-06).
    overrides: dict[tuple[int, str], float | None] = dataclasses.field(default_factory=dict)
    #: Every service request: (method, path with query as received).
    requests: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    _next_item: int = 1

    @property
    def lineitems_url(self) -> str:
        return f"{self.base}/ags/{self.id}/lineitems" + ("?type_id=1" if self.moodle else "")

    @property
    def memberships_url(self) -> str:
        return f"{self.base}/nrps/{self.id}/memberships"

    def line_item_url(self, number: int) -> str:
        if self.moodle:
            return f"{self.base}/ags/{self.id}/lineitems/{number}/lineitem?type_id=1"
        return f"{self.base}/ags/{self.id}/lineitems/{number}"

    def add_line_item(self, label: str, score_maximum: float = 100, **members: Any) -> str:
        number = self._next_item
        self._next_item += 1
        self.line_items[number] = {
            **members,
            "label": label,
            "scoreMaximum": score_maximum,
            "id": self.line_item_url(number),
        }
        return self.line_item_url(number)

    def ags_claim(self, lineitem: str | None = None, scopes: tuple[str, ...] = AGS_SCOPES):
        claim: dict[str, Any] = {"scope": list(scopes), "lineitems": self.lineitems_url}
        if lineitem is not None:
            claim["lineitem"] = lineitem
        return {AGS + "claim/endpoint": claim}

    def nrps_claim(self) -> dict[str, Any]:
        return {
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            }
        }

    def line_item_number(self, lineitem_url: str) -> int:
        return next(n for n, item in self.line_items.items() if item["id"] == lineitem_url)

    def scores_for(self, lineitem_url: str) -> list[dict[str, Any]]:
        number = self.line_item_number(lineitem_url)
        return [score for n, score in self.scores if n == number]

    def override_result(self, lineitem_url: str, user_id: str, score: float | None) -> None:
        """A teacher overrides ``user_id``'s grade in the gradebook (``score`` on the line
        item's scale); it stays whatever scores are posted later."""
        self.overrides[(self.line_item_number(lineitem_url), user_id)] = score

    def remove_override(self, lineitem_url: str, user_id: str) -> None:
        """The teacher removes the override: results show the newest posted score again."""
        del self.overrides[(self.line_item_number(lineitem_url), user_id)]

    def results_for(self, number: int) -> dict[str, dict[str, Any]]:
        """What the gradebook holds for line item ``number``, by userId: the newest posted
        score, or a teacher's override."""
        held: dict[str, dict[str, Any]] = {}
        for n, score in self.scores:
            if n == number:
                held[score["userId"]] = {
                    "resultScore": score.get("scoreGiven"),
                    "resultMaximum": score.get("scoreMaximum"),
                    "comment": score.get("comment"),
                }
        maximum = self.line_items[number]["scoreMaximum"]
        for (n, user), overridden in self.overrides.items():
            if n == number:
                held[user] = {**held.get(user, {}), "resultScore": overridden}
                held[user]["resultMaximum"] = maximum
        return held


@dataclasses.dataclass
class PlacedLink:
    """A resource link the LMS made from a Deep Linking content item."""

    id: str
    title: str
    custom: dict[str, str]
    #: ``startDateTime``/``endDateTime`` as the item gave them; tests may change them.
    available: dict[str, str] = dataclasses.field(default_factory=dict)
    submission: dict[str, str] = dataclasses.field(default_factory=dict)
    line_item: dict[str, Any] | None = None
    #: False: the LMS leaves ``$…`` variables as written (it does not substitute).
    substitutes: bool = True

    def launch_custom(self) -> dict[str, str]:
        """The custom claim of a launch of this link, variables substituted."""
        if not self.substitutes:
            return dict(self.custom)
        values = {
            f"$ResourceLink.{window}.{end}": dates.get(end, "")
            for window, dates in (("available", self.available), ("submission", self.submission))
            for end in ("startDateTime", "endDateTime")
        }
        return {name: values.get(value, value) for name, value in self.custom.items()}


@dataclasses.dataclass
class Fault:
    status: int = 500
    retry_after: str | None = None
    hang_seconds: float = 0.0
    body: str = "simulated failure"


class SimulatedLMS:
    def __init__(self) -> None:
        self._keys: dict[str, rsa.RSAPrivateKey] = {}
        self.current_kid = ""
        self.rotate_key()
        self._stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._pending: dict[str, LaunchSpec] = {}
        self.jwks_requests = 0
        self.tools: dict[str, ToolClient] = {}
        self.courses: dict[str, Course] = {}
        #: bearer token -> (client_id, scopes, expires at)
        self._tokens: dict[str, tuple[str, frozenset[str], float]] = {}
        self._used_jtis: set[str] = set()
        self._faults: list[Fault] = []
        #: Resource links made by Deep Linking, by id.
        self.placed: dict[str, PlacedLink] = {}
        self._lock = threading.Lock()
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
        placed = self.placed.get(str(spec.resource_link.get("id")))
        if placed is not None and spec.message_type == "LtiResourceLinkRequest":
            claims[LTI + "custom"] = placed.launch_custom()
        if spec.padding:
            claims["padding"] = "x" * spec.padding
        for name, value in spec.claims.items():
            if value is DELETE:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self.sign(claims, header=spec.header, signing=spec.signing)

    def sign(
        self,
        claims: dict[str, Any],
        *,
        header: dict[str, Any] | None = None,
        signing: str = "platform",
    ) -> str:
        """``claims`` as a JWT signed as ``signing`` says (see :attr:`LaunchSpec.signing`),
        with the current key's kid unless ``header`` overrides it."""
        header = {"kid": self.current_kid, **(header or {})}
        if signing == "none":
            return jwt.encode(claims, None, algorithm="none", headers=header)
        if signing == "hs256-public":
            public_pem = self._public_pem(self.current_kid)
            return _hs256_with_secret(claims, header, public_pem)
        key = self._stranger if signing == "stranger" else self._keys[self.current_kid]
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

    def receive_deep_link(self, token: str, jwks: dict[str, Any]) -> list[str]:
        """Accept a Deep Linking response signed by a key in ``jwks``: make a resource link
        of each ``ltiResourceLink`` item; return their ids."""
        kid = jwt.get_unverified_header(token).get("kid")
        key = next(k for k in jwks["keys"] if k.get("kid") == kid)
        claims = jwt.decode(
            token,
            jwt.PyJWK(key).key,
            algorithms=["RS256"],
            audience=self.url,
            options={"require": ["exp", "iat", "nonce"]},
        )
        items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
        made = []
        for item in items:
            if item.get("type") != "ltiResourceLink":
                continue
            link = PlacedLink(
                id="placed-" + secrets.token_hex(4),
                title=item.get("title", ""),
                custom=dict(item.get("custom", {})),
                available=dict(item.get("available", {})),
                submission=dict(item.get("submission", {})),
                line_item=item.get("lineItem"),
            )
            self.placed[link.id] = link
            made.append(link.id)
        return made

    # -- services: registration, courses, faults ----------------------------------------

    def register_tool(
        self,
        client_id: str,
        jwks: dict[str, Any],
        *,
        audience: str | None = None,
        scopes: tuple[str, ...] = (*AGS_SCOPES, NRPS_SCOPE),
        token_lifetime: int = 3600,
    ) -> ToolClient:
        """Accept client assertions from ``client_id`` signed by a key in ``jwks``."""
        tool = ToolClient(client_id, jwks, audience or self.token_url, scopes, token_lifetime)
        self.tools[client_id] = tool
        return tool

    def add_course(
        self,
        client_id: str,
        *,
        page_size: int = 3,
        moodle: bool = False,
        members: list[dict[str, Any]] | None = None,
    ) -> Course:
        course = Course(
            id="course-" + secrets.token_hex(4),
            client_id=client_id,
            base=self.url,
            page_size=page_size,
            moodle=moodle,
            members=list(members or []),
        )
        self.courses[course.id] = course
        return course

    def fail_next(
        self,
        count: int = 1,
        status: int = 500,
        retry_after: str | None = None,
        body: str = "simulated failure",
    ):
        """The next ``count`` service requests answer ``status`` with ``body`` (and
        Retry-After if given)."""
        with self._lock:
            self._faults.extend(Fault(status, retry_after, body=body) for _ in range(count))

    def hang_next(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` service requests wait ``seconds`` (at most 5) before answering."""
        seconds = min(seconds, MAX_HANG_SECONDS)
        with self._lock:
            self._faults.extend(Fault(hang_seconds=seconds) for _ in range(count))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def revoke_tokens(self, client_id: str) -> int:
        """Revoke every access token of ``client_id``; returns how many."""
        with self._lock:
            revoked = [t for t, (owner, _, _) in self._tokens.items() if owner == client_id]
            for token in revoked:
                del self._tokens[token]
        return len(revoked)

    def delete_line_item(self, course: Course, lineitem_url: str) -> None:
        """An instructor deletes the column in the LMS."""
        del course.line_items[course.line_item_number(lineitem_url)]

    def _count_in(self, tool: ToolClient | None) -> None:
        """A service request of ``tool`` is being answered (see ``ToolClient.in_flight``)."""
        if tool is not None:
            with self._lock:
                tool.in_flight += 1
                tool.most_in_flight = max(tool.most_in_flight, tool.in_flight)

    def _count_out(self, tool: ToolClient | None) -> None:
        if tool is not None:
            with self._lock:
                tool.in_flight -= 1

    def _take_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The OAuth2 token endpoint: verify the client assertion, issue a bearer token."""

        def refuse(status: int, error: str, description: str):
            return status, {"error": error, "error_description": description}

        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != _ASSERTION_TYPE:
            return refuse(400, "invalid_request", "client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            kid = jwt.get_unverified_header(assertion).get("kid")
        except jwt.PyJWTError:
            return refuse(400, "invalid_request", "client_assertion is not a JWT")
        tool = self.tools.get(str(unverified.get("iss")))
        if tool is None:
            return refuse(401, "invalid_client", "unknown client")
        time.sleep(tool.token_delay)
        keys = {k.get("kid"): k for k in tool.jwks.get("keys", [])}
        if kid not in keys:
            return refuse(401, "invalid_client", f"unknown kid {kid!r}")
        try:
            claims = jwt.decode(
                assertion,
                jwt.PyJWK(keys[kid], algorithm="RS256").key,
                algorithms=["RS256"],
                audience=tool.audience,
                issuer=tool.client_id,
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
        except jwt.PyJWTError as exc:
            return refuse(401, "invalid_client", f"client assertion rejected: {exc}")
        if claims["sub"] != tool.client_id or claims["exp"] - claims["iat"] > 3600:
            return refuse(401, "invalid_client", "sub must be the client_id; exp within 1 h")
        with self._lock:
            if claims["jti"] in self._used_jtis:
                return refuse(401, "invalid_client", "jti already used")
            self._used_jtis.add(claims["jti"])
        granted = frozenset(form.get("scope", "").split()) & frozenset(tool.scopes)
        if not granted:
            return refuse(400, "invalid_scope", "none of the requested scopes is granted")
        tool.assertions.append(claims)
        tool.token_scopes.append(frozenset(form.get("scope", "").split()))
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._tokens[token] = (tool.client_id, granted, time.time() + tool.token_lifetime)
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": tool.token_lifetime,
            "scope": " ".join(sorted(granted)),
        }

    def token_grant(self, header: str) -> tuple[str, frozenset[str]] | None:
        """The client_id and scopes of the unexpired bearer token in an Authorization
        header, or None."""
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        with self._lock:
            grant = self._tokens.get(token)
        if grant is None or grant[2] < time.time():
            return None
        return grant[0], grant[1]

    def _authorised(self, header: str, course: Course, scopes: tuple[str, ...]) -> int:
        """200 if the bearer token may act on ``course`` with one of ``scopes``, else 401/403."""
        grant = self.token_grant(header)
        if grant is None:
            return 401
        client_id, granted = grant
        if client_id != course.client_id or not granted.intersection(scopes):
            return 403
        return 200

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
                    self._service("GET")

            def do_POST(self) -> None:
                if urlsplit(self.path).path == "/deep-link-return":
                    form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                    token = form.get("JWT", "")
                    try:
                        issuer = str(jwt.decode(token, options={"verify_signature": False})["iss"])
                        made = lms.receive_deep_link(token, lms.tools[issuer].jwks)
                    except (jwt.PyJWTError, KeyError, StopIteration) as exc:
                        self._send(400, f"deep linking response refused: {exc!r}", "text/plain")
                        return
                    self._send(200, json.dumps({"resource_links": made}), "application/json")
                elif urlsplit(self.path).path == "/token":
                    form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                    status, document = lms.issue_token(form)
                    self._send(status, json.dumps(document), "application/json")
                else:
                    self._service("POST")

            def do_PUT(self) -> None:
                self._service("PUT")

            def do_DELETE(self) -> None:
                self._service("DELETE")

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            # -- AGS and NRPS ----------------------------------------------------------

            def _service(self, method: str) -> None:
                url = urlsplit(self.path)
                body = self._body()
                query = parse_qs(url.query)
                match = _SERVICE_PATH.fullmatch(url.path)
                nrps = re.fullmatch(r"/nrps/([\w-]+)/memberships", url.path)
                course = lms.courses.get(
                    match["course"] if match else nrps.group(1) if nrps else ""
                )
                if course is None:
                    self._send(404, "not found", "text/plain")
                    return
                course.requests.append((method, self.path))
                tool = lms.tools.get(course.client_id)
                lms._count_in(tool)
                try:
                    self._answer(course, method, query, body, match, nrps)
                finally:
                    lms._count_out(tool)

            def _answer(self, course: Course, method: str, query, body: bytes, match, nrps) -> None:
                fault = lms._take_fault()
                if fault is not None and fault.hang_seconds:
                    time.sleep(fault.hang_seconds)
                elif fault is not None:
                    self._send(fault.status, fault.body, "text/plain", fault.retry_after)
                    return
                if nrps:
                    self._memberships(course, method, query)
                    return
                if course.moodle and match["item"] and query.get("type_id") != ["1"]:
                    self._send(404, "line item URL lost its query string", "text/plain")
                    return
                if match["item"] is None:
                    self._container(course, method, query, body)
                elif match["service"] == "scores":
                    self._score(course, int(match["item"]), method, body)
                elif match["service"] == "results":
                    self._results(course, int(match["item"]), method, query)
                else:
                    self._line_item(course, int(match["item"]), method, body)

            def _allowed(self, course: Course, *scopes: str) -> bool:
                status = lms._authorised(self.headers.get("Authorization", ""), course, scopes)
                if status != 200:
                    self._send(status, json.dumps({"error": "not authorised"}), "application/json")
                return status == 200

            def _container(self, course: Course, method: str, query, body: bytes) -> None:
                if method == "GET":
                    if not self._allowed(course, *AGS_SCOPES[:2]):
                        return
                    filters = {
                        "resource_link_id": "resourceLinkId",
                        "resource_id": "resourceId",
                        "tag": "tag",
                    }
                    items = [
                        item
                        for item in course.line_items.values()
                        if all(item.get(m) == query[q][0] for q, m in filters.items() if q in query)
                    ]
                    self._page(course, items, query, AGS_MEDIA + "lineitemcontainer+json")
                elif method == "POST":
                    if not self._allowed(course, AGS_SCOPES[0]):
                        return
                    if self.headers.get("Content-Type") != AGS_MEDIA + "lineitem+json":
                        self._send(415, "wrong media type", "text/plain")
                        return
                    item = json.loads(body)
                    url = course.add_line_item(**item)
                    created = next(i for i in course.line_items.values() if i["id"] == url)
                    self._send(201, json.dumps(created), AGS_MEDIA + "lineitem+json")
                else:
                    self._send(405, "method not allowed", "text/plain")

            def _line_item(self, course: Course, number: int, method: str, body: bytes) -> None:
                scopes = AGS_SCOPES[:2] if method == "GET" else AGS_SCOPES[:1]
                if not self._allowed(course, *scopes):
                    return
                item = course.line_items.get(number)
                if item is None:
                    self._send(
                        404, json.dumps({"error": "line item not found"}), "application/json"
                    )
                elif method == "GET":
                    self._send(200, json.dumps(item), AGS_MEDIA + "lineitem+json")
                elif method == "PUT":
                    update = json.loads(body)
                    item.update({k: v for k, v in update.items() if k != "id"})
                    self._send(200, json.dumps(item), AGS_MEDIA + "lineitem+json")
                elif method == "DELETE":
                    del course.line_items[number]
                    self._send(204, "", "text/plain")

            def _score(self, course: Course, number: int, method: str, body: bytes) -> None:
                if method != "POST" or not self._allowed(course, AGS_SCOPES[3]):
                    if method != "POST":
                        self._send(405, "method not allowed", "text/plain")
                    return
                if number not in course.line_items:
                    self._send(
                        404, json.dumps({"error": "line item not found"}), "application/json"
                    )
                    return
                if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                    self._send(415, "wrong media type", "text/plain")
                    return
                score = json.loads(body)
                required = ("userId", "activityProgress", "gradingProgress", "timestamp")
                if any(name not in score for name in required):
                    self._send(400, json.dumps({"error": "score misses a field"}), "text/plain")
                    return
                course.scores.append((number, score))
                self._send(204, "", "text/plain")

            def _results(self, course: Course, number: int, method: str, query) -> None:
                if not self._allowed(course, AGS_SCOPES[2]):
                    return
                if number not in course.line_items:
                    self._send(
                        404, json.dumps({"error": "line item not found"}), "application/json"
                    )
                    return
                results = [
                    {
                        "id": f"{course.line_item_url(number)}#{user}",
                        "userId": user,
                        **held,
                        "scoreOf": course.line_item_url(number),
                    }
                    for user, held in course.results_for(number).items()
                    if "user_id" not in query or query["user_id"][0] == user
                ]
                self._page(course, results, query, AGS_MEDIA + "resultcontainer+json")

            def _memberships(self, course: Course, method: str, query) -> None:
                if method != "GET" or not self._allowed(course, NRPS_SCOPE):
                    return
                members = [
                    m
                    for m in course.members
                    if "role" not in query or query["role"][0] in m["roles"]
                ]
                self._page(
                    course,
                    members,
                    query,
                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                    wrap=lambda page: {"id": course.memberships_url, "members": page},
                )

            def _page(self, course: Course, rows: list, query, media_type: str, wrap=None):
                """One page of ``rows``; the next page's URL uses mixed-case query names."""
                size = int(query["limit"][0]) if "limit" in query else course.page_size
                page = int(query.get("Page", ["1"])[0])
                chunk = rows[(page - 1) * size : page * size]
                document = wrap(chunk) if wrap else chunk
                data = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(data)))
                if page * size < len(rows):
                    rest = [(k, v[0]) for k, v in query.items() if k != "Page"]
                    path = urlsplit(self.path).path
                    next_query = "&".join(f"{k}={v}" for k, v in [*rest, ("Page", page + 1)])
                    first = f"{lms.url}{path}"
                    self.send_header(
                        "Link",
                        f'<{first}>; rel="first", <{lms.url}{path}?{next_query}>; rel="next"',
                    )
                self.end_headers()
                self.wfile.write(data)

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

            def _send(
                self, status: int, body: str, content_type: str, retry_after: str | None = None
            ) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
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
