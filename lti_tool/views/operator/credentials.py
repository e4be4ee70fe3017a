"""Every tenant's credentials (the host's view), found by their id, and revoking one for
good. The LMS administrator's page (lti_tool.views.admin.credentials) lists one tenant's
through the same service, lti_tool.credentials.administration."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import list_tracks
from lti_tool.credentials import administration
from lti_tool.db import get_session
from lti_tool.models import Credential, utcnow
from lti_tool.settings import current_settings
from lti_tool.views.operator.access import bp, current_operator, operator_required, record
from lti_tool.views.revocation import revoke_from_form


def _is_credential_id(text: str) -> bool:
    try:
        uuid.UUID(administration.normalise_credential_id(text))
    except ValueError:
        return False
    return True


def _page(status_code: int = 200, **form: Any) -> ResponseReturnValue:
    asked = request.args.get("q", "").strip()[:200]
    bad_id = bool(asked) and not _is_credential_id(asked)
    track = request.args.get("track", "")
    status = request.args.get("status", "")
    # Bounded: a page past the last is empty; an absurd one must not overflow the OFFSET.
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 1_000_000)
    found = administration.host_listing(
        get_session(), track, status, page, utcnow(), credential_id="" if bad_id else asked
    )
    return render_template(
        "operator/credentials.html",
        active_page="credentials",
        listed=[] if bad_id else found.rows,
        registrations=found.registrations,
        tracks=list_tracks(current_settings().tracks_dir),
        filters=administration.FILTERS,
        asked=asked,
        bad_id=bad_id,
        track=track,
        status=status,
        page=page,
        pages=found.pages,
        total=0 if bad_id else found.total,
        revoked=request.args.get("revoked", ""),
        form=form,
    ), status_code


@bp.get("/credentials")
@operator_required
def credentials() -> ResponseReturnValue:
    return _page()


@bp.post("/credentials/<credential_id>/revoke")
@operator_required
def revoke_credential(credential_id: str) -> ResponseReturnValue:
    """Revoke any tenant's credential for good, with the reason (required), audited."""
    credential_id = administration.normalise_credential_id(credential_id)
    session = get_session()
    if session.get(Credential, credential_id) is None:
        abort(404, gettext("There is no such credential."))
    operator = current_operator()
    by = f"operator:{operator.email if operator is not None else ''}"
    reason = request.form.get("reason", "")
    credential = revoke_from_form(credential_id, by=by)
    if isinstance(credential, str):
        return _page(422, credential_id=credential_id, reason=reason, error=credential)
    record(
        "credential.revoke",
        f"credential {credential_id}",
        track=credential.track_id,
        registration=credential.registration_id,
        reason=reason.strip()[:500],
    )
    return redirect(url_for("operator.credentials", revoked=credential_id))
