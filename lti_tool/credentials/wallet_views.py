"""The learner's wallet: ``/learn/credentials`` and their choices for credentials."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from assessments.catalog import translated_tracks
from lti_tool.credentials import wallet
from lti_tool.credentials.issuing import page_url
from lti_tool.db import get_session, read_only, rollback
from lti_tool.i18n import ui_language
from lti_tool.models import utcnow
from lti_tool.sessions import current_launch, launch_required, settings

bp = Blueprint("wallet", __name__, url_prefix="/learn/credentials")


def _page(status: int = 200, **form: Any):
    """The wallet; ``form`` re-renders refused choices with what the learner typed."""
    launch = current_launch()
    session = get_session()
    tracks = translated_tracks(ui_language(), settings().tracks_dir)
    return render_template(
        "learner/credentials.html",
        launch=launch,
        entries=wallet.entries(session, launch, tracks, utcnow()),
        preference=wallet.preference(session, launch.user_id),
        share_url=lambda credential: page_url(settings(), credential.id),
        smtp=bool(settings().smtp_host),
        saved=request.args.get("saved") == "1",
        form=form,
    ), status


@bp.get("")
@read_only
@launch_required
def page():
    return _page()


@bp.post("/preferences")
@launch_required
def save_preferences():
    """Include my name in new credentials; remind me by email (the address I give)."""
    launch = current_launch()
    reminders = request.form.get("reminders") == "on"
    email = request.form.get("email", "")
    try:
        wallet.save_preference(
            get_session(),
            launch.user_id,
            include_name=request.form.get("include_name") == "on",
            reminders=reminders,
            email=email,
            locale=ui_language(),
        )
    except wallet.PreferenceError as exc:
        rollback()
        return _page(422, email=email, reminders=reminders, error=exc.message)
    return redirect(url_for("wallet.page", saved=1))
