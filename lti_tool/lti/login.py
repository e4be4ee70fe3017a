"""OIDC third-party-initiated login (LTI 1.3 Core §5.1.1, 1EdTech Security Framework §5.1.1).

The platform sends the browser here; we remember a state and a nonce in the database,
bind them to this browser with a secret (a cookie, and platform storage when offered),
and send the browser to the platform's authorisation endpoint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection

from lti_tool.errors import LaunchError, NotRegisteredError
from lti_tool.lti import statements
from lti_tool.lti.pending_registrations import refuse_if_pending
from lti_tool.lti.tool_config import DatabaseToolConfig
from lti_tool.lti.urls import is_on_this_tool, launch_url
from lti_tool.models import utcnow
from lti_tool.settings import Settings

#: Login parameters we keep to restart the login in a new window.
LOGIN_PARAMS = (
    "iss",
    "login_hint",
    "target_link_uri",
    "lti_message_hint",
    "client_id",
    "lti_deployment_id",
)
_MAX_PARAM_LENGTH = 4096
#: Unexpired login states one client address may hold; a new login beyond it deletes the
#: oldest. 1,000: a whole school behind one NAT address launching at once (the bench's 300
#: simultaneous launches from one address lost two in three at 100: their states were
#: deleted before their launches arrived), with room for retries; a finished login deletes
#: its own row, so the rows that pile up are abandoned ones. Deleting the oldest (not
#: refusing the newest) keeps a flood from locking a whole school out of logging in until
#: its rows expire; the rate limit bounds how fast a flood can push others' logins out.
MAX_LOGIN_STATES_PER_CLIENT = 1000


@dataclasses.dataclass(frozen=True)
class LoginRedirect:
    auth_url: str
    state: str
    browser_secret: str
    storage_target: str | None
    #: The active registration the login names.
    registration_id: int
    #: Origin of the platform's OIDC endpoint: the only window platform storage may talk to.
    platform_origin: str


def platform_origin(auth_login_url: str) -> str:
    """The origin of the platform's OIDC endpoint: the only window platform storage may use."""
    parts = urlsplit(auth_login_url)
    return f"{parts.scheme}://{parts.netloc}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_hash(address: str, settings: Settings) -> str:
    """A keyed hash of a client address: logins can be counted per client, and the table
    does not say where anyone connected from."""
    message = b"login_state_client\x00" + address.encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


def start_login(
    params: Mapping[str, str], conn: Connection, settings: Settings, *, client_address: str
) -> LoginRedirect:
    """Validate the login request, store its state and build the authorisation redirect.

    ``client_address`` is the address the request is rate-limited by: at most
    ``MAX_LOGIN_STATES_PER_CLIENT`` of its logins wait for their launch.
    """
    login = {name: params[name] for name in LOGIN_PARAMS if params.get(name)}
    for name in ("iss", "login_hint", "target_link_uri"):
        if name not in login:
            raise LaunchError(
                _l("The LMS started a login without the %(name)s parameter.", name=repr(name)),
                advice=_l("Ask your administrator to check this tool's login URL in the LMS."),
            )
    if any(len(value) > _MAX_PARAM_LENGTH for value in login.values()):
        raise LaunchError(_l("The LMS sent a login parameter that is too long."))
    if not is_on_this_tool(login["target_link_uri"], settings):
        raise LaunchError(
            _l("The LMS asked to open a page that is not part of SkillCert."),
            advice=_l(
                "Ask your administrator to set the tool's target link URI to a URL under "
                "%(base_url)s.",
                base_url=settings.base_url,
            ),
        )
    config = DatabaseToolConfig(conn)
    registration = config.find_registration_row(login["iss"], login.get("client_id"))
    if registration is None:
        refuse_if_pending(conn, login["iss"], login.get("client_id"))
        raise NotRegisteredError(
            _l(
                "This LMS is not registered: ask your administrator to register issuer "
                "%(issuer)s with client id %(client_id)s.",
                issuer=login["iss"],
                client_id=login.get("client_id") or _l("(not sent)"),
            ),
            advice=_l(
                "Your SkillCert administrator can register it with `skillcert platform add`."
            ),
        )

    state = "state-" + secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    browser_secret = secrets.token_urlsafe(24)
    storage_target = params.get("lti_storage_target") or None
    if storage_target is not None and len(storage_target) > 100:
        storage_target = None
    client = client_hash(client_address, settings)
    conn.execute(
        statements.INSERT_LOGIN_STATE,
        {
            "state": state,
            "nonce": nonce,
            "registration_id": registration.id,
            "browser_secret_hash": hash_secret(browser_secret),
            "storage_target": storage_target,
            "login_params": login,
            "expires_at": utcnow() + dt.timedelta(seconds=settings.launch_state_seconds),
            "client_hash": client,
        },
    )
    conn.execute(
        statements.TRIM_CLIENT_LOGIN_STATES,
        {"client_hash": client, "keep": MAX_LOGIN_STATES_PER_CLIENT},
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": registration.client_id,
        "redirect_uri": launch_url(settings),
        "login_hint": login["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if "lti_message_hint" in login:
        query["lti_message_hint"] = login["lti_message_hint"]
    auth = urlsplit(registration.auth_login_url)
    merged = urlencode([*parse_qsl(auth.query, keep_blank_values=True), *query.items()])
    return LoginRedirect(
        auth_url=urlunsplit(auth._replace(query=merged)),
        state=state,
        browser_secret=browser_secret,
        storage_target=storage_target,
        registration_id=registration.id,
        platform_origin=platform_origin(registration.auth_login_url),
    )
