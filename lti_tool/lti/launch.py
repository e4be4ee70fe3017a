"""Launch validation (LTI 1.3 Core §5.1.2, 1EdTech Security Framework §5.1.3).

:class:`SkillCertMessageLaunch` is pylti1p3's ``MessageLaunch`` with its gaps closed:
state and nonce live in the database and are consumed exactly once; the platform's keys
come from a bounded, cached fetch; the signature check pins RS256 and checks ``aud``,
``azp``, ``iss``, ``exp`` and ``iat``; the token's size is capped before it is parsed.
:class:`DatabaseToolConfig` (pylti1p3's tool-config interface over our rows) finds the
registration and its deployment in one query; the message's claims are checked in
:mod:`lti_tool.lti.message_checks`, pylti1p3's per-message-type validators last.

The registration's keys validate the token before its deployment is looked at: a launch
from a deployment an operator has not enabled yet is told so (:class:`DeploymentPending`)
only once the token, its state and its nonce have all passed, so a forged or replayed
token can never make SkillCert record a deployment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError

from lti_tool.errors import LaunchError, LaunchExpiredError, NotRegisteredError
from lti_tool.lti import message_checks, statements
from lti_tool.lti.constants import Claim
from lti_tool.lti.login import hash_secret
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.models import utcnow
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: How long a used nonce is remembered: longer than any id_token we accept stays valid.
_NONCE_KEEP = dt.timedelta(days=1)
#: Deployments one registration may have waiting for an operator. Each takes a valid launch
#: from the LMS to record, but an LMS (or someone holding its keys) that invents deployment
#: ids must not fill the operator's list: beyond this, new ones are refused unrecorded.
MAX_PENDING_DEPLOYMENTS = 100


class BrowserNotBound(LaunchError):
    """The browser did not show the secret that proves it started this login.

    Usually the browser blocked SkillCert's cookie inside the LMS frame; the launch
    view then offers platform storage or a new window.
    """

    status_code = 401

    def __init__(self, state: Row) -> None:
        super().__init__()
        self.state = state


class DeploymentPending(LaunchError):
    """A fully validated launch from a deployment of a registered LMS that an operator has
    not enabled yet: the first one records it as pending, and each one gets a page saying
    the administrator has been asked (the launch view catches it)."""

    status_code = 403

    def __init__(
        self, registration: Row, deployment_id: str, presentation: Mapping[str, Any]
    ) -> None:
        super().__init__(
            _l(
                "This LMS deployment (%(deployment)s) is waiting for SkillCert's administrator "
                "to enable it.",
                deployment=deployment_id,
            )
        )
        #: The registration row, with ``deployment_pk`` None when the deployment is new.
        self.registration = registration
        self.deployment_id = deployment_id
        #: The launch's ``launch_presentation.return_url`` if it is an http(s) URL.
        self.return_url = _http_url(presentation.get("return_url"))
        #: The language the LMS asked for (``launch_presentation.locale``), if any.
        locale = presentation.get("locale")
        self.locale = locale if isinstance(locale, str) else None


@dataclasses.dataclass(frozen=True)
class ValidatedLaunch:
    claims: dict[str, Any]
    #: The registration row (id, issuer, client_id, …).
    registration: Row
    #: Primary key of the launch's deployment row.
    deployment_pk: int
    state: str

    @property
    def message_type(self) -> str:
        return self.claims[Claim.MESSAGE_TYPE]


class _NoSessionService:
    """pylti1p3 insists on a session service; state and nonces live in our database instead."""


class SkillCertMessageLaunch(MessageLaunch):
    def __init__(
        self,
        form: Mapping[str, str],
        cookies: Mapping[str, str],
        conn: Connection,
        settings: Settings,
        keys: PlatformKeyCache,
    ) -> None:
        self._form = form
        self._cookies = cookies
        self._conn = conn
        self._settings = settings
        self._keys = keys
        self._tool_conf = DatabaseToolConfig(conn)
        #: The token's deployment_id claim, once check_deployment_named found one.
        self._deployment_id = ""
        super().__init__(
            request=None,
            tool_config=self._tool_conf,
            session_service=_NoSessionService(),
            cookie_service=_NoSessionService(),
            requests_session=keys.http,
        )

    def _get_request_param(self, key: str) -> str:
        return self._form.get(key, "")

    def run(self) -> ValidatedLaunch:
        """Every check, cheapest and stateless first; the state and nonce are consumed after
        them, and only then does the deployment decide (pending: :class:`DeploymentPending`)."""
        self._validated = True  # stops pylti1p3 from re-entering validate() on claim access
        try:
            self.check_token_size()
            self.validate_jwt_format()
            self.check_header()
            self.check_registration()
            self.validate_jwt_signature()
            self.check_deployment_named()
            self.check_message()
            self.take_login_state()
            self.check_deployment_enabled()
        except LtiException as exc:
            raise LaunchError(
                _l("The LMS sent a launch SkillCert cannot accept: %(problem)s.", problem=exc)
            ) from exc
        registration = self._tenant
        return ValidatedLaunch(
            claims=dict(self._jwt["body"]),
            registration=registration,
            deployment_pk=registration.deployment_pk,
            state=self._form["state"],
        )

    # -- the steps, in order ------------------------------------------------------------

    def check_token_size(self) -> None:
        token = self._get_request_param("id_token")
        if not token:
            raise LaunchError(_l("The LMS did not send an id_token with the launch."))
        if len(token) > self._settings.max_id_token_bytes:
            raise LaunchError(
                _l(
                    "The launch token is larger than SkillCert accepts "
                    "(%(size)d > %(limit)d bytes).",
                    size=len(token),
                    limit=self._settings.max_id_token_bytes,
                )
            )
        if not self._get_request_param("state"):
            raise LaunchError(_l("The launch arrived without its state parameter."))

    def check_header(self) -> None:
        header = self._jwt["header"]
        if not isinstance(header, dict) or not isinstance(self._jwt["body"], dict):
            raise LaunchError(_l("The launch token is not a JSON object."))
        if header.get("alg") != "RS256":
            # LTI allows RS256 only; this also refuses "none" and HS256 signed with a public key.
            raise LaunchError(
                _l(
                    "The launch token uses the algorithm %(alg)s, not RS256.",
                    alg=repr(header.get("alg")),
                )
            )
        if not isinstance(header.get("kid"), str) or not header["kid"]:
            raise LaunchError(_l("The launch token does not name its signing key (kid)."))

    def get_client_id(self) -> str:
        body = self._jwt["body"]
        aud, azp = body.get("aud"), body.get("azp")
        if isinstance(aud, str):
            audiences = [aud]
        elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
            audiences = aud
        else:
            raise LaunchError(_l("The launch token has no audience (aud)."))
        if azp is not None and azp not in audiences:
            raise LaunchError(
                _l("The launch token's authorized party (azp) is not one of its audiences.")
            )
        if len(audiences) > 1 and azp is None:
            raise LaunchError(
                _l("The launch token has several audiences but no authorized party (azp).")
            )
        return azp or audiences[0]

    @property
    def tenant_found(self) -> Row | None:
        """The registration row (with its deployment's) the launch names, once
        check_registration found it: a refused launch's event names its ids."""
        return self._tool_conf.registration

    @property
    def _tenant(self) -> Row:
        """The tenant ``check_registration`` found; every later step runs after it."""
        registration = self._tool_conf.registration
        if registration is None:
            raise RuntimeError("check_registration() must find the tenant first")
        return registration

    def check_registration(self) -> None:
        iss = self._jwt["body"].get("iss")
        if not isinstance(iss, str) or not iss:
            raise LaunchError(_l("The launch token has no issuer (iss)."))
        client_id = self.get_client_id()
        deployment_id = self._jwt["body"].get(Claim.DEPLOYMENT_ID)
        if not isinstance(deployment_id, str):
            deployment_id = ""  # check_deployment explains what is wrong with it
        if self._tool_conf.find_tenant(iss, client_id, deployment_id) is None:
            raise NotRegisteredError(
                _l(
                    "This LMS is not registered: ask your administrator to register issuer "
                    "%(issuer)s with client id %(client_id)s.",
                    issuer=iss,
                    client_id=client_id,
                )
            )

    def validate_jwt_signature(self) -> MessageLaunch:
        registration = self._tenant
        key = self._keys.key_for(
            key_set_url=registration.key_set_url,
            key_set=registration.key_set,
            kid=self._jwt["header"]["kid"],
        )
        try:
            verified = jwt.decode(
                self._get_request_param("id_token"),
                key.key,
                algorithms=["RS256"],
                audience=registration.client_id,
                issuer=registration.issuer,
                leeway=self._settings.jwt_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.ExpiredSignatureError:
            raise LaunchExpiredError(_l("This launch has expired.")) from None
        except jwt.ImmatureSignatureError:
            raise LaunchError(
                _l(
                    "The launch token was issued in the future: the LMS's clock and "
                    "SkillCert's disagree."
                ),
                advice=_l("Ask your administrator to check the clocks of the LMS and SkillCert."),
            ) from None
        except jwt.InvalidTokenError as exc:
            raise LaunchError(
                _l("The launch token failed verification: %(problem)s.", problem=exc)
            ) from None
        if verified["iat"] > time.time() + self._settings.jwt_leeway_seconds:
            raise LaunchError(_l("The launch token was issued in the future."))
        return self

    def check_deployment_named(self) -> None:
        deployment_id = self._jwt["body"].get(Claim.DEPLOYMENT_ID)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchError(_l("The launch does not name its deployment (deployment_id)."))
        self._deployment_id = deployment_id

    def check_deployment_enabled(self) -> None:
        """Last, once the token is verified and its state and nonce consumed: a deployment
        an operator switched off is refused; one they have not enabled yet (new, or already
        pending) raises :class:`DeploymentPending`, up to ``MAX_PENDING_DEPLOYMENTS``."""
        registration = self._tenant
        if registration.deployment_active:
            return
        deployment_id = self._deployment_id
        switched_off = (
            registration.deployment_pk is not None and registration.deployment_pending_since is None
        )
        if switched_off or (
            registration.deployment_pk is None and self._pending_limit_reached(registration)
        ):
            raise NotRegisteredError(
                _l(
                    "This LMS deployment (%(deployment)s) is not enabled in SkillCert: ask your "
                    "administrator to add it for issuer %(issuer)s.",
                    deployment=deployment_id,
                    issuer=registration.issuer,
                ),
                advice=_l(
                    "Your SkillCert administrator can enable it with `skillcert deployment "
                    "enable`, or add it with `skillcert deployment add`."
                ),
            )
        body: Mapping[str, Any] = self._jwt["body"]
        # check_message made sure the claim, when present, is an object.
        presentation = body.get(Claim.LAUNCH_PRESENTATION) or {}
        raise DeploymentPending(registration, deployment_id, presentation)

    def _pending_limit_reached(self, registration: Row) -> bool:
        waiting = self._conn.execute(
            statements.PENDING_DEPLOYMENT_COUNT, {"registration_id": registration.id}
        ).scalar_one()
        if waiting < MAX_PENDING_DEPLOYMENTS:
            return False
        log.warning(
            "Registration %s already has %s deployments waiting to be enabled: a launch from "
            "a further new one was refused unrecorded (`skillcert deployment list --pending`)",
            registration.id,
            waiting,
        )
        return True

    def check_message(self) -> None:
        """The claims SkillCert relies on, in our words first, then pylti1p3's own checks."""
        message_checks.check_message(self._jwt["body"], self._settings)

    def take_login_state(self) -> None:
        """Consume the login: its state must exist, be unexpired, be ours, match this browser.

        The state row is deleted here; a failed check rolls the request back, which puts
        it back (and :class:`BrowserNotBound` callers roll back themselves).
        """
        registration = self._tenant
        conn = self._conn
        state = conn.execute(
            statements.TAKE_LOGIN_STATE, {"state": self._get_request_param("state")}
        ).first()
        if state is None or state.registration_id != registration.id:
            raise self._state_not_found_error()
        if state.expires_at <= utcnow():
            raise LaunchExpiredError(_l("This launch took too long and has expired."))
        secret = self._cookies.get(state_cookie_name(state.state)) or self._get_request_param(
            "browser_secret"
        )
        if not secret:
            raise BrowserNotBound(state)
        if not hmac.compare_digest(hash_secret(secret), state.browser_secret_hash):
            raise LaunchError(_l("This launch was started in another browser (state mismatch)."))
        nonce = self._jwt["body"]["nonce"]
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, state.nonce):
            raise LaunchError(_l("The launch's nonce does not match the login that started it."))
        try:
            conn.execute(
                statements.INSERT_NONCE,
                {
                    "registration_id": registration.id,
                    "nonce": nonce,
                    "expires_at": utcnow() + _NONCE_KEEP,
                },
            )
        except IntegrityError:
            raise LaunchExpiredError() from None  # the request's rollback undoes the rest

    def _state_not_found_error(self) -> LaunchError:
        registration = self._tenant
        nonce = self._jwt["body"].get("nonce")
        used = (
            isinstance(nonce, str)
            and self._conn.execute(
                statements.NONCE_USED, {"registration_id": registration.id, "nonce": nonce}
            ).first()
        )
        if used:
            return LaunchExpiredError(
                _l("This launch link was already used — reload the page from your course.")
            )
        return LaunchExpiredError(
            _l("SkillCert does not recognise this launch: it expired or was started elsewhere.")
        )


def _http_url(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL (a link back to the LMS: anything else,
    ``javascript:`` above all, is dropped)."""
    if not isinstance(url, str) or len(url) > 2048:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def state_cookie_name(state: str) -> str:
    return "lti_" + state
