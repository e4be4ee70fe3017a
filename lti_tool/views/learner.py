"""The learner's pages: tracks, activities, quiz and exam attempts, lab submissions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from assessments.catalog import find_activity, translated_tracks
from assessments.labs import ArchiveLimits, LabResult
from assessments.model import Activity, ActivityKind, Track
from lti_tool.credentials import wallet
from lti_tool.credentials.issuing import queue_if_completed as queue_credential_if_completed
from lti_tool.db import get_connection, get_session, read_only, rollback
from lti_tool.gradesync import status as gradesync_status
from lti_tool.grading import lab_editor
from lti_tool.grading.labs import (
    SubmissionError,
    counted_submissions,
    next_submission,
    submit_lab,
)
from lti_tool.i18n import ui_language
from lti_tool.learning import accommodations, attempts, feedback, lessons, progress, project_files
from lti_tool.learning.forms import answers_from_form
from lti_tool.models import Attempt, AttemptStatus, LabSubmission, utcnow
from lti_tool.placements import resolve
from lti_tool.sessions import current_launch, launch_required, settings
from lti_tool.uploads import MiB, accepts_uploads

bp = Blueprint("learner", __name__, url_prefix="/learn")


def _tracks() -> tuple[Track, ...]:
    """The tracks, with module texts in the page's language where the content has them."""
    return translated_tracks(ui_language(), settings().tracks_dir)


def _activity(track_id: str, activity_id: str) -> tuple[Track, Activity]:
    """Load the track and activity named in the URL, or 404."""
    found = find_activity(_tracks(), track_id, activity_id)
    if found is None:
        abort(404, gettext("There is no such activity."))
    return found


@bp.get("/")
@read_only
@launch_required
def home():
    launch = current_launch()
    tracks = _tracks()
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
def module(track_id: str, module_id: str):
    """A module's activities and where the learner stands on each."""
    track = next((t for t in _tracks() if t.id == track_id), None)
    found = next((m for m in track.modules if m.id == module_id), None) if track else None
    if found is None:
        abort(404, gettext("There is no such module."))
    (report,) = progress.progress(get_session(), current_launch(), [track])
    return render_template(
        "learner/module.html", launch=current_launch(), track=track, module=found, report=report
    )


@bp.get("/progress")
@read_only
@launch_required
def my_progress():
    session, launch, tracks = get_session(), current_launch(), _tracks()
    report = progress.progress(session, launch, tracks)
    held = wallet.current_by_track(wallet.entries(session, launch, tracks, utcnow()))
    return render_template("learner/progress.html", launch=launch, report=report, held=held)


@bp.get("/a/<track_id>/<activity_id>")
@read_only
@launch_required
def activity(track_id: str, activity_id: str):
    return _activity_page(*_activity(track_id, activity_id))


def _activity_page(track: Track, activity_: Activity, status: int = 200, **form: Any):
    """The activity page; ``form`` re-renders a refused form with what the learner wrote
    and why it was refused (``error``), with ``status`` 422."""
    launch = current_launch()
    session = get_session()
    context = {"launch": launch, "track": track, "activity": activity_, "form": form}
    context["accommodation"] = accommodations.for_learner(
        session, launch.context_id, launch.user_id
    )
    if activity_.kind.is_assessed:
        context["gradebook"] = gradesync_status.learner_delivery(
            session, launch, track, activity_.id
        )
    if activity_.kind is not ActivityKind.LAB:
        context["attempts"] = attempts.attempts_at(session, launch, track, activity_)
        context["next_attempt"] = attempts.next_attempt(
            session, launch, activity_, context["attempts"], utcnow()
        )
    if activity_.kind is ActivityKind.PROJECT:
        context["files"] = project_files.listing(session, (a.id for a in context["attempts"]))
        context["accepted"] = project_files.accepted_extensions()
        context["limits"] = project_files
    if activity_.kind is ActivityKind.LAB:
        submissions = _lab_submissions(track, activity_)
        context["submissions"] = submissions
        latest = next((s for s in submissions if s.result is not None), None)
        context["latest"] = latest
        context["latest_result"] = (
            LabResult.from_dict(latest.result).for_learner() if latest is not None else None
        )
        counted = counted_submissions(get_connection(), launch, track, activity_)
        context["next_attempt"] = next_submission(get_connection(), launch, track, activity_)
        context["reveal"] = feedback.reveals_all(session, launch, activity_, len(counted))
        if latest is not None and latest.score is not None:
            graded = {"score": latest.score, "max_score": 1.0, "status": "graded"}
            context["by_competency"] = feedback.by_competency(track, activity_, graded)
        context["editor"] = lab_editor.editor_for(
            track, activity_, settings().tracks_dir, submissions
        )
    return render_template("learner/activity.html", **context), status


def _lab_submissions(track: Track, activity_: Activity) -> list[LabSubmission]:
    """This learner's submissions and checks of a lab, newest first."""
    launch = current_launch()
    return (
        get_session()
        .scalars(
            select(LabSubmission)
            .where(
                *LabSubmission.of_learner(launch, launch.user_id),
                LabSubmission.track_id == track.id,
                LabSubmission.activity_id == activity_.id,
            )
            .order_by(LabSubmission.id.desc())
            .limit(20)
        )
        .all()
    )


@bp.get("/a/<track_id>/<activity_id>/lab-status")
@read_only
@launch_required
def lab_status(track_id: str, activity_id: str):
    """For the page's script: is anything still waiting for the grader?"""
    track, activity_ = _activity(track_id, activity_id)
    waiting = [s.id for s in _lab_submissions(track, activity_) if s.status.value == "queued"]
    return jsonify(waiting=waiting)


@bp.post("/a/<track_id>/<activity_id>/done")
@launch_required
def mark_lesson_done(track_id: str, activity_id: str):
    track, lesson = _activity(track_id, activity_id)
    if lesson.kind is not ActivityKind.LESSON:
        abort(400, gettext("Only lessons are marked as done; other activities are handed in."))
    session = get_session()
    done = session.get(Attempt, lessons.mark_done(session, current_launch(), track, lesson))
    # A lesson of a renewal module may be the last credit a credential's renewal needs.
    queue_credential_if_completed(session, done, _tracks())
    module_ = track.module_of(lesson.id)
    return redirect(url_for("learner.module", track_id=track.id, module_id=module_.id))


@bp.post("/a/<track_id>/<activity_id>/start")
@launch_required
def start_attempt(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    attempt = attempts.start(get_session(), current_launch(), track, activity_)
    return redirect(url_for("learner.attempt", attempt_id=attempt.id))


@bp.post("/a/<track_id>/<activity_id>/project")
@launch_required
@accepts_uploads(project_files.MAX_REQUEST_BYTES)
def hand_in_project(track_id: str, activity_id: str):
    """Hand in text, files or both; a refusal shows the form again with the text kept."""
    track, activity_ = _activity(track_id, activity_id)
    text = request.form.get("text", "")
    session = get_session()
    try:
        uploads = project_files.check(
            (upload.filename or "", upload.stream.read(project_files.MAX_FILE_BYTES + 1))
            for upload in request.files.getlist("files")
        )
        attempt_ = attempts.start(session, current_launch(), track, activity_)
        attempts.submit_project(attempt_, activity_, text, attachments=len(uploads))
        project_files.attach(session, attempt_, uploads)
    except (attempts.AttemptError, project_files.ProjectFileError) as exc:
        rollback()
        return _activity_page(track, activity_, 422, text=text, error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


@bp.get("/project-file/<int:file_id>")
@read_only
@launch_required
def project_file(file_id: int):
    """A file of the learner's own project; anyone else's id finds nothing (404)."""
    stored = project_files.for_learner(get_session(), current_launch(), file_id)
    if stored is None:
        abort(404)
    return project_files.as_download(stored)


@bp.post("/a/<track_id>/<activity_id>/lab")
@launch_required
@accepts_uploads(ArchiveLimits().max_archive_bytes + MiB)
def submit_lab_files(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    upload = request.files.get("submission")
    if upload is None or not upload.filename:
        return _activity_page(
            track, activity_, 422, upload_error=gettext("Choose a file to submit.")
        )
    limits = ArchiveLimits()
    data = upload.stream.read(limits.max_archive_bytes + 1)
    try:
        submit_lab(
            get_connection(),
            current_launch(),
            track,
            activity_.id,
            upload.filename,
            data,
            limits,
            visible_only=request.form.get("purpose") == "check",
        )
    except SubmissionError as exc:
        return _activity_page(track, activity_, 422, upload_error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


@bp.post("/a/<track_id>/<activity_id>/lab/code")
@launch_required
@accepts_uploads(lab_editor.EDITOR_FIELD_BYTES + MiB, lab_editor.EDITOR_FIELD_BYTES)
def submit_lab_code(track_id: str, activity_id: str):
    """Code written in the page's editor, checked or submitted like an uploaded file;
    a refusal shows the editor again with the code as the learner left it."""
    track, activity_ = _activity(track_id, activity_id)
    code = request.form.get("code", "")
    editor = (
        lab_editor.editor_for(track, activity_, settings().tracks_dir, ())
        if activity_.kind is ActivityKind.LAB
        else None
    )
    if editor is None:
        abort(404, gettext("This activity has no code editor."))
    try:
        lab_editor.submit_code(
            get_connection(),
            current_launch(),
            track,
            activity_,
            editor,
            code,
            visible_only=request.form.get("purpose") == "check",
        )
    except SubmissionError as exc:
        return _activity_page(track, activity_, 422, code=code, code_error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


def _attempt_and_activity(attempt_id: int):
    attempt = attempts.get_attempt(get_session(), current_launch(), attempt_id)
    track, activity_ = _activity(attempt.track_id, attempt.activity_id)
    return attempt, track, activity_


@bp.get("/attempt/<int:attempt_id>")
@launch_required
def attempt(attempt_id: int):
    attempt_, track, activity_ = _attempt_and_activity(attempt_id)
    attempts.close_if_overdue(attempt_, track, activity_, utcnow())
    done = attempt_.status is AttemptStatus.SUBMITTED
    session, launch = get_session(), current_launch()
    used = feedback.submitted(attempts.attempts_at(session, launch, track, activity_))
    items = attempts.items_of(attempt_, activity_)
    context = {
        "launch": launch,
        "track": track,
        "activity": activity_,
        "attempt": attempt_,
        "reveal": feedback.reveals_all(session, launch, activity_, used),
        "by_competency": feedback.by_competency(track, activity_, attempt_.result or {}, items),
        "seed": (attempt_.user_id, activity_.id, attempt_.number),
    }
    if activity_.kind is ActivityKind.SCENARIO:
        run = attempts.scenario_run(attempt_, activity_)
        return render_template(
            "learner/scenario_result.html" if done else "learner/scenario.html",
            scenario=activity_.scenario,
            node=activity_.scenario.nodes[run.at],
            run=run,
            **context,
        )
    return render_template(
        "learner/attempt_result.html" if done else "learner/attempt.html",
        items=items,
        saved=request.args.get("saved") == "1",
        **context,
    )


@bp.app_template_filter("seeded")
def seeded(choices, seed, *more):
    """Choices in this learner's order for this attempt (``feedback.in_seeded_order``)."""
    return feedback.in_seeded_order(choices, *seed, *more)


@bp.post("/attempt/<int:attempt_id>/save")
@launch_required
def save_attempt(attempt_id: int):
    attempt_, _track, activity_ = _attempt_and_activity(attempt_id)
    outcome = attempts.save(
        attempt_, activity_, answers_from_form(attempts.items_of(attempt_, activity_), request.form)
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved=outcome.saved, errors=outcome.errors, problems=outcome.problems)
    return redirect(url_for("learner.attempt", attempt_id=attempt_id, saved=1))


@bp.post("/attempt/<int:attempt_id>/choose")
@launch_required
def choose(attempt_id: int):
    attempt_, _track, activity_ = _attempt_and_activity(attempt_id)
    attempts.choose(
        attempt_,
        activity_,
        request.form.get("node", ""),
        request.form.get("choice", ""),
        request.form.get("justification"),
    )
    return redirect(url_for("learner.attempt", attempt_id=attempt_id))


@bp.post("/attempt/<int:attempt_id>/submit")
@launch_required
def submit_attempt(attempt_id: int):
    """Save what the page holds, ask once to confirm, then score (idempotent)."""
    attempt_, track, activity_ = _attempt_and_activity(attempt_id)
    items = attempts.items_of(attempt_, activity_)
    if attempt_.status is AttemptStatus.IN_PROGRESS and request.form.get("confirm") != "yes":
        outcome = attempts.save(attempt_, activity_, answers_from_form(items, request.form))
        unanswered = [item for item in items if item.id not in attempt_.answers]
        return render_template(
            "learner/attempt_confirm.html",
            launch=current_launch(),
            activity=activity_,
            attempt=attempt_,
            unanswered=unanswered,
            errors={**outcome.problems, **outcome.errors},
        )
    attempts.submit(attempt_, track, activity_)
    return redirect(url_for("learner.attempt", attempt_id=attempt_id))
