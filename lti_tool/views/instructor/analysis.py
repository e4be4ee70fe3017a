"""Item analysis of a quiz or exam: how each question behaved across the course."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, format_percent, gettext

from assessments.analysis import MAX_DIFFICULTY, MIN_DISCRIMINATION
from lti_tool.db import get_session, read_only
from lti_tool.learning import (
    charts,
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
        "instructor/item_analysis.html",
        launch=required_launch(),
        activity=activity,
        report=result,
        chart=_scatter(result),
    )


def _scatter(result: item_report.ItemReport) -> charts.Chart | None:
    """Each question's difficulty against its discrimination, with the flag thresholds."""
    if result.analysis is None:
        return None
    points = [
        (
            item.difficulty,
            item.discrimination,
            gettext(
                "%(item)s: difficulty %(difficulty)s, discrimination %(discrimination)s%(flag)s",
                item=item.item_id,
                difficulty=format_decimal(item.difficulty, "0.00"),
                discrimination=format_decimal(item.discrimination, "0.00"),
                flag=gettext(" (needs a look)") if item.item_id in result.flags else "",
            ),
            item.item_id in result.flags,
        )
        for item in result.analysis.items
        if item.difficulty is not None and item.discrimination is not None
    ]
    if not points:
        return None
    return charts.scatter(
        points,
        x_guide=(
            MAX_DIFFICULTY,
            gettext("too easy above %(share)s", share=format_percent(MAX_DIFFICULTY)),
        ),
        y_guide=(
            MIN_DISCRIMINATION,
            gettext("weak below %(limit)s", limit=format_decimal(MIN_DISCRIMINATION)),
        ),
        number=lambda value: format_decimal(value, "0.00"),
    )
