"""A loopback LMS that plays LTI Dynamic Registration 1.0 the way each real one does, then
launches the tool it registered (it is a :class:`tests.simulated_lms.SimulatedLMS`).

Each :class:`PlatformShape` is one LMS family as its sources show it (read 2026-12-06):
where it serves its OpenID configuration and endpoints, what the configuration lists, what
its registration endpoint refuses, and whether its answer carries a deployment id.

- Canvas: instructure/canvas-lms Lti::IMS::DynamicRegistrationController#create and
  Lti::IMS::Registration (required values, "Invalid scopes", placements by Canvas name,
  no deployment until the tool is installed), lib/schemas/lti/ims/lti_tool_configuration.rb
  (``domain`` without scheme; ``claims`` and ``messages`` required), canvas-lms issues
  #2396 (a refusal is a 422 with ``errors``) and #2398 (``openid`` listed, yet refused in
  a registration); its issuer is the shared https://canvas.instructure.com while the
  configuration is on the school's host, which answers only with the registration token.
- Moodle: moodle/moodle mod/lti/openid-configuration.php (messages as plain names,
  placements at the claim's top level) and openid-registration.php with
  registration_helper.php ("missing_registration_token", "token_already_used", the
  required attributes, ``deployment_id`` = the tool type's id as a string).
- Brightspace: D2L's "Dynamic Registration" page (one-time token, an hour at most; https
  URLs; the deployment created when the administrator asks for it) and its token audience
  (config/platforms/brightspace.toml) as ``authorization_server``. Its real paths are
  whatever it passes as ``openid_configuration``; these follow the preset's.
- Sakai: sakaiproject/sakai LTI13Servlet (handleWellKnown: product family "sakailms.org",
  token and key set URLs per tool key; handleRegistrationEndpointPost: Bearer required,
  the tool's one-time token, initiate_login_uri/jwks_uri/redirect_uris required, the
  posted JSON echoed back with client_id and deployment_id) and a real Sakai's answer kept
  in atomicjolt's tests (``scopes_supported: ["openid"]`` only).

Knobs for broken metadata: ``config_overrides`` (a value, or ``DELETE`` to leave a field
out), ``config_padding`` (an oversized document), ``refuse_next_registration``.
The tool's own URLs are accepted on http to this machine, as SkillCert's settings accept them
in trials; the real LMSs require https.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from tests.simulated_lms import AGS_SCOPES, DELETE, NRPS_SCOPE, SimulatedLMS

PLATFORM_CLAIM = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
NOTICE_HANDLERS_SCOPE = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
#: Canvas's placement names for each message type (a subset of Lti::ResourcePlacement).
CANVAS_PLACEMENTS = {
    RESOURCE_LINK: ["course_navigation", "account_navigation", "link_selection"],
    DEEP_LINKING: ["assignment_selection", "link_selection", "editor_button"],
}


@dataclasses.dataclass(frozen=True)
class PlatformShape:
    """Where one LMS family serves Dynamic Registration, and what it sends and checks."""

    preset: str
    product_family_code: str
    config_path: str
    registration_path: str
    auth_path: str
    token_path: str
    jwks_path: str
    #: A fixed issuer (Canvas); None: the LMS's site URL.
    issuer: str | None
    #: None: the configuration has no scopes_supported.
    scopes_supported: tuple[str, ...] | None
    messages_supported: list[Any]
    #: More in the platform claim (Moodle's top-level placements).
    claim_extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The audience of client assertions, when the LMS names one.
    authorization_server: str | None = None
    #: Whether the answer carries the new deployment's id.
    gives_deployment: bool = True
    #: Whether the LMS puts the registration token in the configuration URL too.
    token_in_config_url: bool = False
    #: Whether a registration must ask only for listed scopes (Canvas's "Invalid scopes").
    checks_scopes: bool = False
    #: Whether a placement must be one of Canvas's names.
    checks_canvas_placements: bool = False


SHAPES = {
    "canvas": PlatformShape(
        preset="canvas",
        product_family_code="canvas",
        config_path="/api/lti/security/openid-configuration",
        registration_path="/api/lti/registrations",
        auth_path="/api/lti/authorize_redirect",
        token_path="/login/oauth2/token",
        jwks_path="/api/lti/security/jwks",
        issuer="https://canvas.instructure.com",
        scopes_supported=(
            *AGS_SCOPES,
            NRPS_SCOPE,
            NOTICE_HANDLERS_SCOPE,
            "https://canvas.instructure.com/lti/public_jwk/scope/update",
            "openid",
        ),
        messages_supported=[
            {"type": kind, "placements": placements}
            for kind, placements in CANVAS_PLACEMENTS.items()
        ],
        gives_deployment=False,
        token_in_config_url=True,
        checks_scopes=True,
        checks_canvas_placements=True,
    ),
    "moodle": PlatformShape(
        preset="moodle",
        product_family_code="moodle",
        config_path="/mod/lti/openid-configuration.php",
        registration_path="/mod/lti/openid-registration.php",
        auth_path="/mod/lti/auth.php",
        token_path="/mod/lti/token.php",
        jwks_path="/mod/lti/certs.php",
        issuer=None,
        scopes_supported=(
            *AGS_SCOPES,
            NRPS_SCOPE,
            "https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting",
            "openid",
        ),
        messages_supported=[RESOURCE_LINK, DEEP_LINKING],
        claim_extra={"placements": ["AddContentMenu"], "variables": ["Context.id.history"]},
    ),
    "brightspace": PlatformShape(
        preset="brightspace",
        product_family_code="desire2learn",
        config_path="/d2l/lti/dynamic-registration/openid-configuration",
        registration_path="/d2l/lti/dynamic-registration/register",
        auth_path="/d2l/lti/authenticate",
        token_path="/core/connect/token",
        jwks_path="/d2l/.well-known/jwks",
        issuer=None,
        scopes_supported=(*AGS_SCOPES, NRPS_SCOPE, "openid"),
        messages_supported=[
            {"type": RESOURCE_LINK, "placements": ["ContentArea"]},
            {"type": DEEP_LINKING, "placements": ["ContentArea", "RichTextEditor"]},
            {"type": "LtiSubmissionReviewRequest"},
        ],
        authorization_server="https://api.brightspace.com/auth/token",
    ),
    "sakai": PlatformShape(
        preset="sakai",
        product_family_code="sakailms.org",
        config_path="/imsblis/lti13/well_known",
        registration_path="/imsblis/lti13/registration_endpoint/7",
        auth_path="/imsoidc/lti13/oidc_auth",
        token_path="/imsblis/lti13/token/7",
        jwks_path="/imsblis/lti13/keyset",
        issuer=None,
        scopes_supported=("openid",),
        messages_supported=[{"type": RESOURCE_LINK}, {"type": DEEP_LINKING}],
        claim_extra={"variables": ["User.id", "Person.email.primary"]},
    ),
}


class SimulatedPlatform(SimulatedLMS):
    """One LMS of a :class:`PlatformShape`, on loopback, that registers tools dynamically
    and then launches them (the base class's /auth, /jwks.json and /token, served at the
    shape's own paths too)."""

    def __init__(self, shape: PlatformShape) -> None:
        self.shape = shape
        #: Tokens issued for registrations and not used yet.
        self._registration_tokens: set[str] = set()
        #: Every registration request received, as posted, in order.
        self.registration_requests: list[dict[str, Any]] = []
        #: What the LMS assigned, by client_id: the deployment id (None for Canvas).
        self.registered: dict[str, str | None] = {}
        #: Broken metadata: configuration members replaced (DELETE leaves one out).
        self.config_overrides: dict[str, Any] = {}
        #: Pad the configuration with this many bytes.
        self.config_padding = 0
        #: The next registration is refused with this status and JSON body.
        self.refuse_next_registration: tuple[int, dict[str, Any]] | None = None
        super().__init__()

    # -- what the LMS publishes --------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.shape.issuer or self.url

    @property
    def auth_login_url(self) -> str:
        return self.url + self.shape.auth_path

    @property
    def token_url(self) -> str:
        return self.url + self.shape.token_path

    @property
    def key_set_url(self) -> str:
        return self.url + self.shape.jwks_path

    def issue_registration_token(self) -> str:
        """A one-time registration token, as the LMS gives one to each registration."""
        token = f"{int(time.time())}:{secrets.token_hex(8)}"
        self._registration_tokens.add(token)
        return token

    def configuration_url(self, token: str | None = None) -> str:
        """The ``openid_configuration`` the LMS opens the tool's registration URL with."""
        url = self.url + self.shape.config_path
        if self.shape.preset == "sakai":
            url += "?key=7&clientId=sakai-client&deploymentId=1"
        if self.shape.token_in_config_url and token is not None:
            url += "?registration_token=" + token
        return url

    def configuration(self) -> dict[str, Any]:
        shape = self.shape
        claim: dict[str, Any] = {
            "product_family_code": shape.product_family_code,
            "version": "2026.12",
            "messages_supported": shape.messages_supported,
            **shape.claim_extra,
        }
        document: dict[str, Any] = {
            "issuer": self.issuer,
            "authorization_endpoint": self.auth_login_url,
            "token_endpoint": self.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": self.key_set_url,
            "registration_endpoint": self.url + shape.registration_path,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CLAIM: claim,
        }
        if shape.scopes_supported is not None:
            document["scopes_supported"] = list(shape.scopes_supported)
        if shape.authorization_server:
            document["authorization_server"] = shape.authorization_server
        for name, value in self.config_overrides.items():
            if value is DELETE:
                document.pop(name, None)
            else:
                document[name] = value
        if self.config_padding:
            document["padding"] = "x" * self.config_padding
        return document

    def serve_configuration(self, authorization: str) -> tuple[int, dict[str, Any]]:
        """Canvas answers its configuration URL only with a live registration token."""
        token = authorization.removeprefix("Bearer ").strip()
        if self.shape.token_in_config_url and token not in self._registration_tokens:
            return 401, {"errors": [{"message": "Invalid access token"}]}
        return 200, self.configuration()

    # -- the registration endpoint -----------------------------------------------------

    def register_client(self, authorization: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Check a registration request as the shape's LMS does; answer as it does."""
        token = authorization.removeprefix("Bearer ").strip() if authorization else ""
        if not authorization.startswith("Bearer ") or not token:
            return 401, {"error": "missing_registration_token"}
        if token not in self._registration_tokens:
            return 401, {"error": "token_already_used"}
        self._registration_tokens.discard(token)
        try:
            request = json.loads(body)
        except ValueError:
            return 400, {"error": "Badly formatted JSON"}
        self.registration_requests.append(request)
        if self.refuse_next_registration is not None:
            refusal, self.refuse_next_registration = self.refuse_next_registration, None
            return refusal
        problems = self._problems(request)
        if problems:
            return 422, {"errors": [{"message": "Validation failed: " + "; ".join(problems)}]}
        client_id = (
            str(10000000000000 + len(self.registered) + 1)
            if self.shape.preset == "canvas"
            else "client-" + secrets.token_hex(6)
        )
        deployment_id = str(len(self.registered) + 1) if self.shape.gives_deployment else None
        self.registered[client_id] = deployment_id
        answer = {**request, "client_id": client_id}
        configuration = dict(request[TOOL_CONFIGURATION])
        if deployment_id is not None:
            configuration["deployment_id"] = deployment_id
        answer[TOOL_CONFIGURATION] = configuration
        return 200, answer

    def _problems(self, request: dict[str, Any]) -> list[str]:
        """What the shape's LMS refuses in a registration request."""
        problems = []
        required = {
            "application_type": "web",
            "token_endpoint_auth_method": "private_key_jwt",
        }
        for name, value in required.items():
            if request.get(name) != value:
                problems.append(f"{name} must be {value!r}")
        if not {"implicit", "client_credentials"} <= set(request.get("grant_types") or []):
            problems.append("grant_types must include implicit, client_credentials")
        if "id_token" not in (request.get("response_types") or []):
            problems.append("response_types must include id_token")
        for name in ("initiate_login_uri", "jwks_uri", "client_name"):
            if not isinstance(request.get(name), str) or not request[name]:
                problems.append(f"missing required attribute {name}")
        uris = request.get("redirect_uris")
        if not isinstance(uris, list) or not uris or not all(map(_tool_url, uris)):
            problems.append("redirect_uris must be a list of URLs")
        for name in ("initiate_login_uri", "jwks_uri"):
            if isinstance(request.get(name), str) and not _tool_url(request[name]):
                problems.append(f"{name} must be an https URL")
        configuration = request.get(TOOL_CONFIGURATION)
        if not isinstance(configuration, dict):
            return [*problems, f"missing required attribute {TOOL_CONFIGURATION}"]
        domain = configuration.get("domain")
        if not isinstance(domain, str) or not domain or "/" in domain:
            problems.append("domain must be a host name without scheme")
        for name in ("claims", "messages"):
            if not isinstance(configuration.get(name), list):
                problems.append(f"lti_tool_configuration: {name} is required")
        if not isinstance(configuration.get("target_link_uri"), str):
            problems.append("missing required attribute target_link_uri")
        custom = configuration.get("custom_parameters", {})
        if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
            problems.append("custom_parameters must be strings")
        problems += self._message_problems(configuration.get("messages") or [])
        scopes = str(request.get("scope", "")).split()
        if self.shape.checks_scopes:
            invalid = [s for s in scopes if s not in (self.shape.scopes_supported or ())]
            if invalid:
                problems.append("Invalid scopes: " + ", ".join(invalid))
            if "openid" in scopes:  # listed, yet refused (canvas-lms issue #2398)
                problems.append("scopes cannot contain openid")
        return problems

    def _message_problems(self, messages: list[Any]) -> list[str]:
        supported = {m["type"] if isinstance(m, dict) else m for m in self.shape.messages_supported}
        problems = []
        for message in messages:
            kind = message.get("type") if isinstance(message, dict) else None
            if kind not in supported:
                problems.append(f"message type {kind!r} is not supported")
                continue
            placements = message.get("placements") or []
            if self.shape.checks_canvas_placements:
                names = {p for ps in CANVAS_PLACEMENTS.values() for p in ps}
                unknown = [p for p in placements if p not in names]
                if unknown:
                    problems.append(f"placements {unknown} are not Canvas placements")
        return problems

    # -- HTTP --------------------------------------------------------------------------

    def _handler(self):
        base = super()._handler()
        platform = self
        aliases = {
            self.shape.auth_path: "/auth",
            self.shape.jwks_path: "/jwks.json",
            self.shape.token_path: "/token",
        }

        class Handler(base):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == platform.shape.config_path:
                    status, document = platform.serve_configuration(
                        self.headers.get("Authorization", "")
                    )
                    self._send(status, json.dumps(document), "application/json")
                    return
                self._alias(url)
                super().do_GET()

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                if url.path == platform.shape.registration_path:
                    status, answer = platform.register_client(
                        self.headers.get("Authorization", ""), self._body()
                    )
                    self._send(status, json.dumps(answer), "application/json")
                    return
                self._alias(url)
                super().do_POST()

            def _alias(self, url) -> None:
                if url.path in aliases:
                    self.path = aliases[url.path] + (f"?{url.query}" if url.query else "")

        return Handler


def _tool_url(url: Any) -> bool:
    """An https URL, or an http one on this machine (SkillCert's own trial setting)."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    return parts.scheme == "https" or (parts.scheme == "http" and local)
