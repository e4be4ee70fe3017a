"""The instructor's blueprint and the lookups its pages share."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from assessments.catalog import find_activity, list_tracks
from assessments.model import Activity, Track
from lti_tool.errors import SkillCertError
from lti_tool.placements import Placement, resolve
from lti_tool.settings import current_settings

bp = Blueprint("instructor", __name__, url_prefix="/teach")


class PlacementError(SkillCertError):
    """That choice cannot be placed."""

    status_code = 400
    default_message = _l("That choice cannot be placed.")
    advice = _l("Go back, choose from the list, and try again.")


def served_tracks() -> tuple[Track, ...]:
    return list_tracks(current_settings().tracks_dir)


def chosen_placements() -> list[Placement]:
    targets = request.form.getlist("target")
    if not targets:
        raise PlacementError(gettext("Choose at least one track, module or activity."))
    resolved = [resolve(target, served_tracks()) for target in targets]
    placements = [placement for placement in resolved if placement is not None]
    if len(placements) != len(resolved):
        raise PlacementError(gettext("One of the chosen items is not available any more."))
    return placements


def activity_or_404(track_id: str, activity_id: str) -> tuple[Track, Activity]:
    found = find_activity(served_tracks(), track_id, activity_id)
    if found is None:
        raise PlacementError(gettext("There is no such activity."))
    return found
