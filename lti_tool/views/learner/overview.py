"""Where the learner stands: the landing page, a module, and progress in every track.

What the course places comes first ("In this course"), then the rest of the catalogue.
"""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import find_track
from lti_tool.credentials import wallet
from lti_tool.db import get_session, read_only
from lti_tool.learning import learner_overview
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
    (overview,) = learner_overview.overviews(get_session(), required_launch(), [track])
    return render_template(
        "learner/module.html", launch=required_launch(), overview=overview, module=found
    )


@bp.get("/progress")
@read_only
@launch_required
def my_progress() -> ResponseReturnValue:
    session, launch, tracks = get_session(), required_launch(), served_tracks()
    held = wallet.current_by_track(wallet.entries(session, launch, tracks, utcnow()))
    return render_template(
        "learner/progress.html",
        launch=launch,
        tracks=learner_overview.course_first(session, launch, tracks),
        held=held,
    )
