"""A learner's copy of their data: one ZIP with a JSON of everything SkillCert keeps about
them in one registration (the LMS they launched from), plus their files.

``skillcert-data.json`` holds their user record, memberships, accommodations, attempts
(answers and results), lab submissions (results as the learner sees them), project files'
metadata, credentials (the signed documents), preferences and the access-log entries
about them. Next to it: ``project-files/<attempt>/<file id>-<name>`` (the files as handed
in), ``lab-submissions/<id>.zip`` (the code as submitted) and
``credentials/<id>.json`` (each signed credential, as a verifier takes it).

What is left out, and why: each item's feedback in attempt results (which parts were
right, the rationales: course content that gives the key away while attempts remain);
hidden lab tests' names and outputs and the staff output (they
would give hidden inputs away: the learner sees ``LabResult.for_learner()``, as on their
pages); the individual rubric marks of double-marked work (the released mark is in the
attempt's result); who else is in their courses; the names of staff in the access log
(their role is given).
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.labs.results import LabResult
from lti_tool.models import (
    AccessLogEntry,
    Attempt,
    Context,
    Credential,
    CredentialPreference,
    Deployment,
    LabSubmission,
    LearnerAccommodation,
    Membership,
    ProjectFile,
    Registration,
    User,
)
from lti_tool.privacy import access_log

FORMAT = "skillcert-learner-data"
VERSION = 1
JSON_NAME = "skillcert-data.json"


def _when(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def write_zip(session: Session, registration_id: int, user_id: int, out: IO[bytes]) -> None:
    """Write the learner's data as a ZIP to ``out``."""
    user = session.scalar(
        select(User).where(User.id == user_id, User.registration_id == registration_id)
    )
    if user is None:
        raise LookupError("No such learner in this registration.")
    courses = _courses(session, registration_id, user_id)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": _when(dt.datetime.now(dt.UTC)),
            "user": _user(session, user),
            "memberships": _memberships(session, registration_id, user_id, courses),
            "accommodations": _accommodations(session, user_id, courses),
            "attempts": _attempts(session, registration_id, user_id, courses, archive),
            "lab_submissions": _labs(session, registration_id, user_id, courses, archive),
            "credentials": _credentials(session, registration_id, user_id, archive),
            "preferences": _preferences(session, user_id),
            "access_log": _access_log(session, registration_id, user_id, courses),
        }
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        archive.writestr(JSON_NAME, text)


def _courses(session: Session, registration_id: int, user_id: int) -> dict[int, dict[str, Any]]:
    """The courses of the learner's memberships, by row id, as the export names them."""
    rows = session.execute(
        select(Context.id, Context.context_id, Context.title, Deployment.deployment_id)
        .join(Deployment, Deployment.id == Context.deployment_id)
        .join(Membership, Membership.context_id == Context.id)
        .where(Membership.user_id == user_id, Deployment.registration_id == registration_id)
    )
    return {
        row.id: {"lms_course_id": row.context_id, "title": row.title, "deployment": row[3]}
        for row in rows
    }


def _user(session: Session, user: User) -> dict[str, Any]:
    registration = session.get(Registration, user.registration_id)
    return {
        "id": user.id,
        "lms_user_id": user.sub,
        "name": user.name,
        "lms": None if registration is None else registration.name,
        "lms_issuer": None if registration is None else registration.issuer,
        "updated_at": _when(user.updated_at),
    }


def _memberships(
    session: Session, registration_id: int, user_id: int, courses: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Membership)
        .where(Membership.user_id == user_id, Membership.context_id.in_(courses))
        .order_by(Membership.id)
    )
    return [
        {
            "course": courses[m.context_id],
            "role": m.role.value,
            "lms_roles": m.lti_roles,
            "status": m.status.value,
            "last_launch_at": _when(m.last_launch_at),
        }
        for m in rows
    ]


def _accommodations(
    session: Session, user_id: int, courses: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(LearnerAccommodation).where(
            LearnerAccommodation.user_id == user_id, LearnerAccommodation.context_id.in_(courses)
        )
    )
    return [
        {
            "course": courses[a.context_id],
            "extra_time_multiplier": a.extra_time_multiplier,
            "extra_attempts": a.extra_attempts,
        }
        for a in rows
    ]


def _course(courses: dict[int, dict[str, Any]], context_id: int | None) -> dict[str, Any] | None:
    return None if context_id is None else courses.get(context_id)


def _attempts(
    session: Session,
    registration_id: int,
    user_id: int,
    courses: dict[int, dict[str, Any]],
    archive: zipfile.ZipFile,
) -> list[dict[str, Any]]:
    attempts = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.registration_id == registration_id)
            .order_by(Attempt.id)
        )
    )
    files: dict[int, list[dict[str, Any]]] = {}
    for stored in session.scalars(
        select(ProjectFile)
        .where(ProjectFile.attempt_id.in_([a.id for a in attempts]))
        .order_by(ProjectFile.id)
    ):
        path = f"project-files/{stored.attempt_id}/{stored.id}-{stored.filename}"
        archive.writestr(path, stored.data)
        files.setdefault(stored.attempt_id, []).append(
            {
                "id": stored.id,
                "filename": stored.filename,
                "content_type": stored.content_type,
                "size": stored.size,
                "handed_in_at": _when(stored.created_at),
                "file": path,
            }
        )
    return [
        {
            "id": a.id,
            "course": _course(courses, a.context_id),
            "track": a.track_id,
            "activity": a.activity_id,
            "number": a.number,
            "status": a.status.value,
            "started_at": _when(a.started_at),
            "deadline_at": _when(a.deadline_at),
            "submitted_at": _when(a.submitted_at),
            "score": a.score,
            "answers": a.answers,
            "result": _attempt_result(a.result),
            "content_versions": a.content_versions,
            "project_files": files.get(a.id, []),
        }
        for a in attempts
    ]


def _attempt_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The attempt's result without each item's ``feedback`` (which parts were right and
    the rationales: course content that gives the key away while attempts remain; the
    result page shows it when the activity's feedback policy allows)."""
    if result is None:
        return None
    items = result.get("items")
    if not isinstance(items, dict):
        return result
    kept = {
        item_id: {k: v for k, v in item.items() if k != "feedback"}
        if isinstance(item, dict)
        else item
        for item_id, item in items.items()
    }
    return {**result, "items": kept}


def _learner_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the learner may see of a lab result (hidden tests renamed, no staff output)."""
    if result is None:
        return None
    try:
        return LabResult.from_dict(result).for_learner().to_dict()
    except (ValueError, KeyError, TypeError):
        return {"score": result.get("score"), "status": result.get("status")}


def _labs(
    session: Session,
    registration_id: int,
    user_id: int,
    courses: dict[int, dict[str, Any]],
    archive: zipfile.ZipFile,
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(LabSubmission)
        .where(LabSubmission.user_id == user_id, LabSubmission.registration_id == registration_id)
        .order_by(LabSubmission.id)
    )
    listed = []
    for s in rows:
        path = f"lab-submissions/{s.id}.zip"
        archive.writestr(path, s.archive)
        listed.append(
            {
                "id": s.id,
                "course": _course(courses, s.context_id),
                "track": s.track_id,
                "activity": s.activity_id,
                "status": s.status.value,
                "check_only": s.visible_only,
                "score": s.score,
                "result": _learner_result(s.result),
                "submitted_at": _when(s.created_at),
                "graded_at": _when(s.graded_at),
                "code": path,
            }
        )
    return listed


def _credentials(
    session: Session, registration_id: int, user_id: int, archive: zipfile.ZipFile
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Credential)
        .where(Credential.user_id == user_id, Credential.registration_id == registration_id)
        .order_by(Credential.created_at)
    )
    listed = []
    for c in rows:
        path = f"credentials/{c.id}.json"
        archive.writestr(path, json.dumps(c.document, indent=2, ensure_ascii=False))
        listed.append(
            {
                "id": c.id,
                "track": c.track_id,
                "track_version": c.track_version,
                "state": c.state.value,
                "awarded_at": _when(c.awarded_at),
                "valid_from": _when(c.valid_from),
                "valid_until": _when(c.valid_until),
                "document": c.document,
                "file": path,
            }
        )
    return listed


def _preferences(session: Session, user_id: int) -> dict[str, Any] | None:
    chosen = session.get(CredentialPreference, user_id)
    if chosen is None:
        return None
    return {
        "include_name_in_credentials": chosen.include_name,
        "reminder_email": chosen.reminder_email,
        "expiry_reminders": chosen.expiry_reminders,
        "due_date_reminders": chosen.due_date_reminders,
        "reminder_language": chosen.reminder_locale,
    }


def _access_log(
    session: Session, registration_id: int, user_id: int, courses: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    entries: list[AccessLogEntry] = access_log.about_learner(session, registration_id, user_id)
    return [
        {
            "at": _when(e.at),
            "kind": e.kind.value,
            "by_role": "you" if e.actor_id == user_id else e.actor_role,
            "course": _course(courses, e.context_id),
            "attempts": e.attempt_ids,
            "lab_submissions": e.lab_submission_ids,
            "project_file": e.file_id,
            "detail": e.detail,
        }
        for e in entries
    ]
