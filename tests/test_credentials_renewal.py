"""Renewal: continuing-education credits since validFrom re-issue a credential with a new
validity window and the original award date; without them it expires, everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assessments.catalog import TRACKS_DIR, list_tracks
from assessments.model import ContentVersions
from assessments.policy import counts_toward_completion
from lti_tool.credentials import renewal
from lti_tool.credentials.completion import JOB_KIND, issue_on_completion
from lti_tool.credentials.document import Award, add_months
from lti_tool.credentials.issuing import issue
from lti_tool.credentials.wallet import reminder_due
from lti_tool.db import transaction
from lti_tool.jobs.worker import Worker
from lti_tool.models import Attempt, AttemptStatus, Context, Credential, Job, User, utcnow
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.test_credentials import api_verify

SAMPLE = next(t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample")
AWARDED = dt.datetime(2024, 1, 15, 9, 0, tzinfo=dt.UTC)


def hold_credential(app, sub: str, *, valid_until: dt.datetime) -> str:
    """``sub`` earned the sample credential in 2024; it is valid until ``valid_until``."""
    with transaction(app) as session:
        user = session.scalar(select(User).where(User.sub == sub))
        award = Award(user, SAMPLE, AWARDED, AWARDED, valid_until, [])
        return issue(session, app.config["SETTINGS"], award).id


def record_work(app, sub: str, scores: dict[str, float], *, at: dt.datetime) -> None:
    """Graded work handed in at ``at`` in the learner's course, as the attempt pages store it."""
    with transaction(app) as session:
        user = session.scalar(select(User).where(User.sub == sub))
        context = session.scalar(select(Context))
        for activity_id, score in scores.items():
            number = 1 + len(
                session.scalars(
                    select(Attempt.id).where(
                        Attempt.user_id == user.id, Attempt.activity_id == activity_id
                    )
                ).all()
            )
            session.add(
                Attempt(
                    registration_id=user.registration_id,
                    deployment_id=context.deployment_id,
                    context_id=context.id,
                    user_id=user.id,
                    track_id="sample",
                    activity_id=activity_id,
                    content_versions=ContentVersions.of(SAMPLE, activity_id).as_dict(),
                    number=number,
                    status=AttemptStatus.SUBMITTED,
                    started_at=at,
                    submitted_at=at,
                    score=score,
                    result={"status": "scored"},
                )
            )


def read_whats_new(client) -> None:
    """The learner marks the renewal module's lesson done (its 1 credit)."""
    page = client.get("/learn/a/sample/whats-new-lesson").get_data(as_text=True)
    response = client.post(
        "/learn/a/sample/whats-new-lesson/done", data={"csrf_token": token(page)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def credentials_of(app) -> list[Credential]:
    with transaction(app) as session:
        return list(session.scalars(select(Credential).order_by(Credential.period)))


def renewal_jobs(app) -> int:
    with transaction(app) as session:
        return len(session.scalars(select(Job.id).where(Job.kind == JOB_KIND)).all())


def test_credits_come_from_completed_renewal_modules_only():
    ethics, whats_new = SAMPLE.module("ethics"), SAMPLE.module("whats-new")
    assert renewal.status_of(SAMPLE, {}).earned == 0
    # ethics is named by a completion rule at 80 %: 70 % there earns nothing yet.
    below = renewal.status_of(SAMPLE, {"ethics-scenario": 0.7, "whats-new-lesson": 1.0})
    assert [m.earned for m in below.modules] == [True, False] and below.earned == 1
    assert not below.met
    graded = renewal.status_of(SAMPLE, {"ethics-scenario": 0.85, "whats-new-lesson": 1.0})
    assert graded.earned == 2.5 and graded.required == 2 and graded.met
    # Work waiting for an instructor's grading earns nothing until it is graded.
    assert not renewal.module_completed(SAMPLE, ethics, {"ethics-scenario": None})
    assert not renewal.module_completed(SAMPLE, whats_new, {})


def test_practice_work_is_not_needed_to_complete_a_renewal_module():
    (enterprise,) = [t for t in list_tracks(TRACKS_DIR) if t.id == "enterprise-ai-practitioner"]
    module = enterprise.module("responsible-ai")
    practice = [a for a in module.activities if not counts_toward_completion(a)]
    summative = [a for a in module.activities if counts_toward_completion(a)]
    assert practice and summative
    assert renewal.module_completed(enterprise, module, {a.id: 1.0 for a in summative})
    assert not renewal.module_completed(enterprise, module, {a.id: 1.0 for a in practice})


def test_enough_credits_renew_with_a_new_window_and_the_original_award_date(course):
    course.launch(sub="ada")
    now = utcnow()
    old_until = now + dt.timedelta(days=20)
    held = hold_credential(course.app, "ada", valid_until=old_until)
    # Work before validFrom (the original track work) never counts toward renewal.
    record_work(course.app, "ada", {"ethics-scenario": 1.0}, at=AWARDED - dt.timedelta(days=1))
    read_whats_new(course.client)  # 1 of 2 credits: nothing is due
    assert renewal_jobs(course.app) == 0

    record_work(course.app, "ada", {"ethics-scenario": 0.9}, at=now)  # 1.5 more credits
    page = course.client.get("/learn/a/sample/intro").get_data(as_text=True)
    # The next scored work (here the lesson, again) checks renewal in its transaction.
    course.client.post("/learn/a/sample/whats-new-lesson/done", data={"csrf_token": token(page)})
    assert renewal_jobs(course.app) == 1
    while Worker(course.app, "test").run_once():
        pass

    first, renewed = credentials_of(course.app)
    assert first.id == held and renewed.previous_id == held and renewed.period == 1
    assert renewed.awarded_at == AWARDED  # the original award date, kept
    assert renewed.valid_from >= now  # a new window, from the renewal …
    # … to the old expiry plus the track's validity: renewing early loses nothing.
    assert renewed.valid_until == add_months(old_until, SAMPLE.credential_validity_months)
    assert renewed.document["awardedDate"].startswith("2024-01-15")
    assert api_verify(course, renewed.document)["verified"] is True

    # The wallet shows the new credential active and the old one as renewed.
    wallet = course.client.get("/learn/credentials").get_data(as_text=True)
    assert wallet.count("Status:</strong> Renewed") == 1
    assert wallet.count("Status:</strong> Active") == 1
    # A rerun of the job (a retry) renews nothing more: no new credits since the renewal.
    with transaction(course.app) as session:
        payload = session.scalars(select(Job.payload).where(Job.kind == JOB_KIND)).first()
    issue_on_completion(course.app, payload)
    assert len(credentials_of(course.app)) == 2


def test_without_the_credits_it_expires_and_shows_expired_everywhere(course):
    course.launch(sub="bob")
    yesterday = utcnow() - dt.timedelta(days=1)
    held = hold_credential(course.app, "bob", valid_until=yesterday)
    record_work(course.app, "bob", {"ethics-scenario": 1.0}, at=utcnow())
    read_whats_new(course.client)  # 2.5 credits, but after expiry: too late to renew
    assert renewal_jobs(course.app) == 0
    assert len(credentials_of(course.app)) == 1

    public = course.client.get(f"/credentials/{held}").get_data(as_text=True)
    assert "Expired:" in public and "<dd>Expired</dd>" in public
    wallet = course.client.get("/learn/credentials").get_data(as_text=True)
    assert "Status:</strong> Expired" in wallet
    assert "This credential has expired." in wallet
    verdict = api_verify(course, credentials_of(course.app)[0].document)
    assert verdict["verified"] is False
    assert any(c["code"] == "expired" for c in verdict["checks"])


@pytest.mark.parametrize(
    ("left", "threshold"), [(200, None), (180, 180), (91, 180), (90, 90), (29, 30), (-1, None)]
)
def test_reminder_thresholds(left, threshold):
    now = utcnow()
    credential = Credential(valid_until=now + dt.timedelta(days=left))
    assert reminder_due(credential, now) == threshold
