"""Launch validation (LTI 1.3 Core §5.1.2, 1EdTech Security Framework §5.1.3).

:class:`SkillCertMessageLaunch` is pylti1p3's ``MessageLaunch`` with its gaps closed:
state and nonce live in the database and are consumed exactly once; the platform's keys
come from a bounded, cached fetch; the signature check pins RS256 and checks ``aud``,
``azp``, ``iss``, ``exp`` and ``iat``; the token's size is capped before it is parsed.
:class:`DatabaseToolConfig` (pylti1p3's tool-config interface over our rows) finds the
registration and its deployment in one query, and pylti1p3's per-message-type validators
still run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import logging
import time
from collections.abc import Mapping
from typing import Any

import jwt
from flask_babel import lazy_gettext as _l
from pylti1p3.exception import LtiException
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.message_validators import get_validators
from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError

from lti_tool.errors import LaunchError, LaunchExpiredError, NotRegisteredError
from lti_tool.lti import statements
from lti_tool.lti.constants import LTI_VERSION, Claim, MessageType
from lti_tool.lti.deep_linking import DeepLinkingSettings
from lti_tool.lti.login import hash_secret
from lti_tool.lti.platform_keys import PlatformKeyCache
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.lti.urls import is_on_this_tool
from lti_tool.models import utcnow
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

_SUPPORTED_MESSAGES = frozenset(MessageType)
#: Messages launched from a link in the course, which they must identify.
_LINK_MESSAGES = frozenset({MessageType.RESOURCE_LINK, MessageType.SUBMISSION_REVIEW})
#: How long a used nonce is remembered: longer than any id_token we accept stays valid.
_NONCE_KEEP = dt.timedelta(days=1)


class BrowserNotBound(LaunchError):
    """The browser did not show the secret that proves it started this login.

    Usually the browser blocked SkillCert's cookie inside the LMS frame; the launch
    view then offers platform storage or a new window.
    """

    status_code = 401

    def __init__(self, state: Row) -> None:
        super().__init__()
        self.state = state


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
        """Every check, cheapest and stateless first; the state and nonce are consumed last."""
        self._validated = True  # stops pylti1p3 from re-entering validate() on claim access
        try:
            self.check_token_size()
            self.validate_jwt_format()
            self.check_header()
            self.check_registration()
            self.validate_jwt_signature()
            self.check_deployment()
            self.check_message()
            self.take_login_state()
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

    def check_deployment(self) -> None:
        deployment_id = self._jwt["body"].get(Claim.DEPLOYMENT_ID)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchError(_l("The launch does not name its deployment (deployment_id)."))
        registration = self._tenant
        if not registration.deployment_active:  # None: not added; False: switched off
            raise NotRegisteredError(
                _l(
                    "This LMS deployment (%(deployment)s) is not enabled in SkillCert: ask your "
                    "administrator to add it for issuer %(issuer)s.",
                    deployment=deployment_id,
                    issuer=registration.issuer,
                ),
                advice=_l(
                    "Your SkillCert administrator can add it with `skillcert deployment add`."
                ),
            )

    def check_message(self) -> None:
        """The claims SkillCert relies on, in our words first, then pylti1p3's own checks."""
        body = self._jwt["body"]
        _check_message_type(body)
        _check_version(body)
        _check_roles(body)
        _check_subject(body)
        _check_resource_link(body)
        _check_target_link_given(body)
        _check_for_user(body)
        _check_target_link_ours(body, self._settings)
        _check_object_claims(body)
        _check_deep_linking_settings(body)
        _run_pylti1p3_validators(body)

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


# -- the checks of check_message, one per claim or rule, in the order it runs them -------
# Each takes the token's body (a JSON object: check_header made sure) and raises LaunchError;
# which of several faults a hostile launch is told about depends on this order.


def _check_message_type(body: Mapping[str, Any]) -> None:
    message_type = body.get(Claim.MESSAGE_TYPE)
    if message_type not in _SUPPORTED_MESSAGES:
        raise LaunchError(
            _l(
                "SkillCert does not support LTI messages of type %(type)s.",
                type=repr(message_type),
            )
        )


def _check_version(body: Mapping[str, Any]) -> None:
    if body.get(Claim.VERSION) != LTI_VERSION:
        raise LaunchError(
            _l("SkillCert supports LTI %(version)s launches only.", version=LTI_VERSION)
        )


def _check_roles(body: Mapping[str, Any]) -> None:
    roles = body.get(Claim.ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchError(_l("The launch's roles claim is missing or not a list of roles."))


def _check_subject(body: Mapping[str, Any]) -> None:
    if not isinstance(body.get("sub"), str) or not body["sub"] or len(body["sub"]) > 255:
        raise LaunchError(_l("The launch does not identify the user (sub)."))


def _check_resource_link(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) not in _LINK_MESSAGES:
        return
    link = body.get(Claim.RESOURCE_LINK)
    if not isinstance(link, dict) or not isinstance(link.get("id"), str) or not link["id"]:
        raise LaunchError(_l("The launch does not identify its resource link."))


def _check_target_link_given(body: Mapping[str, Any]) -> None:
    target = body.get(Claim.TARGET_LINK_URI)
    if body.get(Claim.MESSAGE_TYPE) in _LINK_MESSAGES and not isinstance(target, str):
        raise LaunchError(_l("The launch has no target_link_uri."))


def _check_for_user(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) != MessageType.SUBMISSION_REVIEW:
        return
    for_user = body.get(Claim.FOR_USER)
    user_id = for_user.get("user_id") if isinstance(for_user, dict) else None
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 255:
        raise LaunchError(_l("The submission review launch does not name the learner (for_user)."))


def _check_target_link_ours(body: Mapping[str, Any], settings: Settings) -> None:
    target = body.get(Claim.TARGET_LINK_URI)
    if isinstance(target, str) and not is_on_this_tool(target, settings):
        raise LaunchError(_l("The launch's target_link_uri is not a page of SkillCert."))


def _check_object_claims(body: Mapping[str, Any]) -> None:
    for claim in (Claim.CONTEXT, Claim.LAUNCH_PRESENTATION, Claim.CUSTOM):
        if claim in body and not isinstance(body[claim], dict):
            raise LaunchError(_l("The launch's claim %(claim)s is not an object.", claim=claim))


def _check_deep_linking_settings(body: Mapping[str, Any]) -> None:
    if body.get(Claim.MESSAGE_TYPE) == MessageType.DEEP_LINKING:
        DeepLinkingSettings.from_claims(body)  # our clearer words before pylti1p3's


def _run_pylti1p3_validators(body: Mapping[str, Any]) -> None:
    for validator in get_validators():  # pylti1p3's per-message checks
        if validator.can_validate(body):
            validator.validate(body)


def state_cookie_name(state: str) -> str:
    return "lti_" + state
