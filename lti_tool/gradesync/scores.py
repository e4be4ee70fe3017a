"""What score a placement gets: one activity's counted score, or its module's mean.

Scores go to the LMS as percentages (``SCORE_MAXIMUM``). A module's score mirrors
``assessments.policy.completion``: the mean over its assessed activities, a missing one
counting 0. While any piece of the placement awaits an instructor's rubric grading the
LMS is told ``PendingManual``, with what is graded so far.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.placements import SCORE_MAXIMUM, Placement
from lti_tool.progress import TrackProgress


@dataclasses.dataclass(frozen=True)
class PlacementScore:
    #: 0 to ``SCORE_MAXIMUM``; None while nothing of it is graded yet.
    score_given: float | None
    activity_progress: ActivityProgress
    grading_progress: GradingProgress


def placement_score(
    placement: Placement, report: TrackProgress, awaiting_grading: Collection[str]
) -> PlacementScore | None:
    """The score of ``placement`` from the learner's ``report`` (their progress in its
    track); ``awaiting_grading`` holds the ids of activities with rubric work waiting.
    None when the learner has handed in nothing that counts here."""
    if placement.activity is None and placement.module is None:
        return None  # a whole track has no line item
    counted = placement.assessed
    handed_in = [a for a in counted if a.id in report.scores]
    if not handed_in:
        return None
    waiting = any(a.id in awaiting_grading for a in counted)
    shares = [report.scores.get(a.id) for a in counted]
    if placement.activity is not None and shares[0] is None:
        given = None  # everything handed in awaits grading: no score to show yet
    else:
        given = round(SCORE_MAXIMUM * sum(s or 0.0 for s in shares) / len(counted), 4)
    if len(handed_in) < len(counted):
        progress = ActivityProgress.IN_PROGRESS
    else:
        progress = ActivityProgress.SUBMITTED if waiting else ActivityProgress.COMPLETED
    grading = GradingProgress.PENDING_MANUAL if waiting else GradingProgress.FULLY_GRADED
    return PlacementScore(given, progress, grading)
