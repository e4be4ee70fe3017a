"""This tenant's credentials, filtered a page at a time, and revoking one for good."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import list_tracks
from lti_tool.credentials import administration
from lti_tool.db import get_session, read_only
from lti_tool.models import utcnow
from lti_tool.sessions import required_launch
from lti_tool.settings import current_settings
from lti_tool.views.admin.base import administrator_required, bp
from lti_tool.views.revocation import revoke_from_form


def _page(status_code: int = 200, **form: Any) -> ResponseReturnValue:
    launch = required_launch()
    session = get_session()
    now = utcnow()
    track = request.args.get("track", "")
    status = request.args.get("status", "")
    # Bounded: a page past the last is empty; an absurd one must not overflow the OFFSET.
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 1_000_000)
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
    outcome = revoke_from_form(credential_id, by=f"lms-administrator:user-{launch.user_id}")
    if isinstance(outcome, str):
        reason = request.form.get("reason", "")
        return _page(422, credential_id=credential_id, reason=reason, error=outcome)
    return redirect(url_for("admin.credentials", revoked=credential_id))
