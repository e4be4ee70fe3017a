"""``/lti/register``: LTI Dynamic Registration, where an LMS registers SkillCert.

GET (the LMS opens it with ``openid_configuration`` and ``registration_token``): what
SkillCert will register and ask the LMS for, and a Register button. POST: registers
(``lti_tool.lti.dynamic_registration``), writes the audit log, and shows the page whose
button tells the LMS to close its registration window.

Both are rate-limited like logins (each one makes SkillCert call the LMS) and are
framed by the LMS being registered (see :func:`_frame_origin`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from lti_tool import csrf
from lti_tool.db import get_connection, get_session, read_only
from lti_tool.host_names import is_loopback_host
from lti_tool.lti import dynamic_registration
from lti_tool.lti.client_registration import CLAIMS, requested_messages, requested_scopes
from lti_tool.lti.constants import NOTICE_HANDLERS_SCOPE, NRPS_SCOPE, AgsScope, MessageType
from lti_tool.lti.platform_configuration import PlatformConfiguration
from lti_tool.operations import audit
from lti_tool.ratelimit import rate_limited
from lti_tool.settings import current_settings

bp = Blueprint("registration", __name__, url_prefix="/lti")

#: What each scope lets SkillCert do, in the words the page shows.
_SCOPE_WORDS = {
    AgsScope.LINEITEM: _l("create and update grade columns for SkillCert's activities"),
    AgsScope.RESULT_READONLY: _l("read the grades in those columns"),
    AgsScope.SCORE: _l("send learners' scores to the gradebook"),
    NRPS_SCOPE: _l("read course rosters: names and roles, never email addresses"),
    NOTICE_HANDLERS_SCOPE: _l("be told when a course is copied, so its activities follow"),
}
_MESSAGE_WORDS = {
    MessageType.RESOURCE_LINK: _l("open SkillCert from course links and navigation"),
    MessageType.DEEP_LINKING: _l("let instructors add SkillCert activities to courses"),
    MessageType.SUBMISSION_REVIEW: _l("open a learner's work from the gradebook"),
}


@bp.before_request
def _frame_origin() -> None:
    """Let the LMS whose configuration is being registered frame these pages.

    No registration exists yet to name the LMS's origins, and any https origin would do no
    harm either (the pages change nothing without the LMS's own one-time token); the origin
    of the ``openid_configuration`` URL is the LMS the administrator is on (a school's own
    Canvas host included), so only it may frame the page, besides SkillCert itself.
    """
    url = request.values.get("openid_configuration", "")
    parts = urlsplit(url) if isinstance(url, str) and len(url) <= 2048 else None
    if parts is None or not parts.hostname:
        return
    local = parts.scheme == "http" and is_loopback_host(parts.hostname)
    if parts.scheme == "https" or (local and current_settings().allows_http_loopback_platforms):
        g.frame_origins = (f"{parts.scheme}://{parts.netloc}".lower(),)


@bp.get("/register")
@read_only
@rate_limited
def register_form() -> ResponseReturnValue:
    platform = dynamic_registration.discover(
        get_connection(),
        current_settings(),
        _http(),
        request.args.get("openid_configuration"),
        request.args.get("registration_token"),
    )
    return render_template(
        "lti/register.html",
        platform=platform,
        asks=_asks(platform),
        claims=CLAIMS,
        auto_approved=dynamic_registration.auto_approves(platform.host, current_settings()),
        openid_configuration=platform.url,
        registration_token=request.args.get("registration_token", ""),
    )


@bp.post("/register")
# Exempt from CSRF: the LMS's page posts here with no SkillCert session to bind a token
# to, and none is needed. The form holds the LMS's one-time registration token, which the
# LMS checks when SkillCert posts its registration; a forged post can only register
# SkillCert with an LMS whose token the forger already holds, and the result waits for an
# operator. Every URL is checked by the outbound rules, and the post is rate-limited.
@csrf.exempt
@rate_limited
def register() -> ResponseReturnValue:
    session = get_session()
    registration = dynamic_registration.register(
        session,
        current_settings(),
        _http(),
        request.form.get("openid_configuration"),
        request.form.get("registration_token"),
    )
    configuration = registration.platform_configuration or {}
    audit.record(
        session,
        "registration.dynamic",
        actor=audit.LMS,
        target=f"registration {registration.id}",
        issuer=registration.issuer,
        client_id=registration.client_id,
        deployments=[d.deployment_id for d in registration.deployments],
        preset=registration.preset,
        registration_endpoint=configuration.get("registration_endpoint"),
        approved=registration.is_active,
        warnings=len(registration.registration_warnings),
    )
    return render_template("lti/registered.html", registration=registration)


def _http() -> Any:
    return current_app.extensions["skillcert.http"]


def _asks(platform: PlatformConfiguration) -> list[Any]:
    """What SkillCert will ask the LMS for, in words, in the order it asks."""
    messages = requested_messages(platform, current_settings())
    words = [_MESSAGE_WORDS[MessageType(m["type"])] for m in messages]
    return words + [_SCOPE_WORDS[scope] for scope in requested_scopes(platform)]
