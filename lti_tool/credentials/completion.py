"""Credentials that a learner's work earns: issue on track completion, renew on credits.

``queue_if_completed`` runs in the transaction of the work that changed a learner's
scores (``outcomes.work_changed`` calls it next to grade sync's ``queue_scores``): when
the engine says the track is now complete and no credential exists yet — or the
learner's credential is due for renewal (``renewal``: enough continuing-education
credits since its validFrom) — it queues an ``issue-credential`` job, an outbox row that
commits with the work or not at all. ``issue_on_completion`` (the job's handler) checks
again and issues or renews.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from assessments.catalog import find_activity, find_track, list_tracks
from assessments.model import Track
from lti_tool import progress
from lti_tool.credentials import renewal
from lti_tool.credentials.document import evidence
from lti_tool.credentials.issuing import issue, latest, new_award, renew
from lti_tool.db import transaction
from lti_tool.frameworks.alignment import mapped_alignments
from lti_tool.jobs import queue
from lti_tool.models import (
    Credential,
    User,
    utcnow,
)
from lti_tool.models.lti import LearnerWork
from lti_tool.scope import LearnerInCourse
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

JOB_KIND = "issue-credential"


def queue_if_completed(session: Session, work: LearnerWork, tracks: Iterable[Track]) -> int | None:
    """Queue issuing if ``work`` completed its track for the learner, or renewing if it
    brought their credential's renewal credits up to what the track requires; the job's
    id, or None."""
    if work.context_id is None:
        return None
    found = find_activity(tracks, work.track_id, work.activity_id)
    if found is None:
        return None
    track = found[0]
    held = latest(session, work.user_id, track.id)
    if held is not None and (track.renewal is None or not renewal.renewable(held, utcnow())):
        return None
    session.flush()  # the work that changed the scores counts
    learner = LearnerInCourse(
        work.registration_id, work.deployment_id, work.context_id, work.user_id
    )
    if not _due(session, learner, track, held):
        return None
    key = f"credential:{work.user_id}:{track.id}"
    payload = {**dataclasses.asdict(learner), "track": track.id}
    return queue.enqueue(session.connection(), JOB_KIND, payload, lock_key=key, dedupe_key=key)


def _due(
    session: Session, learner: LearnerInCourse, track: Track, held: Credential | None
) -> progress.TrackProgress | None:
    """The learner's progress when a credential is due — the first (the track is complete)
    or a renewal of ``held`` (enough credits since its validFrom) — else None."""
    (report,) = progress.progress(session, learner, [track])
    if held is None:
        return report if report.status.complete else None
    status = renewal.renewal_status(session, learner, track, held)
    return report if status is not None and status.met else None


def issue_on_completion(app: Flask, payload: dict[str, Any]) -> None:
    """The ``issue-credential`` job: issue if the track is still complete and not yet
    issued, or renew if the latest credential is still due for renewal."""
    settings: Settings = app.config["SETTINGS"]
    track = find_track(list_tracks(settings.tracks_dir), payload["track"])
    if track is None:
        log.warning("Not issuing: track %s is no longer served", payload["track"])
        return
    learner = LearnerInCourse(
        payload["registration_id"],
        payload["deployment_id"],
        payload["context_id"],
        payload["user_id"],
    )
    with transaction(app) as session:
        user = session.get(User, learner.user_id)
        if user is None or user.registration_id != learner.registration_id:
            return
        now = utcnow()
        held = latest(session, learner.user_id, track.id)
        if held is not None and not renewal.renewable(held, now):
            return  # revoked or expired meanwhile: nothing to renew
        report = _due(session, learner, track, held)
        if report is None:
            # A retry after issuing (or renewing), work in another course, or a grade
            # lowered since the job was queued.
            log.info("Not issuing to user %s for %s: nothing is due", user.id, track.id)
            return
        # The institution's items, as this deployment maps the track's competencies today.
        mapped = mapped_alignments(session, learner, track)
        if held is None:
            issue(session, settings, new_award(user, track, now, evidence(report), mapped))
        else:
            renew(session, settings, held, user, track, now, evidence(report), mapped)
