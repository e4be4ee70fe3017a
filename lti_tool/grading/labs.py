"""Lab submissions: accept an upload, queue it, and grade it in the worker.

A submission and its grading job commit in one transaction, so a submission is never
lost or graded twice. The worker unpacks it into a private folder and hands it to the
sandboxed runner in ``assessments.labs``; learner code never runs in the web process.
"""

from __future__ import annotations

import io
import logging
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, insert, select, update

from assessments.catalog import lab_spec, list_tracks
from assessments.labs import (
    ArchiveError,
    ArchiveLimits,
    LabResult,
    extract_zip,
    grade_submission,
    run_visible_tests,
)
from assessments.model import ActivityKind, ContentVersions, Track
from lti_tool.credentials.issuing import queue_if_completed as queue_credential_if_completed
from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.gradesync import outbox as gradesync
from lti_tool.jobs import queue
from lti_tool.jobs.worker import PermanentJobError, register_handler
from lti_tool.models import LabSubmission, SubmissionStatus, utcnow
from lti_tool.sessions import CurrentLaunch

log = logging.getLogger(__name__)

JOB_KIND = "grade_lab"
_submission = LabSubmission.__table__
#: A single uploaded file must be one of these; a project comes as a .zip.
SOURCE_SUFFIXES = (".py", ".txt", ".md", ".json", ".csv", ".yaml", ".yml")


class SubmissionError(SkillCertError):
    """This submission cannot be accepted."""

    status_code = 400
    advice = _l("Check the file and submit again. Nothing was saved.")


def as_archive(filename: str, data: bytes, limits: ArchiveLimits) -> bytes:
    """The upload as a zip: a project zip is checked by unpacking it; a single file is wrapped."""
    if len(data) > limits.max_archive_bytes:
        raise SubmissionError(
            gettext(
                "The upload is %(size)s bytes; the limit is %(limit)s bytes.",
                size=len(data),
                limit=limits.max_archive_bytes,
            )
        )
    name = Path(filename or "").name
    if name.lower().endswith(".zip"):
        with tempfile.TemporaryDirectory() as scratch:
            try:
                extract_zip(data, Path(scratch) / "check", limits)
            except ArchiveError as exc:
                raise SubmissionError(
                    gettext("The zip file cannot be used: %(problem)s", problem=exc)
                ) from None
        return data
    if not name.lower().endswith(SOURCE_SUFFIXES):
        raise SubmissionError(
            gettext(
                "Upload a .zip of your project or one source file (%(suffixes)s).",
                suffixes=", ".join(SOURCE_SUFFIXES),
            )
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(gettext("%(name)s is not UTF-8 text.", name=name)) from None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def submit_lab(
    conn: Connection,
    launch: CurrentLaunch,
    track: Track,
    activity_id: str,
    filename: str,
    data: bytes,
    limits: ArchiveLimits | None = None,
    visible_only: bool = False,
) -> int:
    """Store a learner's lab submission and queue its grading, in the caller's transaction.

    ``visible_only``: a check against the lab's visible tests, which never counts."""
    try:
        activity = track.activity(activity_id)
    except KeyError:
        raise SubmissionError(
            gettext("There is no activity %(id)r in this track.", id=activity_id)
        ) from None
    if activity.kind is not ActivityKind.LAB:
        raise SubmissionError(gettext("%(title)s is not a lab.", title=activity.title))
    archive = as_archive(filename, data, limits or ArchiveLimits())
    submission_id = conn.execute(
        insert(_submission).returning(_submission.c.id),
        {
            "registration_id": launch.registration_id,
            "deployment_id": launch.deployment_id,
            "context_id": launch.context_id,
            "user_id": launch.user_id,
            "track_id": track.id,
            "activity_id": activity_id,
            "content_versions": ContentVersions.of(track, activity_id).as_dict(),
            "archive": archive,
            "status": SubmissionStatus.QUEUED,
            "visible_only": visible_only,
            "created_at": utcnow(),
        },
    ).scalar_one()
    # One learner's submissions to one lab are graded in the order they were made.
    queue.enqueue(
        conn,
        JOB_KIND,
        {"submission_id": submission_id},
        lock_key=f"lab:{launch.user_id}:{track.id}:{activity_id}",
    )
    log.info(
        "Lab submission %s queued: user=%s activity=%s", submission_id, launch.user_id, activity_id
    )
    return submission_id


def grade_lab(app: Flask, payload: dict[str, Any]) -> None:
    """Job handler: grade one submission in the sandbox and store the result."""
    submission_id = payload["submission_id"]
    with transaction(app) as session:
        row = session.execute(
            select(
                _submission.c.archive,
                _submission.c.track_id,
                _submission.c.activity_id,
                _submission.c.visible_only,
            ).where(_submission.c.id == submission_id)
        ).first()
    if row is None:
        raise PermanentJobError(f"Lab submission {submission_id} no longer exists.")
    spec = lab_spec(row.track_id, row.activity_id, app.config["SETTINGS"].tracks_dir)
    if spec is None:
        raise PermanentJobError(f"The lab {row.track_id}/{row.activity_id} no longer exists.")
    with tempfile.TemporaryDirectory(prefix="skillcert-lab-") as scratch:
        folder = Path(scratch) / "submission"
        try:
            extract_zip(row.archive, folder)
        except ArchiveError as exc:
            raise PermanentJobError(f"The stored submission cannot be unpacked: {exc}") from exc
        run = run_visible_tests if row.visible_only else grade_submission
        result = run(spec, folder)
    if result.retryable:
        # Sandbox missing or a grader failure: try again later; the job shows why meanwhile.
        raise RuntimeError(f"{result.status}: {result.message or result.staff_output[:500]}")
    _store(app, submission_id, result)


def _store(app: Flask, submission_id: int, result: LabResult) -> None:
    status = SubmissionStatus.GRADED if result.gradable else SubmissionStatus.NOT_GRADABLE
    with transaction(app) as session:
        session.execute(
            update(_submission)
            .where(_submission.c.id == submission_id)
            .values(status=status, score=result.score, result=result.to_dict(), graded_at=utcnow())
        )
        submission = session.get(LabSubmission, submission_id)
        if status is SubmissionStatus.GRADED and not submission.visible_only:
            tracks = list_tracks(app.config["SETTINGS"].tracks_dir)
            gradesync.queue_scores(session, submission, tracks)
            queue_credential_if_completed(session, submission, tracks)
    log.info("Lab submission %s: %s score=%s", submission_id, status, result.score)


def init_app(app: Flask) -> None:
    register_handler(app, JOB_KIND, grade_lab)
