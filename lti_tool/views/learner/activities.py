"""An activity's page, lessons marked as done, and project hand-ins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments import effort
from assessments.labs import LabResult
from assessments.model import Activity, ActivityKind, Track
from assessments.policy import Accommodation
from lti_tool.db import get_connection, get_session, read_only, rollback
from lti_tool.gradesync import status as gradesync_status
from lti_tool.grading import lab_editor, labs
from lti_tool.grading.labs import (
    counted_submissions,
    next_submission,
)
from lti_tool.i18n import lab_words
from lti_tool.learning import (
    accommodations,
    attempts,
    feedback,
    learner_overview,
    lessons,
    next_step,
    project_files,
    verdict,
)
from lti_tool.learning.answer_view import attempt_view
from lti_tool.models import AttemptStatus, LabSubmission, utcnow
from lti_tool.scope import CurrentLaunch
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.uploads import accepts_uploads
from lti_tool.views.learner.base import activity_or_404, bp


@bp.get("/a/<track_id>/<activity_id>")
@read_only
@launch_required
def activity(track_id: str, activity_id: str) -> ResponseReturnValue:
    return activity_page(*activity_or_404(track_id, activity_id))


def activity_page(
    track: Track, activity_: Activity, status: int = 200, **form: Any
) -> ResponseReturnValue:
    """The activity page; ``form`` re-renders a refused form with what the learner wrote
    and why it was refused (``error``), with ``status`` 422."""
    launch = required_launch()
    session = get_session()
    granted = accommodations.for_learner(session, launch.context_id, launch.user_id)
    context: dict[str, Any] = {
        "launch": launch,
        "track": track,
        "activity": activity_,
        "form": form,
        "accommodation": granted,
        "minutes": effort.minutes(activity_),
        "next_step": next_step.after(track, activity_.id),
        "dates": learner_overview.activity_dates(session, launch, track, activity_),
    }
    if activity_.kind.is_assessed:
        context["gradebook"] = gradesync_status.learner_delivery(
            session, launch, track, activity_.id
        )
    if activity_.kind is ActivityKind.LAB:
        context.update(_lab_context(launch, track, activity_, granted))
    else:
        context.update(_attempts_context(launch, track, activity_, granted))
    return render_template("learner/activity.html", **context), status


def _attempts_context(
    launch: CurrentLaunch, track: Track, activity_: Activity, granted: Accommodation
) -> dict[str, Any]:
    """Every kind but labs: the learner's attempts, the next one, and a project's files,
    texts and released rubric grades."""
    session = get_session()
    own_attempts = attempts.attempts_at(session, launch, track, activity_)
    handed_in = [a for a in own_attempts if a.status is AttemptStatus.SUBMITTED]
    context: dict[str, Any] = {
        "attempts": own_attempts,
        "next_attempt": attempts.next_attempt(session, launch, activity_, own_attempts, utcnow()),
        "done": bool(handed_in),
    }
    if activity_.kind is ActivityKind.PROJECT:
        context["files"] = project_files.listing(session, (a.id for a in own_attempts))
        context["accepted"] = project_files.accepted_extensions()
        context["limits"] = project_files
        context["seen"] = {a.id: attempt_view(a, activity_) for a in handed_in}
        if handed_in:
            context["verdict"] = verdict.of_attempt(
                track, activity_, handed_in[-1], len(own_attempts), granted
            )
    return context


def _lab_context(
    launch: CurrentLaunch, track: Track, activity_: Activity, granted: Accommodation
) -> dict[str, Any]:
    """A lab: the learner's submissions, the latest result, the next submission, the editor."""
    submissions = lab_submissions(track, activity_)
    latest, latest_result = _latest_result(submissions)
    counted = counted_submissions(get_connection(), launch, track, activity_)
    context: dict[str, Any] = {
        "submissions": submissions,
        "latest": latest,
        "latest_result": latest_result,
        "next_attempt": next_submission(get_connection(), launch, track, activity_),
        "reveal": feedback.reveals_all(get_session(), launch, activity_, len(counted)),
        "verdict": verdict.of_lab(track, activity_, submissions, len(counted), granted),
        "done": any(s.score is not None and not s.visible_only for s in submissions),
        "test_words": lab_words.TEST_STATUSES,
    }
    if latest_result is not None:
        context["lab_summary"] = lab_words.summary(latest_result)
        context["error_output"] = lab_words.error_output(latest_result)
    if latest is not None and latest.score is not None:
        graded = {"score": latest.score, "max_score": 1.0, "status": "graded"}
        context["by_competency"] = feedback.by_competency(track, activity_, graded)
    context["editor"] = lab_editor.editor_for(
        track, activity_, current_settings().tracks_dir, submissions
    )
    return context


def _latest_result(
    submissions: Sequence[LabSubmission],
) -> tuple[LabSubmission | None, LabResult | None]:
    """The newest submission with a result, and that result as the learner may see it."""
    for submission in submissions:
        if submission.result is not None:
            return submission, LabResult.from_dict(submission.result).for_learner()
    return None, None


def lab_submissions(track: Track, activity_: Activity) -> Sequence[LabSubmission]:
    """This learner's submissions and checks of a lab, newest first."""
    launch = required_launch()
    return labs.learner_submissions(get_session(), launch, track, activity_)


@bp.post("/a/<track_id>/<activity_id>/done")
@launch_required
def mark_lesson_done(track_id: str, activity_id: str) -> ResponseReturnValue:
    track, lesson = activity_or_404(track_id, activity_id)
    if lesson.kind is not ActivityKind.LESSON:
        abort(400, gettext("Only lessons are marked as done; other activities are handed in."))
    lessons.mark_done(get_session(), required_launch(), track, lesson)
    module_ = track.module_of(lesson.id)
    return redirect(url_for("learner.module", track_id=track.id, module_id=module_.id))


@bp.post("/a/<track_id>/<activity_id>/project")
@launch_required
@accepts_uploads(project_files.MAX_REQUEST_BYTES)
def hand_in_project(track_id: str, activity_id: str) -> ResponseReturnValue:
    """Hand in text, files or both; a refusal shows the form again with the text kept."""
    track, activity_ = activity_or_404(track_id, activity_id)
    text = request.form.get("text", "")
    session = get_session()
    try:
        uploads = project_files.check(
            (upload.filename or "", upload.stream.read(project_files.MAX_FILE_BYTES + 1))
            for upload in request.files.getlist("files")
        )
        attempt_ = attempts.start(session, required_launch(), track, activity_)
        attempts.submit_project(attempt_, activity_, text, attachments=len(uploads))
        project_files.attach(session, attempt_, uploads)
    except (attempts.AttemptError, project_files.ProjectFileError) as exc:
        rollback()
        return activity_page(track, activity_, 422, text=text, error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


@bp.get("/project-file/<id:file_id>")
@read_only
@launch_required
def project_file(file_id: int) -> ResponseReturnValue:
    """A file of the learner's own project; anyone else's id finds nothing (404)."""
    stored = project_files.for_learner(get_session(), required_launch(), file_id)
    if stored is None:
        abort(404)
    return project_files.as_download(stored)
