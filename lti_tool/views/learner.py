"""The learner's pages: tracks, activities, quiz and exam attempts, lab submissions."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from sqlalchemy import select

from assessments.catalog import find_activity, list_tracks
from assessments.labs import ArchiveLimits, LabResult
from assessments.model import Activity, ActivityKind, Track
from lti_tool.db import get_connection, get_session, read_only
from lti_tool.grading.labs import submit_lab
from lti_tool.learning import attempts, progress
from lti_tool.learning.forms import answers_from_form
from lti_tool.models import AttemptStatus, LabSubmission, utcnow
from lti_tool.placements import resolve
from lti_tool.sessions import current_launch, launch_required, settings

bp = Blueprint("learner", __name__, url_prefix="/learn")


def _tracks() -> tuple[Track, ...]:
    return list_tracks(settings().tracks_dir)


def _activity(track_id: str, activity_id: str) -> tuple[Track, Activity]:
    """Load the track and activity named in the URL, or 404."""
    found = find_activity(_tracks(), track_id, activity_id)
    if found is None:
        abort(404, "There is no such activity.")
    return found


@bp.get("/")
@read_only
@launch_required
def home():
    launch = current_launch()
    tracks = _tracks()
    placement = resolve(launch.resource_link_target, tracks)
    return render_template("learner/home.html", launch=launch, tracks=tracks, placement=placement)


@bp.get("/progress")
@read_only
@launch_required
def my_progress():
    report = progress.progress(get_session(), current_launch(), _tracks())
    return render_template("learner/progress.html", launch=current_launch(), report=report)


@bp.get("/a/<track_id>/<activity_id>")
@read_only
@launch_required
def activity(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    launch = current_launch()
    session = get_session()
    context = {"launch": launch, "track": track, "activity": activity_}
    if activity_.kind not in (ActivityKind.LESSON, ActivityKind.LAB):
        context["attempts"] = attempts.attempts_at(session, launch, track, activity_)
    if activity_.kind is ActivityKind.LAB:
        submissions = _lab_submissions(track, activity_)
        context["submissions"] = submissions
        latest = next((s for s in submissions if s.result is not None), None)
        context["latest"] = latest
        context["latest_result"] = (
            LabResult.from_dict(latest.result).for_learner() if latest is not None else None
        )
    return render_template("learner/activity.html", **context)


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


@bp.post("/a/<track_id>/<activity_id>/start")
@launch_required
def start_attempt(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    attempt = attempts.start(get_session(), current_launch(), track, activity_)
    return redirect(url_for("learner.attempt", attempt_id=attempt.id))


@bp.post("/a/<track_id>/<activity_id>/project")
@launch_required
def hand_in_project(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    attempt_ = attempts.start(get_session(), current_launch(), track, activity_)
    attempts.submit_project(attempt_, activity_, request.form.get("text", ""))
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


@bp.post("/a/<track_id>/<activity_id>/lab")
@launch_required
def submit_lab_files(track_id: str, activity_id: str):
    track, activity_ = _activity(track_id, activity_id)
    upload = request.files.get("submission")
    if upload is None or not upload.filename:
        abort(400, "Choose a file to submit.")
    limits = ArchiveLimits()
    data = upload.stream.read(limits.max_archive_bytes + 1)
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
    if activity_.kind is ActivityKind.SCENARIO:
        run = attempts.scenario_run(attempt_, activity_)
        return render_template(
            "learner/scenario_result.html" if done else "learner/scenario.html",
            launch=current_launch(),
            track=track,
            activity=activity_,
            attempt=attempt_,
            scenario=activity_.scenario,
            node=activity_.scenario.nodes[run.at],
            run=run,
        )
    return render_template(
        "learner/attempt_result.html" if done else "learner/attempt.html",
        launch=current_launch(),
        track=track,
        activity=activity_,
        attempt=attempt_,
        items=attempts.items_of(attempt_, activity_),
        saved=request.args.get("saved") == "1",
    )


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
