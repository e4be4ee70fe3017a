"""Rubric grading: the queue, double marking and moderation, the history and agreement."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.rubrics import LevelChoice
from lti_tool.db import get_session, read_only, rollback
from lti_tool.learning import (
    answer_view,
    grading_audit,
    moderation,
    project_files,
    rubric_grading,
)
from lti_tool.models import (
    AccessKind,
    GradingOutcome,
)
from lti_tool.privacy import access_log
from lti_tool.sessions import instructor_required, required_launch
from lti_tool.views.instructor.base import (
    PlacementError,
    activity_or_404,
    bp,
    served_tracks,
)


@bp.get("/grading")
@read_only
@instructor_required
def grading_queue() -> ResponseReturnValue:
    pieces = rubric_grading.queue(get_session(), required_launch(), served_tracks())
    saved = request.args.get("saved")
    return _grading_page(pieces, saved=saved if saved in set(GradingOutcome) else None)


def _grading_page(
    pieces: list[rubric_grading.Piece], status: int = 200, **state: Any
) -> ResponseReturnValue:
    """The queue; ``state`` re-renders a refused grade (``failed``, ``error``, ``kept``)."""
    session, launch = get_session(), required_launch()
    files = project_files.listing(session, {piece.attempt.id for piece in pieces})
    access_log.record(session, launch, AccessKind.GRADING, attempts=[p.attempt for p in pieces])
    html = render_template(
        "instructor/grading.html",
        launch=launch,
        pieces=pieces,
        works={piece.anchor: answer_view.piece_view(piece) for piece in pieces},
        files=files,
        activities=moderation.rubric_activities(session, launch, served_tracks()),
        **state,
    )
    return html, status


def _rubric_choices() -> dict[str, LevelChoice]:
    """The level (``level-<criterion>``) and comment (``comment-<criterion>``) per criterion."""
    return {
        name.removeprefix("level-"): LevelChoice(value, request.form.get(f"comment-{name[6:]}", ""))
        for name, value in request.form.items()
        if name.startswith("level-")
    }


@bp.post("/grading/<id:attempt_id>/<key>")
@instructor_required
def grade_piece(attempt_id: int, key: str) -> ResponseReturnValue:
    """Save one grade and go on to the next work awaiting grading ("Save and next")."""
    session, launch = get_session(), required_launch()
    pending = rubric_grading.queue(session, launch, served_tracks())
    try:
        outcome = rubric_grading.grade(
            session,
            launch,
            served_tracks(),
            attempt_id,
            key,
            _rubric_choices(),
            request.form.get("comment", ""),
        )
    except rubric_grading.GradingError as exc:
        rollback()
        failed = next((p for p in pending if (p.attempt.id, p.key) == (attempt_id, key)), None)
        return _grading_page(pending, 400, failed=failed, error=exc.message, kept=request.form)
    access_log.record(session, launch, AccessKind.GRADE, attempts=[attempt_id], detail=key)
    upcoming = rubric_grading.following(pending, attempt_id, key)
    return redirect(
        url_for(
            "instructor.grading_queue",
            saved=outcome.value,
            _anchor=upcoming.anchor if upcoming is not None else "grading-end",
        )
    )


@bp.get("/moderation")
@read_only
@instructor_required
def moderation_queue() -> ResponseReturnValue:
    """Double-marked work whose two marks disagree, side by side, for a final mark."""
    return _moderation_page(saved=request.args.get("saved") == "1")


def _moderation_page(status: int = 200, **state: Any) -> ResponseReturnValue:
    session, launch = get_session(), required_launch()
    cases = moderation.cases(session, launch, served_tracks())
    files = project_files.listing(session, {case.work.piece.attempt.id for case in cases})
    attempts = [case.work.piece.attempt for case in cases]
    access_log.record(session, launch, AccessKind.MODERATION, attempts=attempts)
    html = render_template(
        "instructor/moderation.html", launch=launch, cases=cases, files=files, **state
    )
    return html, status


@bp.get("/marking/<id:attempt_id>")
@read_only
@instructor_required
def attempt_marking(attempt_id: int) -> ResponseReturnValue:
    """An attempt's rubric work: where each piece stands, re-grading, and its audit trail."""
    return _marking_page(attempt_id, saved=request.args.get("saved") == "1")


def _marking_page(attempt_id: int, status: int = 200, **state: Any) -> ResponseReturnValue:
    session, launch = get_session(), required_launch()
    work = moderation.attempt_work(session, launch, served_tracks(), attempt_id)
    if not work:
        abort(404)
    access_log.record(session, launch, AccessKind.MARKING, attempts=[attempt_id])
    html = render_template(
        "instructor/marking.html",
        launch=launch,
        work=work,
        names=moderation.grader_names(session, (m for w in work for m in w.marks)),
        trail=grading_audit.attempt_trail(session, launch, attempt_id),
        **state,
    )
    return html, status


@bp.post("/marking/<id:attempt_id>/<key>")
@instructor_required
def final_mark(attempt_id: int, key: str) -> ResponseReturnValue:
    """Set a final mark: a moderation decision, or a re-grade of released work."""
    back = request.form.get("back")
    if back not in ("moderation", "marking"):
        raise PlacementError(gettext("This form did not come from a SkillCert page."))
    session, launch = get_session(), required_launch()
    try:
        moderation.finalise(
            session,
            launch,
            served_tracks(),
            attempt_id,
            key,
            _rubric_choices(),
            request.form.get("comment", ""),
        )
    except rubric_grading.GradingError as exc:
        rollback()
        state = {"error": exc.message, "failed": (attempt_id, key), "kept": request.form}
        if back == "moderation":
            return _moderation_page(400, **state)
        return _marking_page(attempt_id, 400, **state)
    access_log.record(session, launch, AccessKind.GRADE, attempts=[attempt_id], detail=key)
    if back == "moderation":
        return redirect(url_for("instructor.moderation_queue", saved=1))
    return redirect(url_for("instructor.attempt_marking", attempt_id=attempt_id, saved=1))


@bp.get("/grading-history")
@read_only
@instructor_required
def grading_history() -> ResponseReturnValue:
    """Every grading action in the course, newest first, a page at a time."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        raise PlacementError(gettext("There is no such page of the grading history."))
    rows, older = grading_audit.course_trail(get_session(), required_launch(), int(page))
    return render_template(
        "instructor/grading_history.html",
        launch=required_launch(),
        rows=rows,
        page=int(page),
        older=older,
    )


@bp.get("/agreement/<track_id>/<activity_id>")
@read_only
@instructor_required
def marking_agreement(track_id: str, activity_id: str) -> ResponseReturnValue:
    """How far the two graders of double-marked work agree, per rubric of one activity."""
    track, activity = activity_or_404(track_id, activity_id)
    report = moderation.agreement_report(
        get_session(), required_launch(), served_tracks(), track.id, activity
    )
    return render_template(
        "instructor/agreement.html", launch=required_launch(), activity=activity, report=report
    )


@bp.get("/project-file/<id:file_id>")
@read_only
@instructor_required
def project_file(file_id: int) -> ResponseReturnValue:
    """A file handed in with a project in this course; any other id finds nothing (404)."""
    stored = project_files.for_instructor(get_session(), required_launch(), file_id)
    if stored is None:
        abort(404)
    access_log.record(get_session(), required_launch(), AccessKind.PROJECT_FILE, file_id=file_id)
    return project_files.as_download(stored)
