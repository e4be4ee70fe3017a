"""Where the learner stands: the landing page, a module, and progress in every track."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.catalog import find_track
from lti_tool import progress
from lti_tool.credentials import wallet
from lti_tool.db import get_session, read_only
from lti_tool.models import utcnow
from lti_tool.placements import resolve
from lti_tool.sessions import launch_required, required_launch
from lti_tool.views.learner.base import bp, served_tracks


@bp.get("/")
@read_only
@launch_required
def home() -> ResponseReturnValue:
    launch = required_launch()
    tracks = served_tracks()
    placement = resolve(launch.resource_link_target, tracks)
    report = None
    if placement is not None and placement.module is not None and placement.activity is None:
        (report,) = progress.progress(get_session(), launch, [placement.track])
    return render_template(
        "learner/home.html", launch=launch, tracks=tracks, placement=placement, report=report
    )


@bp.get("/m/<track_id>/<module_id>")
@read_only
@launch_required
def module(track_id: str, module_id: str) -> ResponseReturnValue:
    """A module's activities and where the learner stands on each."""
    track = find_track(served_tracks(), track_id)
    found = next((m for m in track.modules if m.id == module_id), None) if track else None
    if track is None or found is None:
        abort(404, gettext("There is no such module."))
    (report,) = progress.progress(get_session(), required_launch(), [track])
    return render_template(
        "learner/module.html", launch=required_launch(), track=track, module=found, report=report
    )


@bp.get("/progress")
@read_only
@launch_required
def my_progress() -> ResponseReturnValue:
    session, launch, tracks = get_session(), required_launch(), served_tracks()
    report = progress.progress(session, launch, tracks)
    held = wallet.current_by_track(wallet.entries(session, launch, tracks, utcnow()))
    return render_template("learner/progress.html", launch=launch, report=report, held=held)
