"""Passed or not: a result against the pass mark the track's completion rules set for the
activity, and how many attempts remain to reach it.

The engine's completion rules (``assessments.policy``) name pass marks for modules (their
mean over the summative activities), for single activities (``minimums``, ``min_each``)
and for the capstone. An activity's pass mark here is the highest of those that name it:
work at or above it meets every rule on its own, so it never holds the learner back.
Practice work and work in a module no rule names have no pass mark, and the pages then say
nothing about passing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from assessments.labs import LabResult
from assessments.model import Activity, Track
from assessments.policy import Accommodation, counts_toward_completion
from lti_tool import progress
from lti_tool.models import Attempt, AttemptStatus, LabSubmission


def pass_mark(track: Track, activity: Activity) -> float | None:
    """The percentage (0 to 100) this activity's work must reach, or None if none is set."""
    marks = []
    if (capstone := track.completion.capstone) is not None and capstone.activity == activity.id:
        marks.append(capstone.pass_mark)
    if counts_toward_completion(activity):
        module_id = track.module_of(activity.id).id
        for rule in track.completion.modules:
            if rule.module == module_id:
                marks.append(rule.pass_mark)
                marks += [m.pass_mark for m in rule.minimums if m.activity == activity.id]
    return max(marks, default=None)


@dataclasses.dataclass(frozen=True)
class Verdict:
    share: float  #: the score, 0 to 1
    pass_mark: float  #: percent, 0 to 100
    critical_failed: bool  #: a critical check failed: not passed, whatever the score
    attempts_left: int | None  #: None: as many as the learner likes

    @property
    def mark_share(self) -> float:
        return self.pass_mark / 100

    @property
    def score_digits(self) -> int:
        """Decimals to show the score with: "80%", "72.5%" (the ``percent`` filter's)."""
        return _decimals(100 * self.share)

    @property
    def mark_digits(self) -> int:
        return _decimals(self.pass_mark)

    @property
    def passed(self) -> bool:
        # The same comparison as the engine's ``completion`` (100 * share < mark fails).
        return 100 * self.share >= self.pass_mark and not self.critical_failed

    @property
    def final(self) -> bool:
        """No attempt is left to do better."""
        return self.attempts_left == 0


def _decimals(percent: float) -> int:
    return 0 if abs(percent - round(percent)) < 1e-9 else 1


def verdict(
    track: Track,
    activity: Activity,
    share: float | None,
    *,
    critical_failed: bool,
    attempts_used: int,
    granted: Accommodation,
) -> Verdict | None:
    """The verdict on a graded result (``share``; None while it waits for grading), or None
    when the activity has no pass mark or nothing is graded yet."""
    mark = pass_mark(track, activity)
    if mark is None or share is None:
        return None
    allowed = activity.attempt_policy.attempts_allowed(granted)
    left = None if allowed is None else max(0, allowed - attempts_used)
    return Verdict(share, mark, critical_failed, left)


def of_attempt(
    track: Track, activity: Activity, attempt: Attempt, attempts_used: int, granted: Accommodation
) -> Verdict | None:
    """The verdict on a handed-in attempt, once nothing of it waits for grading."""
    result = attempt.result or {}
    graded = attempt.status is AttemptStatus.SUBMITTED and result.get("status") != "pending"
    return verdict(
        track,
        activity,
        attempt.score if graded else None,
        critical_failed=bool(progress.critical_failed(result)),
        attempts_used=attempts_used,
        granted=granted,
    )


def of_lab(
    track: Track,
    activity: Activity,
    submissions: Sequence[LabSubmission],
    attempts_used: int,
    granted: Accommodation,
) -> Verdict | None:
    """The verdict on the newest graded submission (checks never count) of a lab;
    ``submissions`` are the learner's, newest first."""
    for submission in submissions:
        if not submission.visible_only and submission.score is not None and submission.result:
            return verdict(
                track,
                activity,
                submission.score,
                critical_failed=bool(LabResult.from_dict(submission.result).critical_failed),
                attempts_used=attempts_used,
                granted=granted,
            )
    return None
