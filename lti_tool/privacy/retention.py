"""Deleting learners' work once its retention period is over (``skillcert privacy purge``).

Each setting counts days (0 keeps for ever):

- ``retention_attempt_days``: attempts (from their submission; one never submitted from its
  start) and lab submissions (from their upload), with their answers, results, rubric
  marks, grading events and project files;
- ``retention_project_file_days``: project files alone (the attempt and its grade stay);
- ``retention_lab_output_days``: what lab grading printed (each test's output and the
  staff output); the score, the tests' outcomes and the message stay;
- ``retention_access_log_days``: access-log entries;
- ``job_retention_days``: finished background jobs and their payloads, as ``db purge``.

Never purged, whatever their age: work whose score has not reached the LMS (a score
delivery about it queued, running or failed for good), an attempt awaiting rubric grading
(and its files), a lab submission still waiting for the grader.

Purging an attempt that counted toward a credential already issued leaves the credential
as it is: it carries its own evidence and stays valid and verifiable. The learner's
progress page, the gradebook and the item analysis are computed from the rows, so they then
show the activity as not done; renewal credits earned by purged work are lost; and a score
the LMS receives later for a module placement counts the purged activity as missing.
Scores already in the LMS gradebook stay there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lti_tool.db import rowcount
from lti_tool.lti.housekeeping import purge_finished_jobs
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Job,
    JobStatus,
    LabSubmission,
    ProjectFile,
    SubmissionStatus,
)
from lti_tool.privacy import access_log
from lti_tool.settings import Settings

#: The grade-sync job kind (``lti_tool.gradesync.outbox.JOB_KIND``).
SCORE_JOB = "grade-sync"
#: Rows deleted per statement.
CHUNK = 500
#: Marks a lab result whose outputs were purged (in its ``timestamps``).
OUTPUTS_PURGED = "outputs_purged"

_Work = tuple[int | None, int, str, str]


def purge(session: Session, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Apply every retention setting; how many rows each removed or cleared."""
    counts: dict[str, int] = {}
    waiting = _waiting_for_lms(session)
    if settings.retention_attempt_days:
        cutoff = now - dt.timedelta(days=settings.retention_attempt_days)
        counts["attempts"] = _purge_attempts(session, cutoff, waiting)
        counts["lab_submissions"] = _purge_lab_submissions(session, cutoff, waiting)
    if settings.retention_project_file_days:
        cutoff = now - dt.timedelta(days=settings.retention_project_file_days)
        counts["project_files"] = _purge_project_files(session, cutoff, waiting)
    if settings.retention_lab_output_days:
        cutoff = now - dt.timedelta(days=settings.retention_lab_output_days)
        counts["lab_outputs"] = _purge_lab_outputs(session, cutoff, now)
    if settings.retention_access_log_days:
        cutoff = now - dt.timedelta(days=settings.retention_access_log_days)
        counts["access_log"] = access_log.purge(session, cutoff)
    counts["jobs"] = purge_finished_jobs(session, dt.timedelta(days=settings.job_retention_days))
    return counts


def _waiting_for_lms(session: Session) -> set[_Work]:
    """(course, learner, track, activity) of every score not yet delivered to the LMS."""
    payloads = session.scalars(
        select(Job.payload).where(Job.kind == SCORE_JOB, Job.status != JobStatus.DONE)
    )
    return {(p.get("context"), p["user"], p["track"], p["activity"]) for p in payloads}


def _keep(row: Any, waiting: set[_Work]) -> bool:
    return (row.context_id, row.user_id, row.track_id, row.activity_id) in waiting


def _delete(session: Session, model: Any, ids: list[int]) -> int:
    deleted = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        deleted += rowcount(session.execute(delete(model).where(model.id.in_(chunk))))
    return deleted


def _purge_attempts(session: Session, cutoff: dt.datetime, waiting: set[_Work]) -> int:
    submitted = (Attempt.status == AttemptStatus.SUBMITTED) & (Attempt.submitted_at < cutoff)
    abandoned = (Attempt.status == AttemptStatus.IN_PROGRESS) & (Attempt.started_at < cutoff)
    rows = session.execute(
        select(
            Attempt.id, Attempt.context_id, Attempt.user_id, Attempt.track_id, Attempt.activity_id
        ).where(
            submitted | abandoned,
            # JSON null and SQL NULL both read as "not pending".
            func.coalesce(Attempt.result["status"].as_string(), "") != "pending",
        )
    )
    return _delete(session, Attempt, [row.id for row in rows if not _keep(row, waiting)])


def _purge_lab_submissions(session: Session, cutoff: dt.datetime, waiting: set[_Work]) -> int:
    rows = session.execute(
        select(
            LabSubmission.id,
            LabSubmission.context_id,
            LabSubmission.user_id,
            LabSubmission.track_id,
            LabSubmission.activity_id,
        ).where(LabSubmission.created_at < cutoff, LabSubmission.status != SubmissionStatus.QUEUED)
    )
    return _delete(session, LabSubmission, [row.id for row in rows if not _keep(row, waiting)])


def _purge_project_files(session: Session, cutoff: dt.datetime, waiting: set[_Work]) -> int:
    rows = session.execute(
        select(
            ProjectFile.id,
            Attempt.context_id,
            Attempt.user_id,
            Attempt.track_id,
            Attempt.activity_id,
        )
        .join(Attempt, Attempt.id == ProjectFile.attempt_id)
        .where(
            ProjectFile.created_at < cutoff,
            func.coalesce(Attempt.result["status"].as_string(), "") != "pending",
        )
    )
    return _delete(session, ProjectFile, [row.id for row in rows if not _keep(row, waiting)])


def _purge_lab_outputs(session: Session, cutoff: dt.datetime, now: dt.datetime) -> int:
    submissions = session.scalars(
        select(LabSubmission).where(
            LabSubmission.result.is_not(None),
            func.coalesce(LabSubmission.graded_at, LabSubmission.created_at) < cutoff,
        )
    )
    cleared = 0
    for submission in submissions:
        result = without_outputs(submission.result or {}, now)
        if result is not None:
            submission.result = result
            cleared += 1
    session.flush()
    return cleared


def without_outputs(result: dict[str, Any], now: dt.datetime) -> dict[str, Any] | None:
    """The lab result with every test's output and the staff output emptied, marked as
    purged; None when that was done already."""
    timestamps = dict(result.get("timestamps") or {})
    if OUTPUTS_PURGED in timestamps:
        return None
    timestamps[OUTPUTS_PURGED] = now.isoformat(timespec="seconds")
    tests: Iterable[dict[str, Any]] = result.get("tests") or ()
    return {
        **result,
        "tests": [{**test, "output": ""} for test in tests],
        "staff_output": "",
        "timestamps": timestamps,
    }
