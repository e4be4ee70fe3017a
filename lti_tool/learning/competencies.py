"""A learner's competencies with their evidence, for "My progress".

For each competency of a track's framework: the assessed activities aligned to it
(``Activity.aligned_competencies``: its own and its items'), how many the learner has
finished and the mean of their counted scores. The activities are the evidence; the page
links to each. A mean over activities is plain on purpose: the learner can check it
against the scores listed beside it, where a weighting by items would hide how it came out.
"""

from __future__ import annotations

import dataclasses
from statistics import fmean

from assessments.model import Activity, Competency
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
        """The mean counted score over the graded activities; None while none is graded."""
        scores = [e.score for e in self.evidence if e.score is not None]
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
