"""Erasing a learner's data on request, within a reach (``lti_tool.privacy.reach``).

What goes, in the learner's courses within the reach: their attempts (answers, results,
rubric marks and grading events on them), project files, lab submissions (code and
results), accommodations, launch sessions, and the background jobs about them that are not
running (queued or failed score deliveries, credential checks, lab grading: their payloads
name the learner). Their memberships there stay as rows marked Deleted with the LMS
roles and last launch cleared, so a credential they hold stays listed on the
administrator's credentials page.

When no membership of theirs is left outside the reach, the user record itself is
cleared: the LMS user id (``sub``) is replaced by a random value, the name emptied, and
their credential choices (the e-mail address for reminders) deleted. Otherwise those stay,
as other courses still use them, and the erasure record says so.

Other learners' statistics: the rows are deleted, not kept in anonymised form (free-text
answers, code and files can identify a person), and every statistic here is computed from
the rows on demand, so the gradebook, item analysis and marking agreement afterwards
describe the learners who remain. Nobody else's own results change.

Credentials stay verifiable unless the request asks for revocation
(``credentials.issuing.revoke``): a credential is the learner's own record, and those
they hold may be checked by others. A credential issued with the learner's name (they
opted in) keeps it inside its signed document. Scores already in the LMS gradebook stay
there: the LMS keeps its own copy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import secrets
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from lti_tool.credentials import issuing
from lti_tool.db import rowcount
from lti_tool.models import (
    AccessKind,
    Attempt,
    Context,
    Credential,
    CredentialPreference,
    CredentialState,
    ErasureRecord,
    Job,
    JobStatus,
    LabSubmission,
    Launch,
    LearnerAccommodation,
    Membership,
    MemberStatus,
    ProjectFile,
    User,
)
from lti_tool.privacy import access_log
from lti_tool.privacy.reach import Reach, context_ids
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: Recorded as the revocation's reason.
REVOCATION_REASON = "Revoked with the erasure of the learner's data, on request."
#: Jobs whose lock key names a learner: "score:<link>:<user>", "credential:<user>:<track>",
#: "lab:<user>:<track>:<activity>" (gradesync.outbox, credentials.completion, grading.labs).
_JOB_KEYS = {"grade-sync": "score:", "issue-credential": "credential:", "grade_lab": "lab:"}


def learner_reference(settings: Settings, registration_id: int, sub: str) -> str:
    """HMAC-SHA256 of the tool's secret over the registration and LMS user id: the same
    learner gives the same reference (was this person erased?), which reveals no sub."""
    message = f"erasure:{registration_id}:{sub}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True)
class Preview:
    """What an erasure would remove, for the confirmation page."""

    attempts: int
    project_files: int
    lab_submissions: int
    credentials: list[Credential]
    clears_user_record: bool


def preview(session: Session, reach: Reach, user: User) -> Preview:
    contexts = context_ids(session, reach)
    attempts = _work_ids(session, Attempt, reach, contexts, user.id)
    files = session.scalar(
        select(func.count()).select_from(ProjectFile).where(ProjectFile.attempt_id.in_(attempts))
    )
    return Preview(
        attempts=len(attempts),
        project_files=files or 0,
        lab_submissions=len(_work_ids(session, LabSubmission, reach, contexts, user.id)),
        credentials=_credentials(session, user),
        clears_user_record=not _members_elsewhere(session, contexts, user.id),
    )


@dataclasses.dataclass(frozen=True)
class Request:
    """Who asks, why, and whether the learner's credentials are to be revoked."""

    requested_by: str
    actor_id: int | None
    actor_role: str
    reason: str
    revoke_credentials: bool


def erase(
    session: Session, settings: Settings, reach: Reach, user: User, request: Request
) -> ErasureRecord:
    """Erase ``user``'s data within ``reach`` (see the module's docstring); returns the
    record, added to the session. The caller checked that the user is within reach."""
    if user.registration_id != reach.registration_id:
        raise ValueError("The learner is not a user of this registration.")
    reference = learner_reference(settings, user.registration_id, user.sub)
    contexts = context_ids(session, reach)
    removed, labs = _remove_work(session, reach, contexts, user.id)
    removed["jobs"] = _remove_jobs(session, contexts, labs, user.id, whole=reach.context_id is None)
    removed["memberships"] = _clear_memberships(session, contexts, user.id)
    cleared = not _members_elsewhere(session, contexts, user.id)
    if cleared:
        removed |= _clear_user(session, user)
    held = _credentials(session, user)
    revoked = 0
    if request.revoke_credentials:
        for credential in held:
            if credential.state is CredentialState.ACTIVE:
                issuing.revoke(
                    session,
                    settings,
                    credential.id,
                    by=request.requested_by,
                    reason=REVOCATION_REASON,
                )
                revoked += 1
    removed["credentials_revoked"] = revoked
    removed["credentials_kept"] = len(held) - revoked
    record = ErasureRecord(
        registration_id=reach.registration_id,
        deployment_id=reach.deployment_id,
        context_id=reach.context_id,
        learner_ref=reference,
        requested_by=request.requested_by,
        reason=request.reason.strip(),
        removed=removed,
        credentials_revoked=request.revoke_credentials,
        user_record_cleared=cleared,
    )
    session.add(record)
    session.flush()
    if reach.deployment_id is not None:
        access_log.record_as(
            session,
            registration_id=reach.registration_id,
            deployment_id=reach.deployment_id,
            context_id=reach.context_id,
            actor_id=request.actor_id,
            actor_role=request.actor_role,
            kind=AccessKind.ERASURE,
            learner_id=None,
            detail=f"erasure-record:{record.id}",
        )
    log.warning(
        "Erased a learner's data (erasure record %s, by %s)", record.id, record.requested_by
    )
    return record


def _work_ids(
    session: Session,
    model: type[Attempt] | type[LabSubmission],
    reach: Reach,
    contexts: list[int],
    user_id: int,
) -> list[int]:
    """The learner's attempts or lab submissions in the reach's courses (and, for a whole
    deployment or registration, those made in a launch without a course)."""
    where: ColumnElement[bool] = model.context_id.in_(contexts)
    if reach.context_id is None:
        no_course: ColumnElement[bool] = model.context_id.is_(None)
        if reach.deployment_id is not None:
            no_course = no_course & (model.deployment_id == reach.deployment_id)
        where = where | no_course
    query = select(model.id).where(
        model.user_id == user_id, model.registration_id == reach.registration_id, where
    )
    return list(session.scalars(query))


def _remove_work(
    session: Session, reach: Reach, contexts: list[int], user_id: int
) -> tuple[dict[str, Any], list[int]]:
    """Delete the learner's work in the reach; how many of each, and the lab submissions'
    ids (their grading jobs go too)."""
    attempts = _work_ids(session, Attempt, reach, contexts, user_id)
    labs = _work_ids(session, LabSubmission, reach, contexts, user_id)
    files = rowcount(
        session.execute(delete(ProjectFile).where(ProjectFile.attempt_id.in_(attempts)))
    )
    # Rubric marks and grading events on the attempts go with them (ON DELETE CASCADE).
    session.execute(delete(Attempt).where(Attempt.id.in_(attempts)))
    session.execute(delete(LabSubmission).where(LabSubmission.id.in_(labs)))
    accommodations = rowcount(
        session.execute(
            delete(LearnerAccommodation).where(
                LearnerAccommodation.user_id == user_id,
                LearnerAccommodation.context_id.in_(contexts),
            )
        )
    )
    launches = select(Launch.id).where(Launch.user_id == user_id)
    if reach.deployment_id is not None:
        launches = launches.where(Launch.deployment_id == reach.deployment_id)
    if reach.context_id is not None:
        launches = launches.where(Launch.context_id == reach.context_id)
    ended = rowcount(session.execute(delete(Launch).where(Launch.id.in_(launches))))
    counts = {
        "attempts": len(attempts),
        "project_files": files,
        "lab_submissions": len(labs),
        "accommodations": accommodations,
        "launch_sessions": ended,
    }
    return counts, labs


def _remove_jobs(
    session: Session, contexts: list[int], labs: list[int], user_id: int, *, whole: bool
) -> int:
    """Delete the jobs about the learner's work in the reach that no worker holds (queued,
    done or dead): score deliveries and credential checks of its courses (all of them,
    for a whole deployment or registration), and the grading of its lab submissions."""
    doomed = []
    for kind, prefix in _JOB_KEYS.items():
        candidates = session.execute(
            select(Job.id, Job.lock_key, Job.payload).where(
                Job.kind == kind,
                Job.status != JobStatus.RUNNING,
                Job.lock_key.like(f"{prefix}{user_id}:%")
                if kind != "grade-sync"
                else Job.lock_key.like(f"{prefix}%:{user_id}"),
            )
        )
        for job_id, key, payload in candidates:
            if kind == "grade_lab":
                if payload.get("submission_id") in labs:
                    doomed.append(job_id)
            elif _names(kind, key or "", user_id) and (
                whole or _course_of(kind, payload) in contexts
            ):
                doomed.append(job_id)
    return rowcount(session.execute(delete(Job).where(Job.id.in_(doomed)))) if doomed else 0


def _names(kind: str, key: str, user_id: int) -> bool:
    """Does the job's lock key name this learner?"""
    parts = key.split(":")
    if kind == "grade-sync":
        return len(parts) == 3 and parts[2] == str(user_id)
    return len(parts) >= 2 and parts[1] == str(user_id)


def _course_of(kind: str, payload: dict[str, Any]) -> int | None:
    """The course a score delivery or credential check is about."""
    return payload.get("context" if kind == "grade-sync" else "context_id")


def _clear_memberships(session: Session, contexts: list[int], user_id: int) -> int:
    return rowcount(
        session.execute(
            update(Membership)
            .where(Membership.user_id == user_id, Membership.context_id.in_(contexts))
            .values(status=MemberStatus.DELETED, lti_roles=[], last_launch_at=None)
        )
    )


def _erased(membership: Membership) -> bool:
    return (
        membership.status is MemberStatus.DELETED
        and membership.last_launch_at is None
        and not membership.lti_roles
    )


def _members_elsewhere(session: Session, contexts: list[int], user_id: int) -> bool:
    """Is the user still a member (not erased) of a course outside these?"""
    others = session.scalars(
        select(Membership).where(
            Membership.user_id == user_id, Membership.context_id.not_in(contexts)
        )
    )
    return any(not _erased(membership) for membership in others)


def _clear_user(session: Session, user: User) -> dict[str, Any]:
    preferences = rowcount(
        session.execute(delete(CredentialPreference).where(CredentialPreference.user_id == user.id))
    )
    accommodations = rowcount(
        session.execute(delete(LearnerAccommodation).where(LearnerAccommodation.user_id == user.id))
    )
    launches = rowcount(session.execute(delete(Launch).where(Launch.user_id == user.id)))
    user.sub = "erased:" + secrets.token_hex(16)
    user.name = ""
    session.flush()
    return {
        "user_record": 1,
        "preferences": preferences,
        "other_accommodations": accommodations,
        "other_launch_sessions": launches,
    }


def _credentials(session: Session, user: User) -> list[Credential]:
    return list(
        session.scalars(
            select(Credential)
            .where(
                Credential.user_id == user.id, Credential.registration_id == user.registration_id
            )
            .order_by(Credential.created_at)
        )
    )


def in_context(session: Session, reach: Reach) -> list[Context]:
    """The courses a reach covers (the confirmation page names them)."""
    return list(session.scalars(select(Context).where(reach.contexts()).order_by(Context.title)))


def recent(session: Session, reach: Reach, limit: int = 20) -> list[ErasureRecord]:
    """The newest erasures an administrator with this reach made or may see (an erasure
    of a course of theirs, or of their whole deployment)."""
    query = select(ErasureRecord).where(
        ErasureRecord.registration_id == reach.registration_id,
        ErasureRecord.deployment_id == reach.deployment_id,
    )
    if reach.context_id is not None:
        query = query.where(ErasureRecord.context_id == reach.context_id)
    return list(session.scalars(query.order_by(ErasureRecord.id.desc()).limit(limit)))
