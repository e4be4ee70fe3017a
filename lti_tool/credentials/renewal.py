"""Renewal through continuing education: credits earned since a credential's ``validFrom``.

A track's ``renewal`` rules list modules worth credits. A learner earns a module's credits
once, within a validity period, by completing it with work handed in since the
credential's ``validFrom`` (work done for the first award never counts):

- a module with assessed activities is completed when each of them has graded work
  since then and the module's score (the mean of their counted scores, as completion
  computes it) reaches its pass mark — the module's mark in the track's completion rules,
  or ``DEFAULT_PASS_MARK`` for a module no completion rule names;
- a module of lessons only is completed when every lesson was marked done since then.

Reaching the track's ``credits_required`` makes the credential due for renewal, while it
is still active and unexpired (``renewable``); ``issuing`` re-issues it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from assessments.model import Module, Track
from assessments.policy import counts_toward_completion
from lti_tool import progress
from lti_tool.models import Credential, CredentialState
from lti_tool.scope import LearnerScope

#: The pass mark (percent) of a renewal module that no completion rule gives one.
DEFAULT_PASS_MARK = 70.0


@dataclasses.dataclass(frozen=True)
class ModuleCredit:
    module: Module
    credits: float
    earned: bool


@dataclasses.dataclass(frozen=True)
class RenewalStatus:
    """Where a learner stands on renewing one credential."""

    required: float
    modules: tuple[ModuleCredit, ...]

    @property
    def earned(self) -> float:
        return sum(m.credits for m in self.modules if m.earned)

    @property
    def met(self) -> bool:
        return self.earned >= self.required


def pass_mark(track: Track, module_id: str) -> float:
    rule = next((r for r in track.completion.modules if r.module == module_id), None)
    return DEFAULT_PASS_MARK if rule is None else rule.pass_mark


def module_completed(track: Track, module: Module, scores: Mapping[str, float | None]) -> bool:
    """Has ``scores`` (counted scores of the work since validFrom) completed ``module``?

    Its summative work is judged against the module's pass mark, as for completion; a
    module without summative work is completed by doing every activity in it."""
    assessed = [a.id for a in module.activities if counts_toward_completion(a)]
    if not assessed:
        return bool(module.activities) and all(a.id in scores for a in module.activities)
    graded = [scores.get(a) for a in assessed]
    if any(score is None for score in graded):
        return False  # not attempted since, or waiting for grading
    percent = 100 * sum(graded) / len(graded)  # type: ignore[arg-type]
    return percent >= pass_mark(track, module.id)


def status_of(track: Track, scores: Mapping[str, float | None]) -> RenewalStatus | None:
    """The renewal status for these scores; None when the track cannot be renewed."""
    rules = track.renewal
    if rules is None:
        return None
    modules = []
    for offered in rules.modules:
        module = track.module(offered.module)
        modules.append(
            ModuleCredit(module, offered.credits, module_completed(track, module, scores))
        )
    return RenewalStatus(rules.credits_required, tuple(modules))


def renewal_status(
    session: Session,
    learner: LearnerScope,
    track: Track,
    credential: Credential,
) -> RenewalStatus | None:
    """What the learner's work in this course since ``credential``'s validFrom earns."""
    (report,) = progress.progress(
        session,
        learner,
        [track],
        since=credential.valid_from,
    )
    return status_of(track, report.scores)


def renewable(credential: Credential, now: dt.datetime) -> bool:
    """Only an active credential that has not expired yet is renewed; after expiry the
    learner needs a new award (an operator's, ``skillcert credentials issue``)."""
    return credential.state is CredentialState.ACTIVE and now < credential.valid_until
