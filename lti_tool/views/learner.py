"""The learner's pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from assessments.catalog import list_tracks
from lti_tool.db import read_only
from lti_tool.placements import resolve
from lti_tool.sessions import current_launch, launch_required, settings

bp = Blueprint("learner", __name__, url_prefix="/learn")


@bp.get("/")
@read_only
@launch_required
def home():
    launch = current_launch()
    tracks = list_tracks(settings().tracks_dir)
    placement = resolve(launch.resource_link_target, tracks)
    return render_template("learner/home.html", launch=launch, tracks=tracks, placement=placement)
