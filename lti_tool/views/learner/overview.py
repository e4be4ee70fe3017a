"""Where the learner stands: the landing page, a module, and progress in every track.

What the course places comes first ("In this course"), then the rest of the catalogue.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext
from markupsafe import Markup

from assessments.catalog import find_track
from assessments.effort import minutes as estimated_minutes
from assessments.model import Activity, Track
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
    return render_template(
        "learner/home.html", launch=launch, tracks=tracks, track_outline=track_outline
    )


#: Rendered track outlines by (track, locale, URL root). Tracks are loaded once per process
#: (``assessments.catalog.translated_tracks``), so the entry keeps its track and is used
#: only for that very object; a reloaded catalogue's tracks get entries of their own.
_outlines: dict[tuple[int, str, str], tuple[Track, Markup]] = {}
_outlines_lock = threading.Lock()
#: More entries than tracks, languages and roots ever needs: beyond it, start again.
_MAX_OUTLINES = 256


def track_outline(track: Track) -> Markup:
    """A track's modules and activities with their estimated times, the same for every
    learner: rendered per request it was most of the landing page's CPU (≈ 48 of 66 ms
    with the shipped tracks, bench/launch_cpu.py, 2026-12-06), so it is rendered once."""
    key = (id(track), str(get_locale()), request.script_root)
    cached = _outlines.get(key)
    if cached is None or cached[0] is not track:
        page = render_template(
            "learner/_track_outline.html", track=track, total_minutes=_total_minutes
        )
        html = Markup(page)  # noqa: S704 (an autoescaped template's output)
        with _outlines_lock:
            if len(_outlines) >= _MAX_OUTLINES:
                _outlines.clear()
            _outlines[key] = cached = (track, html)
    return cached[1]


def _total_minutes(activities: Iterable[Activity]) -> int:
    return sum(map(estimated_minutes, activities))


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
