"""Completing a track issues its credential once, through the job queue (an outbox)."""

from __future__ import annotations

import json
import re

import jsonschema
from sqlalchemy import select

from assessments.catalog import list_tracks
from assessments.model import ContentVersions
from lti_tool.credentials.completion import JOB_KIND, issue_on_completion
from lti_tool.db import transaction
from lti_tool.jobs import queue
from lti_tool.models import Attempt, AttemptStatus, Context, Credential, Job, JobStatus, User
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.gradesync_driver import GradeCourse
from tests.test_credentials import SCHEMA, api_verify


def record_scores(grades: GradeCourse, sub: str, scores: dict[str, float]) -> None:
    """Work the learner did earlier in the course, as the attempt pages store it."""
    (track,) = [t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample"]
    with transaction(grades.app) as session:
        user = session.scalar(select(User).where(User.sub == sub))
        context = session.scalar(select(Context))
        for activity_id, score in scores.items():
            session.add(
                Attempt(
                    registration_id=user.registration_id,
                    deployment_id=context.deployment_id,
                    context_id=context.id,
                    user_id=user.id,
                    track_id="sample",
                    activity_id=activity_id,
                    content_versions=ContentVersions.of(track, activity_id).as_dict(),
                    number=1,
                    status=AttemptStatus.SUBMITTED,
                    score=score,
                    result={"status": "scored"},
                )
            )


def grade_capstone(grades: GradeCourse) -> None:
    """Two instructors mark the capstone project (double-marked) alike: 7 of 10 points
    (earlier work stays as is)."""
    for sub in ("teacher", "teacher-2"):
        teacher = grades.launch(sub, role="instructor")
        page = teacher.get("/teach/grading").get_data(as_text=True)
        (action,) = re.findall(r'action="(/teach/grading/\d+/project)"', page)
        response = teacher.post(
            action,
            data={"csrf_token": token(page), "level-method": "sound", "level-risks": "present"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)


def credential_jobs(grades: GradeCourse) -> list[Job]:
    with transaction(grades.app) as session:
        return list(session.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id)))


def credentials(grades: GradeCourse) -> list[Credential]:
    with transaction(grades.app) as session:
        return list(session.scalars(select(Credential)))


def test_completing_the_track_issues_one_credential_whatever_reruns(grades):
    grades.launch("ada")
    record_scores(grades, "ada", {"basics-quiz": 1.0, "basics-exam": 0.9, "ethics-scenario": 1.0})
    grades.hand_in_project("ada")
    assert credential_jobs(grades) == []  # the capstone waits for grading: not complete yet

    grade_capstone(grades)  # 7 of 10: the last requirement is met
    (job,) = credential_jobs(grades)
    assert job.status is JobStatus.QUEUED
    grades.deliver_all()
    assert credential_jobs(grades)[0].status is JobStatus.DONE
    (credential,) = credentials(grades)
    assert credential.issued_by == "system" and credential.track_id == "sample"
    document = credential.document
    jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text())).validate(document)
    evidence = {e["name"]: e["description"] for e in document["evidence"]}
    assert evidence["Evaluate a model for your team"] == "Project: 70%"
    assert evidence["Basics exam"] == "Exam: 90%"
    assert api_verify(grades.driver, document)["verified"] is True

    # A retried job (a crash after issuing, a second course) and more graded work do not
    # issue again: the unique (learner, track, period) and the re-check hold.
    payload = credential_jobs(grades)[0].payload
    issue_on_completion(grades.app, payload)
    with transaction(grades.app) as session:
        queue.enqueue(session.connection(), JOB_KIND, payload)
    grades.deliver_all()
    assert len(credential_jobs(grades)) == 2
    assert len(credentials(grades)) == 1


def test_a_learner_who_falls_short_gets_no_credential(grades):
    grades.launch("bob")
    record_scores(grades, "bob", {"basics-quiz": 1.0, "basics-exam": 1.0, "ethics-scenario": 0.5})
    grades.hand_in_project("bob")
    grade_capstone(grades)
    grades.deliver_all()
    assert credential_jobs(grades) == [] and credentials(grades) == []
