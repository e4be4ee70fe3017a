"""The demo LMS's pages: a course that launches the tool, its gradebook and roster, and
the platform's OIDC endpoints (its services are in :mod:`lti_tool.demo_lms.services`)."""

from __future__ import annotations

from urllib.parse import urlencode

import jwt
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool import csrf
from lti_tool.db import transaction
from lti_tool.demo_lms import services
from lti_tool.demo_lms.gradebook import GradebookError
from lti_tool.demo_lms.platform import (
    CLIENT_ID,
    COURSE,
    DEEP_LINK_HINT,
    DEPLOYMENT_ID,
    FIRST_VISIT_LINK,
    PEOPLE,
    RESOURCE_LINK,
    ROSTER,
    DemoPerson,
    DemoPlatform,
)
from lti_tool.lti.constants import Claim, ContextRole
from lti_tool.lti.deep_linking import CONTENT_ITEMS
from lti_tool.lti.keys import published_keys
from lti_tool.lti.urls import launch_url, login_url
from lti_tool.settings import current_settings

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms")


def init_app(app: Flask) -> None:
    app.extensions["skillcert.demo_platform"] = DemoPlatform(app.config["SETTINGS"])
    app.register_blueprint(bp)
    app.register_blueprint(services.bp)


def _platform() -> DemoPlatform:
    return current_app.extensions["skillcert.demo_platform"]


@bp.get("/")
def course() -> ResponseReturnValue:
    role = request.args.get("as", "")
    if role and role not in PEOPLE:
        abort(404)
    link = request.args.get("link", "")
    return render_template(
        "demo_lms/course.html",
        course=COURSE,
        people=PEOPLE,
        role=role,
        link=link,
        placed=_platform().placed_links(),
        first_visit=FIRST_VISIT_LINK,
        deep_link_hint=DEEP_LINK_HINT,
    )


@bp.get("/gradebook")
def gradebook() -> ResponseReturnValue:
    """What the LMS holds: the scores SkillCert sent per column and learner, and the roster."""
    book = _platform().gradebook
    columns = book.line_items()
    scores = {number: book.scores(number) for number, _ in columns}
    learners = [person for person in ROSTER if ContextRole.LEARNER in person.roles]
    return render_template(
        "demo_lms/gradebook.html",
        course=COURSE,
        columns=columns,
        scores=scores,
        learners=learners,
        roster=[(person, _role_name(person)) for person in ROSTER],
        placed={link["id"]: link["title"] for link in _platform().placed_links()},
    )


def _role_name(person: DemoPerson) -> str:
    return "instructor" if ContextRole.INSTRUCTOR in person.roles else "learner"


@bp.get("/start/<role>")
def start(role: str) -> ResponseReturnValue:
    """Third-party-initiated login: what an LMS does when someone opens the tool's link."""
    if role not in PEOPLE:
        abort(404)
    params = {
        "iss": _platform().issuer,
        "login_hint": role,
        "target_link_uri": launch_url(current_settings()),
        "lti_message_hint": request.args.get("link") or RESOURCE_LINK["id"],
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    return redirect(login_url(current_settings()) + "?" + urlencode(params))


@bp.get("/auth")
def auth() -> ResponseReturnValue:
    """The platform's OIDC authorisation endpoint: checks the request, posts an id_token."""
    args = request.args
    expected = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "client_id": CLIENT_ID,
        "redirect_uri": launch_url(current_settings()),
    }
    wrong = [name for name, value in expected.items() if args.get(name) != value]
    person = PEOPLE.get(args.get("login_hint", ""))
    if wrong or person is None or not args.get("state") or not args.get("nonce"):
        problem = ", ".join(wrong) or "login_hint, state or nonce"
        return render_template("demo_lms/auth_error.html", problem=problem), 400
    token = _platform().id_token(person, args["nonce"], args.get("lti_message_hint", ""))
    return render_template(
        "demo_lms/form_post.html",
        action=args["redirect_uri"],
        fields={"id_token": token, "state": args["state"]},
    )


@bp.post("/deep-link-return")
@csrf.exempt
def deep_link_return() -> ResponseReturnValue:
    """Receive the tool's signed Deep Linking response and place its links in the course."""
    platform = _platform()
    token = request.form.get("JWT", "")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        with transaction(current_app) as session:
            jwk = next(k.public_jwk for k in published_keys(session) if k.kid == kid)
        claims = jwt.decode(
            token,
            jwt.PyJWK(jwk).key,
            algorithms=["RS256"],
            audience=platform.issuer,
            issuer=CLIENT_ID,
        )
    except (jwt.InvalidTokenError, StopIteration):
        abort(400, gettext("The demo LMS could not verify the tool's deep-linking response."))
    if claims.get(Claim.MESSAGE_TYPE) != "LtiDeepLinkingResponse":
        abort(400, gettext("That was not a deep-linking response."))
    items = claims.get(CONTENT_ITEMS, [])
    try:
        platform.place(items)
    except GradebookError:
        abort(
            400,
            gettext(
                "The tool's deep-linking response asked for a gradebook column that the "
                "demo LMS cannot make."
            ),
        )
    # Real LMSs close their deep-linking dialog here; the demo takes the whole page back.
    return render_template("demo_lms/placed.html", count=len(items))


@bp.get("/jwks.json")
def jwks() -> ResponseReturnValue:
    return jsonify(_platform().jwks())
