"""LTI endpoints: /lti/login, /lti/launch, /lti/review (submission review), /lti/jwks.json."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row
from werkzeug.wrappers import Response

from assessments.catalog import list_tracks
from lti_tool import csrf, notice_handlers, roster
from lti_tool.db import get_connection, get_session, read_only, rollback
from lti_tool.errors import (
    ForbiddenError,
    LaunchError,
    LaunchExpiredError,
    NotRegisteredError,
    PlatformFetchError,
    SkillCertError,
)
from lti_tool.gradesync import lineitems
from lti_tool.i18n import supported_language
from lti_tool.lti import keys
from lti_tool.lti.constants import Claim, MessageType
from lti_tool.lti.housekeeping import maybe_purge_expired
from lti_tool.lti.launch import (
    BrowserNotBound,
    DeploymentPending,
    SkillCertMessageLaunch,
    ValidatedLaunch,
    state_cookie_name,
)
from lti_tool.lti.login import platform_origin, start_login
from lti_tool.lti.sync import record_launch
from lti_tool.models import Registration, Role
from lti_tool.observability import metrics
from lti_tool.observability.events import elapsed_ms, event
from lti_tool.operations import pending_deployments
from lti_tool.placements import Placement, resolve
from lti_tool.ratelimit import client_address, rate_limited
from lti_tool.sessions import (
    HANDOFF_LIFETIME,
    SESSION_COOKIE,
    create_launch_session,
    launch_required,
    required_launch,
    set_cookie,
    take_handoff,
)
from lti_tool.settings import current_settings

log = logging.getLogger(__name__)

bp = Blueprint("lti", __name__, url_prefix="/lti")


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt
@rate_limited
def login() -> ResponseReturnValue:
    conn = get_connection()
    redirect_ = start_login(
        request.values, conn, current_settings(), client_address=client_address()
    )
    g.frame_registration_id = redirect_.registration_id  # its LMS frames this response
    maybe_purge_expired(conn)
    response: Response
    if redirect_.storage_target:
        # Platform storage: the page stores the secret in the LMS's frame, then redirects.
        response = current_app.make_response(
            render_template("lti/platform_storage_put.html", redirect_=redirect_)
        )
    else:
        response = redirect(redirect_.auth_url, code=302)
    set_cookie(
        response,
        state_cookie_name(redirect_.state),
        redirect_.browser_secret,
        current_settings().launch_state_seconds,
        current_settings(),
    )
    return response


@bp.post("/launch")
@csrf.exempt
@rate_limited
def launch() -> ResponseReturnValue:
    started = time.monotonic()
    conn = get_connection()
    conf = current_settings()
    checks = SkillCertMessageLaunch(
        request.form, request.cookies, conn, conf, current_app.extensions["skillcert.keys"]
    )
    try:
        validated = checks.run()
    except BrowserNotBound as unbound:
        rollback()  # keep the login state for the second post
        return _complete_without_cookie(unbound)
    except DeploymentPending as pending:
        return _deployment_pending(pending, started)
    except LaunchError as refused:
        _log_refused(refused, checks.tenant_found, started)
        raise
    g.frame_registration_id = validated.registration.id  # its LMS frames this response
    recorded = record_launch(conn, validated)
    if recorded.retargeted_link_id is not None:
        lineitems.queue_sync(conn, recorded.retargeted_link_id, validated.registration.id)
    elif recorded.redated_link_id is not None:
        lineitems.queue_sync(
            conn, recorded.redated_link_id, validated.registration.id, retargeted=False
        )
    notice_handlers.queue_registration(conn, validated)
    fields = recorded.session_fields
    if state_cookie_name(validated.state) not in request.cookies:
        # Validated through platform storage: this frame keeps no cookie of ours, so the
        # session continues in a new (top-level) window through a one-time hand-off link.
        handoff = create_launch_session(conn, conf, lifetime=HANDOFF_LIFETIME, **fields)
        _log_accepted(validated, fields, started)
        return render_template(
            "lti/continue_new_window.html", handoff_url=url_for("lti.handoff", t=handoff)
        )
    token = create_launch_session(conn, conf, **fields)
    _log_accepted(validated, fields, started)
    response = redirect(url_for(_landing_page(fields)))
    set_cookie(response, SESSION_COOKIE, token, conf.session_lifetime_minutes * 60, conf)
    response.delete_cookie(state_cookie_name(validated.state), path="/")
    return response


#: Why a launch was refused, by the class of its error (the most specific first).
_REFUSAL_REASONS: tuple[tuple[type[LaunchError], str], ...] = (
    (DeploymentPending, "deployment_pending"),
    (NotRegisteredError, "not_registered"),
    (LaunchExpiredError, "expired"),
    (PlatformFetchError, "platform_keys_unavailable"),
    (LaunchError, "invalid"),
)


def _log_accepted(validated: ValidatedLaunch, fields: dict[str, Any], started: float) -> None:
    metrics.launch("accepted", time.monotonic() - started)
    event(
        "launch.accepted",
        registration_id=validated.registration.id,
        deployment_id=validated.deployment_pk,
        user_id=fields["user_id"],
        role=str(fields["role"]),
        message_type=validated.message_type,
        duration_ms=elapsed_ms(started),
    )


def _log_refused(
    error: LaunchError, tenant: Row | None, started: float, status: int | None = None
) -> None:
    """The refusal's reason code and, when the launch got that far, its tenant's ids (the
    error page tells the person why, in words; the ``ref=`` line has the English text).
    ``status`` is the response's when it is not the error's own (a page, not an error)."""
    metrics.launch("refused", time.monotonic() - started)
    event(
        "launch.refused",
        reason=next(code for kind, code in _REFUSAL_REASONS if isinstance(error, kind)),
        status=status or error.status_code,
        registration_id=None if tenant is None else tenant.id,
        deployment_id=None if tenant is None else tenant.deployment_pk,
        duration_ms=elapsed_ms(started),
    )


#: What the LMS may show when the person goes back from the pending-deployment page: a
#: tool may add ``lti_msg`` to the launch's return URL (LTI 1.3 Core, "Launch presentation
#: claim", imsglobal.org/spec/lti/v1p3#launch-presentation-claim; Moodle's
#: mod/lti/return.php shows it; both read 2026-12-06).
_PENDING_LMS_MESSAGE = _l("SkillCert's administrator has been asked to enable this tool.")


def _deployment_pending(pending: DeploymentPending, started: float) -> ResponseReturnValue:
    """The polite page for a valid launch from a deployment not enabled yet, shown in the
    LMS's frame; the first such launch records the deployment for an operator. The
    launch's state and nonce stay consumed (the page succeeds, so the request commits)."""
    registration = pending.registration
    if registration.deployment_pk is None:
        pending_deployments.hold(get_session(), registration.id, pending.deployment_id)
    _log_refused(pending, registration, started, status=200)
    # No session says which language the LMS asked for: the launch's own claim does.
    language = supported_language(pending.locale)
    with force_locale(language) if language else contextlib.nullcontext():
        page = render_template(
            "lti/deployment_pending.html",
            deployment_id=pending.deployment_id,
            return_url=_with_lti_msg(pending.return_url, str(_PENDING_LMS_MESSAGE)),
        )
    response = current_app.make_response(page)
    response.delete_cookie(state_cookie_name(request.form["state"]), path="/")
    return response


def _with_lti_msg(url: str | None, message: str) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("lti_msg", message)])
    return urlunsplit(parts._replace(query=query))


@bp.get("/handoff")
@rate_limited
def handoff() -> ResponseReturnValue:
    """Open a launch that completed without cookies in this, first-party, window."""
    fields = take_handoff(get_connection(), request.args.get("t", ""))
    if fields is None:
        raise LaunchExpiredError(
            _l("This link was already used or has expired."),
            advice=_l("Open SkillCert again from your course."),
        )
    conf = current_settings()
    response = redirect(url_for(_landing_page(fields)))
    token = create_launch_session(get_connection(), conf, **fields)
    set_cookie(response, SESSION_COOKIE, token, conf.session_lifetime_minutes * 60, conf)
    return response


def _landing_page(fields: dict[str, Any]) -> str:
    if fields["message_type"] == MessageType.DEEP_LINKING:
        return "instructor.deep_link"
    if fields["message_type"] == MessageType.SUBMISSION_REVIEW:
        return "lti.submission_review"
    return "learner.home" if fields["role"] == Role.LEARNER else "instructor.home"


class ReviewedLearnerUnknown(SkillCertError):
    """A submission review names someone SkillCert does not know in this course."""

    status_code = 404
    default_message = _l("SkillCert has no record of this learner in this course.")
    advice = _l(
        "They have not opened SkillCert from this course yet, and the course roster has not "
        "been read since they joined. Open SkillCert's course overview and choose "
        '"Sync roster now", then try again.'
    )


class ReviewRefused(ForbiddenError):
    """A learner asked to review someone else's work."""

    default_message = _l("You can only review your own work.")
    advice = _l("Open your own grades in your course, and choose SkillCert's activity from there.")


@bp.get("/review")
@read_only
@launch_required
def submission_review() -> ResponseReturnValue:
    """Where a submission review launch (from the LMS gradebook) lands.

    An instructor goes to the reviewed learner's work on the link's placement; a learner
    reviewing their own work goes to their own page of it; anyone else is refused. The
    learner must be a member of this course, in this launch's tenant.
    """
    launch = required_launch()
    for_user = launch.claims.get(Claim.FOR_USER)
    if launch.message_type != MessageType.SUBMISSION_REVIEW or not isinstance(for_user, dict):
        return redirect(url_for("instructor.home" if launch.is_instructor else "learner.home"))
    learner_id = roster.member_id(get_session(), launch, for_user["user_id"])
    if learner_id is None or launch.context_id is None:
        raise ReviewedLearnerUnknown()
    placement = resolve(launch.resource_link_target, list_tracks(current_settings().tracks_dir))
    if launch.is_instructor:
        return redirect(_instructor_review_url(learner_id, placement))
    if learner_id != launch.user_id:
        raise ReviewRefused()
    return redirect(_learner_review_url(placement))


def _instructor_review_url(learner_id: int, placement: Placement | None) -> str:
    if placement is None:  # the link was never given a target: the overview asks for one
        return url_for("instructor.home")
    if placement.activity is not None:
        return url_for(
            "instructor.learner_work",
            user_id=learner_id,
            track_id=placement.track.id,
            activity_id=placement.activity.id,
        )
    return url_for("instructor.learner_placement", user_id=learner_id)


def _learner_review_url(placement: Placement | None) -> str:
    if placement is not None and placement.activity is not None:
        return url_for(
            "learner.activity", track_id=placement.track.id, activity_id=placement.activity.id
        )
    if placement is not None and placement.module is not None:
        return url_for("learner.module", track_id=placement.track.id, module_id=placement.module.id)
    return url_for("learner.home")


def _complete_without_cookie(unbound: BrowserNotBound) -> ResponseReturnValue:
    """The browser blocked our state cookie: ask the platform's storage, or open a new window.

    The new window restarts the login at the top level, where the cookie is first-party.
    """
    state = unbound.state
    new_window_url = url_for("lti.login") + "?" + urlencode(state.login_params)
    if state.storage_target and "browser_secret" not in request.form:
        registration = get_session().get_one(Registration, state.registration_id)
        page = render_template(
            "lti/platform_storage_get.html",
            state=state,
            id_token=request.form["id_token"],
            platform_origin=platform_origin(registration.auth_login_url),
            new_window_url=new_window_url,
        )
        return page, 200
    log.info("Launch needs a new window: third-party cookies blocked")
    return render_template("lti/new_window.html", new_window_url=new_window_url), 401


@bp.get("/jwks.json")
@read_only
def jwks() -> ResponseReturnValue:
    response = jsonify(keys.jwks(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
