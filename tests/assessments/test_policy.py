"""Policies: attempts, time, accommodations, availability, pools and track completion."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from assessments.model import Track
from assessments.policy import (
    Accommodation,
    AttemptPolicy,
    CountingRule,
    Refusal,
    RefusalKind,
    Unmet,
    UnmetKind,
    completion,
    draw_items,
)

UTC = dt.UTC
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(CountingRule.HIGHEST, 0.9), (CountingRule.LATEST, 0.6), (CountingRule.AVERAGE, 0.7)],
)
def test_which_attempt_counts(rule: CountingRule, expected: float) -> None:
    assert AttemptPolicy(counts=rule).counted([0.6, 0.9, 0.6]) == pytest.approx(expected)
    assert AttemptPolicy(counts=rule).counted([]) is None


def test_attempts_and_time_with_accommodations() -> None:
    exam = AttemptPolicy(max_attempts=2, time_limit=dt.timedelta(minutes=30))
    extra = Accommodation(extra_time_multiplier=1.5, extra_attempts=1)
    refused = exam.can_start(2, NOW)
    assert not refused.allowed
    assert refused.reason == Refusal(RefusalKind.NO_ATTEMPTS_LEFT, attempts=2)
    assert str(refused.reason) == "You have used all 2 attempts."
    assert exam.can_start(2, NOW, extra).allowed
    assert exam.deadline(NOW) == NOW + dt.timedelta(minutes=30)
    assert exam.deadline(NOW, extra) == NOW + dt.timedelta(minutes=45)


def test_availability_window_caps_the_deadline() -> None:
    window = AttemptPolicy(
        time_limit=dt.timedelta(hours=2),
        opens_at=NOW,
        closes_at=NOW + dt.timedelta(hours=1),
    )
    early = window.can_start(0, NOW - dt.timedelta(seconds=1)).reason
    assert early.kind is RefusalKind.NOT_OPEN_YET and early.when == NOW
    assert "opens on 2027-03-01" in str(early)
    assert window.can_start(0, NOW).allowed and window.can_start(0, NOW).reason is None
    late = window.can_start(0, NOW + dt.timedelta(hours=1))
    assert not late.allowed and late.reason.kind is RefusalKind.CLOSED
    assert "closed on 2027-03-01" in str(late.reason)
    assert window.deadline(NOW) == NOW + dt.timedelta(hours=1)


def test_pool_draw_is_stable_per_learner_and_attempt() -> None:
    ids = [f"q{i}" for i in range(20)]
    first = draw_items(ids, 5, "learner-1", "exam", 1)
    assert draw_items(list(reversed(ids)), 5, "learner-1", "exam", 1) == first  # resume
    assert len(set(first)) == 5 and set(first) <= set(ids)
    others = {draw_items(ids, 5, f"learner-{n}", "exam", 1) for n in range(2, 12)}
    assert len(others | {first}) > 5  # different learners see different draws
    assert draw_items(ids, 5, "learner-1", "exam", 2) != first
    # The rank is sha256 of the seed and the id: computed independently here.
    seed = b"learner-1\x1fexam\x1f1\x1f"
    expected = sorted(ids, key=lambda i: hashlib.sha256(seed + i.encode()).digest())[:5]
    assert first == tuple(expected)


def test_completion_explains_what_is_missing(sample_track: Track) -> None:
    status = completion(sample_track, {})
    assert not status.complete
    assert [(u.kind, u.title) for u in status.unmet] == [
        (UnmetKind.MODULE_NOT_STARTED, "Basics"),
        (UnmetKind.MODULE_NOT_STARTED, "Responsible use"),
        (UnmetKind.CAPSTONE_NOT_SUBMITTED, "Evaluate a model for your team"),
    ]
    # str() gives the English sentence the CLI and logs show.
    assert tuple(map(str, status.unmet)) == (
        "Basics: not started yet.",
        "Responsible use (ethics, mandatory): not started yet.",
        "Capstone 'Evaluate a model for your team': not submitted yet.",
    )
    progress = {
        "basics-quiz": 1.0,
        "basics-exam": 0.3,  # mean 65% < 70%
        "ethics-scenario": None,
        "capstone-project": None,
    }
    below = completion(sample_track, progress).unmet
    assert below[2] == Unmet(
        UnmetKind.MODULE_BELOW_MARK,
        "Responsible use",
        "ethics",
        percent=0.0,
        pass_mark=80,
        waiting=1,
    )
    assert tuple(map(str, below)) == (
        "Basics: 65% so far, 70% needed.",
        "Basics exam: 30% so far, 50% needed in this activity on its own.",
        "Responsible use (ethics, mandatory): 0% so far, 80% needed; "
        "1 piece(s) still wait for grading.",
        "The rushed launch (ethics, mandatory): the critical checks of this activity must be "
        "passed.",
        "Capstone 'Evaluate a model for your team': "
        "submitted, waiting for an instructor to grade it.",
    )
    done = completion(
        sample_track,
        {"basics-quiz": 0.9, "basics-exam": 0.8, "ethics-scenario": 0.8, "capstone-project": 0.6},
    )
    assert done.complete and done.unmet == ()
