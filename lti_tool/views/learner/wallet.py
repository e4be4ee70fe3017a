"""The learner's wallet: ``/learn/credentials`` and their choices for credentials."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from lti_tool.credentials import wallet
from lti_tool.credentials.document import page_url
from lti_tool.db import get_session, read_only, rollback
from lti_tool.i18n import ui_language
from lti_tool.models import utcnow
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.views.learner.base import bp, served_tracks


def _page(status: int = 200, **form: Any) -> ResponseReturnValue:
    """The wallet; ``form`` re-renders refused choices with what the learner typed."""
    launch = required_launch()
    session = get_session()
    tracks = served_tracks()
    return render_template(
        "learner/credentials.html",
        launch=launch,
        entries=wallet.entries(session, launch, tracks, utcnow()),
        preference=wallet.preference(session, launch.user_id),
        share_url=lambda credential: page_url(current_settings(), credential.id),
        smtp=bool(current_settings().smtp_host),
        saved=request.args.get("saved") == "1",
        form=form,
    ), status


@bp.get("/credentials")
@read_only
@launch_required
def wallet_page() -> ResponseReturnValue:
    return _page()


@bp.post("/credentials/preferences")
@launch_required
def save_wallet_preferences() -> ResponseReturnValue:
    """Include my name in new credentials; remind me by email (the address I give)."""
    launch = required_launch()
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
    return redirect(url_for("learner.wallet_page", saved=1))
