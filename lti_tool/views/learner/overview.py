"""Where the learner stands: the landing page, a module, and progress in every track.

What the course places comes first ("In this course"), then the rest of the catalogue.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import find_track
from lti_tool.credentials import wallet
from lti_tool.db import get_session, read_only
from lti_tool.i18n import ui_language
from lti_tool.learning import due_reminders, learner_overview
from lti_tool.models import utcnow
from lti_tool.sessions import launch_required, required_launch
from lti_tool.views.learner.base import bp, served_tracks


@bp.get("/")
@read_only
@launch_required
def home() -> ResponseReturnValue:
    launch = required_launch()
    tracks = learner_overview.course_first(get_session(), launch, served_tracks())
    return render_template("learner/home.html", launch=launch, tracks=tracks)


@bp.get("/m/<track_id>/<module_id>")
@read_only
@launch_required
def module(track_id: str, module_id: str) -> ResponseReturnValue:
    """A module's activities and where the learner stands on each."""
    track = find_track(served_tracks(), track_id)
    found = next((m for m in track.modules if m.id == module_id), None) if track else None
    if track is None or found is None:
        abort(404, gettext("There is no such module."))
    session, launch = get_session(), required_launch()
    (overview,) = learner_overview.overviews(session, launch, [track])
    return render_template(
        "learner/module.html",
        launch=launch,
        overview=overview,
        module=found,
        dates=learner_overview.track_dates(session, launch, overview),
    )


@bp.get("/progress")
@read_only
@launch_required
def my_progress() -> ResponseReturnValue:
    return _progress_page()


def _progress_page(status: int = 200, **reminder_form: Any) -> ResponseReturnValue:
    """My progress; ``reminder_form`` re-renders a refused reminder choice as given, with
    why (``error``)."""
    session, launch, tracks = get_session(), required_launch(), served_tracks()
    held = wallet.current_by_track(wallet.entries(session, launch, tracks, utcnow()))
    choice = wallet.preference(session, launch.user_id)
    return render_template(
        "learner/progress.html",
        launch=launch,
        tracks=learner_overview.course_first(session, launch, tracks),
        held=held,
        reminders={
            "on": bool(choice.due_date_reminders),
            "email": choice.reminder_email or "",
            **reminder_form,
        },
    ), status


@bp.post("/due-reminders")
@launch_required
def save_due_reminders() -> ResponseReturnValue:
    """Turn due-date reminder emails on or off (``skillcert reminders due`` sends them)."""
    launch = required_launch()
    on = request.form.get("due_reminders") == "on"
    email = request.form.get("email", "")
    try:
        due_reminders.save_choice(
            get_session(), launch.user_id, on=on, email=email, locale=ui_language()
        )
    except due_reminders.ReminderChoiceError as exc:  # nothing was written
        return _progress_page(422, on=on, email=email, error=exc.message)
    return redirect(url_for("learner.my_progress", _anchor="due-reminders"))
