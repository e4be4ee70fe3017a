"""The learner's blueprint and the lookups its pages share."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext

from assessments.catalog import find_activity, translated_tracks
from assessments.model import Activity, Track
from lti_tool.i18n import ui_language
from lti_tool.settings import current_settings

bp = Blueprint("learner", __name__, url_prefix="/learn")


def served_tracks() -> tuple[Track, ...]:
    """The tracks, with module texts in the page's language where the content has them."""
    return translated_tracks(ui_language(), current_settings().tracks_dir)


def activity_or_404(track_id: str, activity_id: str) -> tuple[Track, Activity]:
    """Load the track and activity named in the URL, or 404."""
    found = find_activity(served_tracks(), track_id, activity_id)
    if found is None:
        abort(404, gettext("There is no such activity."))
    return found
