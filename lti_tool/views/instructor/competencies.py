"""Evidence of mastery: what assesses what in each track the course places, and how well
the course's learners have mastered each competency, as a page and the heat map as CSV."""

from __future__ import annotations

from flask import Response, render_template
from flask.typing import ResponseReturnValue

from assessments.model import Track
from lti_tool.db import get_session, read_only
from lti_tool.learning import competency_matrix, gradebook
from lti_tool.models import AccessKind
from lti_tool.privacy import access_log
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.views.instructor.base import bp, served_tracks


def _heat_map() -> tuple[list[Track], competency_matrix.HeatMap]:
    """The tracks the course places and its learners' mastery of their competencies."""
    session, launch = get_session(), required_launch()
    tracks = competency_matrix.placed_tracks(session, launch, served_tracks())
    book = gradebook.build(session, launch, tracks)
    return tracks, competency_matrix.heat_map(book, tracks)


@bp.get("/competencies")
@read_only
@instructor_required
def competencies_page() -> ResponseReturnValue:
    tracks, heat = _heat_map()
    return render_template(
        "instructor/competencies.html",
        launch=required_launch(),
        matrices=[competency_matrix.matrix(track) for track in tracks],
        heat=heat,
        several_tracks=len(tracks) > 1,
        bands=competency_matrix.BANDS,
        band=competency_matrix.band,
    )


@bp.get("/competencies.csv")
@read_only
@instructor_required
def competencies_csv() -> ResponseReturnValue:
    _tracks, heat = _heat_map()
    # A whole-course export of learners' results, logged as the gradebook's CSV is.
    access_log.record(
        get_session(), required_launch(), AccessKind.GRADEBOOK_CSV, detail="competencies"
    )
    return Response(
        competency_matrix.as_csv(heat),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="skillcert-competencies.csv"'},
    )
