"""A learner's competencies with their evidence, for "My progress".

For each competency of a track's framework: the assessed activities aligned to it
(``Activity.aligned_competencies``: its own and its items'), how many the learner has
finished and their mastery (``mastery``). The activities are the evidence; the page links
to each. ``mastery`` is also the rule of the instructor's cohort heat map
(``competency_matrix``), so a learner and their instructor read the same number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from statistics import fmean

from assessments.model import Activity, Competency
from assessments.policy import counts_toward_completion
from lti_tool.progress import TrackProgress


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    """One activity that assesses a competency, and the learner's result on it."""

    activity: Activity
    finished: bool  #: handed in or done (``TrackProgress.finished``)
    #: The counted score (0 to 1) once graded; None before, and while it awaits grading.
    score: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class CompetencySummary:
    competency: Competency
    evidence: tuple[Evidence, ...]  #: in the track's order

    @property
    def done(self) -> int:
        """Activities handed in, graded or not yet."""
        return sum(evidence.finished for evidence in self.evidence)

    @property
    def mean(self) -> float | None:
        """The learner's mastery of the competency (``mastery``)."""
        return mastery((evidence.activity, evidence.score) for evidence in self.evidence)


def mastery(scored: Iterable[tuple[Activity, float | None]]) -> float | None:
    """Mastery of a competency: the plain mean of the counted scores (0 to 1) of the
    graded summative activities aligned to it; None while none is graded.

    ``scored`` pairs each aligned activity with its counted score (None: not graded yet).
    Practice work is left out: it is for trying, not evidence (it never counts toward
    completion either). A mean over activities, not items, is plain on purpose: it can be
    checked against the scores listed beside it, where a weighting by items would hide how
    it came out.
    """
    scores = [
        score
        for activity, score in scored
        if score is not None and counts_toward_completion(activity)
    ]
    return fmean(scores) if scores else None


def summary(report: TrackProgress) -> tuple[CompetencySummary, ...]:
    """Every competency of the track, in its framework's order, with its evidence."""
    assessed = [a for a in report.track.activities() if a.kind.is_assessed]
    return tuple(
        CompetencySummary(
            competency,
            tuple(
                Evidence(
                    activity,
                    report.finished(activity),
                    report.scores.get(activity.id),
                )
                for activity in assessed
                if competency.id in activity.aligned_competencies
            ),
        )
        for competency in report.track.competencies
    )
