"""Item analysis of a quiz or exam: how each question behaved across the course."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool.db import get_session, read_only
from lti_tool.learning import (
    item_report,
)
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.views.instructor.base import (
    PlacementError,
    activity_or_404,
    bp,
)


@bp.get("/analysis/<track_id>/<activity_id>")
@read_only
@instructor_required
def item_analysis(track_id: str, activity_id: str) -> ResponseReturnValue:
    track, activity = activity_or_404(track_id, activity_id)
    if not activity.kind.has_items:
        raise PlacementError(gettext("There is no such quiz or exam."))
    result = item_report.report(get_session(), required_launch(), track, activity)
    return render_template(
        "instructor/item_analysis.html", launch=required_launch(), activity=activity, report=result
    )
