"""The demo LMS's pages: a course that launches the tool, and the platform's OIDC endpoints."""

from __future__ import annotations

from urllib.parse import urlencode

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

from lti_tool.demo_lms.platform import (
    CLIENT_ID,
    COURSE,
    DEPLOYMENT_ID,
    PEOPLE,
    RESOURCE_LINK,
    DemoPlatform,
)
from lti_tool.lti.urls import launch_url, login_url
from lti_tool.sessions import settings

bp = Blueprint("demo_lms", __name__, url_prefix="/demo-lms")


def init_app(app: Flask) -> None:
    app.extensions["skillcert.demo_platform"] = DemoPlatform(app.config["SETTINGS"])
    app.register_blueprint(bp)


def _platform() -> DemoPlatform:
    return current_app.extensions["skillcert.demo_platform"]


@bp.get("/")
def course():
    role = request.args.get("as", "")
    if role and role not in PEOPLE:
        abort(404)
    return render_template("demo_lms/course.html", course=COURSE, people=PEOPLE, role=role)


@bp.get("/start/<role>")
def start(role: str):
    """Third-party-initiated login: what an LMS does when someone opens the tool's link."""
    if role not in PEOPLE:
        abort(404)
    params = {
        "iss": _platform().issuer,
        "login_hint": role,
        "target_link_uri": launch_url(settings()),
        "lti_message_hint": RESOURCE_LINK["id"],
        "client_id": CLIENT_ID,
        "lti_deployment_id": DEPLOYMENT_ID,
    }
    return redirect(login_url(settings()) + "?" + urlencode(params))


@bp.get("/auth")
def auth():
    """The platform's OIDC authorisation endpoint: checks the request, posts an id_token."""
    args = request.args
    expected = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "client_id": CLIENT_ID,
        "redirect_uri": launch_url(settings()),
    }
    wrong = [name for name, value in expected.items() if args.get(name) != value]
    person = PEOPLE.get(args.get("login_hint", ""))
    if wrong or person is None or not args.get("state") or not args.get("nonce"):
        problem = ", ".join(wrong) or "login_hint, state or nonce"
        return render_template("demo_lms/auth_error.html", problem=problem), 400
    token = _platform().id_token(person, args["nonce"])
    return render_template(
        "demo_lms/form_post.html",
        action=args["redirect_uri"],
        fields={"id_token": token, "state": args["state"]},
    )


@bp.get("/jwks.json")
def jwks():
    return jsonify(_platform().jwks())
