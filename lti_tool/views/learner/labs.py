"""Lab submissions: uploaded files or code typed in the editor, and their grading status."""

from __future__ import annotations

from flask import abort, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from assessments.labs import ArchiveLimits
from assessments.model import ActivityKind
from lti_tool.db import get_connection, read_only
from lti_tool.grading import lab_editor
from lti_tool.grading.labs import (
    SubmissionError,
    submit_lab,
)
from lti_tool.sessions import launch_required, required_launch
from lti_tool.settings import current_settings
from lti_tool.uploads import MiB, accepts_uploads
from lti_tool.views.learner.activities import activity_page, lab_submissions
from lti_tool.views.learner.base import activity_or_404, bp


@bp.get("/a/<track_id>/<activity_id>/lab-status")
@read_only
@launch_required
def lab_status(track_id: str, activity_id: str) -> ResponseReturnValue:
    """For the page's script: is anything still waiting for the grader?"""
    track, activity_ = activity_or_404(track_id, activity_id)
    waiting = [s.id for s in lab_submissions(track, activity_) if s.status.value == "queued"]
    return jsonify(waiting=waiting)


@bp.post("/a/<track_id>/<activity_id>/lab")
@launch_required
@accepts_uploads(ArchiveLimits().max_archive_bytes + MiB)
def submit_lab_files(track_id: str, activity_id: str) -> ResponseReturnValue:
    track, activity_ = activity_or_404(track_id, activity_id)
    upload = request.files.get("submission")
    if upload is None or not upload.filename:
        return activity_page(
            track, activity_, 422, upload_error=gettext("Choose a file to submit.")
        )
    limits = ArchiveLimits()
    data = upload.stream.read(limits.max_archive_bytes + 1)
    try:
        submit_lab(
            get_connection(),
            required_launch(),
            track,
            activity_.id,
            upload.filename,
            data,
            limits,
            visible_only=request.form.get("purpose") == "check",
        )
    except SubmissionError as exc:
        return activity_page(track, activity_, 422, upload_error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))


@bp.post("/a/<track_id>/<activity_id>/lab/code")
@launch_required
@accepts_uploads(lab_editor.EDITOR_FIELD_BYTES + MiB, lab_editor.EDITOR_FIELD_BYTES)
def submit_lab_code(track_id: str, activity_id: str) -> ResponseReturnValue:
    """Code written in the page's editor, checked or submitted like an uploaded file;
    a refusal shows the editor again with the code as the learner left it."""
    track, activity_ = activity_or_404(track_id, activity_id)
    code = request.form.get("code", "")
    editor = (
        lab_editor.editor_for(track, activity_, current_settings().tracks_dir, ())
        if activity_.kind is ActivityKind.LAB
        else None
    )
    if editor is None:
        abort(404, gettext("This activity has no code editor."))
    try:
        lab_editor.submit_code(
            get_connection(),
            required_launch(),
            track,
            activity_,
            editor,
            code,
            visible_only=request.form.get("purpose") == "check",
        )
    except SubmissionError as exc:
        return activity_page(track, activity_, 422, code=code, code_error=exc.message)
    return redirect(url_for("learner.activity", track_id=track.id, activity_id=activity_.id))
