"""The LMS administrator's pages under ``/admin``: this tenant's credentials, revoking one.

Only a launch with the Administrator role (institution, system or course administrator,
``lti_tool/lti/roles.py``) may see them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import list_tracks
from lti_tool.credentials import administration, issuing
from lti_tool.db import get_session, read_only, rollback
from lti_tool.errors import ForbiddenError
from lti_tool.models import Role, utcnow
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings

bp = Blueprint("admin", __name__, url_prefix="/admin")


def administrator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401/403) a request unless its launch is an LMS administrator's."""

    @functools.wraps(view)
    @launch_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if required_launch().role is not Role.ADMINISTRATOR:
            raise ForbiddenError(
                gettext("This page is for LMS administrators."),
                advice=gettext("Ask your LMS administrator to revoke a credential."),
            )
        return view(*args, **kwargs)

    return wrapped


def _page(status_code: int = 200, **form: Any) -> ResponseReturnValue:
    launch = required_launch()
    session = get_session()
    now = utcnow()
    track = request.args.get("track", "")
    status = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = administration.listing(session, launch, track, status, page, now)
    return render_template(
        "credentials/admin.html",
        launch=launch,
        listed=found.rows,
        tracks=list_tracks(current_settings().tracks_dir),
        filters=administration.FILTERS,
        track=track,
        status=status,
        page=page,
        pages=found.pages,
        total=found.total,
        revoked=request.args.get("revoked", ""),
        form=form,
    ), status_code


@bp.get("/credentials")
@read_only
@administrator_required
def credentials() -> ResponseReturnValue:
    return _page()


@bp.post("/credentials/<credential_id>/revoke")
@administrator_required
def revoke_credential(credential_id: str) -> ResponseReturnValue:
    """Revoke a credential of this tenant for good, with the reason (required)."""
    launch = required_launch()
    session = get_session()
    if not administration.in_this_tenant(session, launch, credential_id):
        abort(404, gettext("There is no such credential here."))
    reason = request.form.get("reason", "")
    if not reason.strip():
        error = gettext("Give the reason for revoking: it is recorded with the revocation.")
        return _page(422, credential_id=credential_id, reason=reason, error=error)
    try:
        issuing.revoke(
            session,
            current_settings(),
            credential_id,
            by=f"lms-administrator:user-{launch.user_id}",
            reason=reason,
        )
    except issuing.CredentialError:  # revoked meanwhile (the only refusal left)
        rollback()
        error = gettext("This credential is already revoked.")
        return _page(422, credential_id=credential_id, reason=reason, error=error)
    return redirect(url_for("admin.credentials", revoked=credential_id))
