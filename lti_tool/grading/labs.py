"""Lab submissions: accept an upload, queue it, and grade it in the worker.

A submission and its grading job commit in one transaction, so a submission is never
lost or graded twice. The worker unpacks it into a private folder and hands it to the
sandboxed runner in ``assessments.labs``; learner code never runs in the web process.

A counted submission of a parameterised lab is graded on its own instance: the worker
draws a fresh seed when it first grades it and stores the seed with the result, so
``reproduce`` can grade it again on exactly the same hidden cases. The seed is drawn in
the worker rather than at upload because the worker has the lab's spec at hand; a grading
run that is retried before any result was stored simply draws again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import secrets
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from assessments.catalog import lab_spec, list_tracks
from assessments.labs import (
    ArchiveError,
    ArchiveLimits,
    LabResult,
    LabSpec,
    LabSpecError,
    extract_zip,
    grade_submission,
    run_visible_tests,
)
from assessments.model import Activity, ActivityKind, ContentVersions, Track
from assessments.policy import Decision
from lti_tool import outcomes
from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.i18n import engine_words
from lti_tool.jobs import queue
from lti_tool.jobs.worker import PermanentJobError, register_handler
from lti_tool.learning import accommodations
from lti_tool.models import LabSubmission, SubmissionStatus, utcnow
from lti_tool.observability import metrics
from lti_tool.observability.events import elapsed_ms, event
from lti_tool.outcomes import Change
from lti_tool.scope import CurrentLaunch

log = logging.getLogger(__name__)

JOB_KIND = "grade_lab"
_submission = LabSubmission.__table__
#: A single uploaded file must be one of these; a project comes as a .zip.
SOURCE_SUFFIXES = (".py", ".txt", ".md", ".json", ".csv", ".yaml", ".yml")


class SubmissionError(SkillCertError):
    """This submission cannot be accepted."""

    status_code = 400
    advice = _l("Check the file and submit again. Nothing was saved.")


class ReproduceError(SkillCertError):
    """This stored submission cannot be graded again (said why, for an operator)."""


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


def counted_submissions(
    conn: Connection, launch: CurrentLaunch, track: Track, activity: Activity
) -> list[dt.datetime]:
    """When each of the learner's counted submissions of a lab was made, oldest first.

    Checks against the visible tests are free; a submission that could not be run (a
    syntax error) or that the grader failed on does not use an attempt either.
    """
    return list(
        conn.scalars(
            select(_submission.c.created_at)
            .where(
                *LabSubmission.of_learner(launch, launch.user_id),
                _submission.c.track_id == track.id,
                _submission.c.activity_id == activity.id,
                ~_submission.c.visible_only,
                _submission.c.status.in_((SubmissionStatus.QUEUED, SubmissionStatus.GRADED)),
            )
            .order_by(_submission.c.id)
        )
    )


def next_submission(
    conn: Connection, launch: CurrentLaunch, track: Track, activity: Activity
) -> Decision:
    """May the learner hand in another counted submission of this lab now? A lab's
    submissions are its attempts: the activity's policy limits and spaces them."""
    made = counted_submissions(conn, launch, track, activity)
    granted = accommodations.for_learner(conn, launch.context_id, launch.user_id)
    return activity.attempt_policy.can_start(
        len(made), utcnow(), granted, made[-1] if made else None
    )


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
    if not visible_only:
        # A refused decision always says why; an allowed one has no reason.
        refused = next_submission(conn, launch, track, activity).reason
        if refused is not None:
            raise SubmissionError(str(engine_words.refusal(refused)))
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
    row, spec = _stored(app, submission_id, PermanentJobError)
    seed = row.seed
    if seed is None and spec.parameterised and not row.visible_only:
        seed = secrets.randbelow(2**31)
    started = time.monotonic()
    try:
        result = _grade_archive(spec, row.archive, row.visible_only, seed)
    except (ArchiveError, LabSpecError) as exc:
        _log_graded(submission_id, "unusable", started)
        raise PermanentJobError(f"Lab submission {submission_id}: {exc}") from exc
    _log_graded(submission_id, str(result.status), started, result.score)
    if result.retryable:
        # Sandbox missing or a grader failure: try again later; the job shows why meanwhile.
        raise RuntimeError(f"{result.status}: {result.message or result.staff_output[:500]}")
    _store(app, submission_id, result, seed)


def _log_graded(
    submission_id: int, outcome: str, started: float, score: float | None = None
) -> None:
    """The ``lab.graded`` event and the sandbox metric: how a grading run ended, how long
    it took (the worker's logs already say which lab, by the job)."""
    metrics.sandbox_run(outcome, time.monotonic() - started)
    event(
        "lab.graded",
        submission_id=submission_id,
        outcome=outcome,
        score=score,
        duration_ms=elapsed_ms(started),
    )


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """A stored lab grade next to the same submission graded again with its stored seed."""

    submission_id: int
    seed: int | None
    stored: LabResult
    reproduced: LabResult

    @property
    def differences(self) -> tuple[str, ...]:
        """What differs, one line each: the score, then each test's outcome."""
        lines = []
        if self.stored.score != self.reproduced.score:
            lines.append(f"score: stored {self.stored.score}, reproduced {self.reproduced.score}")
        stored = {t.name: (t.status.value, t.score) for t in self.stored.tests}
        again = {t.name: (t.status.value, t.score) for t in self.reproduced.tests}
        for name in sorted(stored.keys() | again.keys()):
            if stored.get(name) != again.get(name):
                lines.append(f"{name}: stored {stored.get(name)}, reproduced {again.get(name)}")
        return tuple(lines)

    @property
    def matches(self) -> bool:
        return not self.differences


def reproduce(app: Flask, submission_id: int) -> Reproduction:
    """Grade a stored, graded submission again with its stored seed (changing nothing).

    Raises ``ReproduceError`` when it cannot: no such submission, not graded yet, the lab
    is gone or now parameterised while the submission has no seed."""
    row, spec = _stored(app, submission_id, ReproduceError)
    if row.result is None:
        raise ReproduceError(f"Lab submission {submission_id} has not been graded yet.")
    if spec.parameterised and not row.visible_only and row.seed is None:
        raise ReproduceError(
            f"Lab submission {submission_id} was graded without a seed, but its lab is "
            "parameterised now: its hidden cases cannot be drawn again."
        )
    try:
        result = _grade_archive(spec, row.archive, row.visible_only, row.seed)
    except (ArchiveError, LabSpecError) as exc:
        raise ReproduceError(f"Lab submission {submission_id}: {exc}") from exc
    return Reproduction(submission_id, row.seed, LabResult.from_dict(row.result), result)


def _stored(app: Flask, submission_id: int, error: type[SkillCertError]) -> tuple[Any, LabSpec]:
    """A stored submission's row and its lab's spec, or ``error`` saying which is missing."""
    with transaction(app) as session:
        row = session.execute(
            select(
                _submission.c.archive,
                _submission.c.track_id,
                _submission.c.activity_id,
                _submission.c.visible_only,
                _submission.c.seed,
                _submission.c.result,
            ).where(_submission.c.id == submission_id)
        ).first()
    if row is None:
        raise error(_gone(submission_id))
    spec = lab_spec(row.track_id, row.activity_id, app.config["SETTINGS"].tracks_dir)
    if spec is None:
        raise error(f"The lab {row.track_id}/{row.activity_id} no longer exists.")
    return row, spec


def _grade_archive(
    spec: LabSpec, archive: bytes, visible_only: bool, seed: int | None
) -> LabResult:
    """Unpack a stored submission and grade it: a check runs the visible tests, a counted
    submission every test of the lab's instance for ``seed``.

    Raises ``ArchiveError`` (the stored zip is unusable) and ``LabSpecError`` (the
    generator fails for this seed)."""
    with tempfile.TemporaryDirectory(prefix="skillcert-lab-") as scratch:
        folder = Path(scratch) / "submission"
        extract_zip(archive, folder)
        if visible_only:
            return run_visible_tests(spec, folder)
        return grade_submission(spec.instance(seed) if seed is not None else spec, folder)


def _store(app: Flask, submission_id: int, result: LabResult, seed: int | None) -> None:
    status = SubmissionStatus.GRADED if result.gradable else SubmissionStatus.NOT_GRADABLE
    with transaction(app) as session:
        session.execute(
            update(_submission)
            .where(_submission.c.id == submission_id)
            .values(
                status=status,
                score=result.score,
                result=result.to_dict(),
                seed=seed,
                graded_at=utcnow(),
            )
        )
        if status is SubmissionStatus.GRADED:
            submission = session.get(LabSubmission, submission_id)
            if submission is None:
                raise PermanentJobError(_gone(submission_id))
            if not submission.visible_only:
                tracks = list_tracks(app.config["SETTINGS"].tracks_dir)
                outcomes.work_changed(session, submission, tracks, Change.HANDED_IN)


def _gone(submission_id: int) -> str:
    return f"Lab submission {submission_id} does not exist (any more)."


def init_app(app: Flask) -> None:
    register_handler(app, JOB_KIND, grade_lab)


def learner_submissions(
    session: Session, launch: CurrentLaunch, track: Track, activity: Activity
) -> Sequence[LabSubmission]:
    """The learner's latest 20 submissions and checks of a lab, newest first."""
    return session.scalars(
        select(LabSubmission)
        .where(
            *LabSubmission.of_learner(launch, launch.user_id),
            LabSubmission.track_id == track.id,
            LabSubmission.activity_id == activity.id,
        )
        .order_by(LabSubmission.id.desc())
        .limit(20)
    ).all()
