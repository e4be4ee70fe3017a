"""Pages without a launch: the front page, health check, and the session description."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from lti_tool.db import get_connection, read_only
from lti_tool.errors import NoLaunchSessionError
from lti_tool.sessions import current_launch, settings

bp = Blueprint("public", __name__)


@bp.get("/")
@read_only
def index():
    return render_template("index.html", demo=settings().demo)


@bp.get("/healthz")
@read_only
def healthz():
    try:
        get_connection().execute(text("SELECT 1"))
    except Exception:  # any database failure means unhealthy; the reason goes to the log
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/session")
@read_only
def session_info():
    """The current launch, for the pages' scripts and for tests; 401 without a launch."""
    launch = current_launch()
    if launch is None:
        raise NoLaunchSessionError()
    return jsonify(
        user={"id": launch.user_id, "name": launch.user_name},
        role=launch.role.value,
        registration_id=launch.registration_id,
        deployment_id=launch.deployment_id,
        context={"id": launch.context_id, "title": launch.context_title},
        resource_link={"id": launch.resource_link_id, "title": launch.resource_link_title},
        message_type=launch.message_type,
    )
