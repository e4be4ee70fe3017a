"""Attempt policies: how often, when and how a learner may attempt an activity, which
attempt counts, and how much of a result they see while they could still try again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from assessments.spec import Spec


class CountingRule(StrEnum):
    """Which of several attempts counts towards the grade."""

    HIGHEST = "highest"
    LATEST = "latest"
    AVERAGE = "average"


class Purpose(StrEnum):
    """What an activity is for: ``practice`` teaches (free attempts, full feedback, counts
    nothing toward certification); ``summative`` certifies (limited, counted, guarded)."""

    PRACTICE = "practice"
    SUMMATIVE = "summative"


class FeedbackPolicy(StrEnum):
    """How much of a result a learner sees while they could still try again.

    ``final``: per-competency results and visible tests only, until the learner's attempts
    are used up or the activity closes; then everything. ``immediate``: everything at once.
    Rationales, expert paths and hidden tests give the key away, so summative work holds
    them back by default.
    """

    FINAL = "final"
    IMMEDIATE = "immediate"


@dataclasses.dataclass(frozen=True, slots=True)
class Accommodation:
    """Per-learner adjustments an instructor grants (for example for a documented need)."""

    extra_time_multiplier: float = 1.0
    extra_attempts: int = 0


NO_ACCOMMODATION = Accommodation()


class RefusalKind(StrEnum):
    """Why a learner may not start an attempt now."""

    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    COOLING_DOWN = "cooling_down"


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt may not start, as data: the web layer words it in the learner's language.

    ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: RefusalKind
    when: dt.datetime | None = None  #: the opening or closing time, or when the next attempt opens
    attempts: int = 0  #: attempts allowed, all used

    def __str__(self) -> str:
        match self.kind:
            case RefusalKind.NOT_OPEN_YET:
                return f"This activity opens on {self.when:%Y-%m-%d at %H:%M %Z}."
            case RefusalKind.CLOSED:
                return f"This activity closed on {self.when:%Y-%m-%d at %H:%M %Z}."
            case RefusalKind.NO_ATTEMPTS_LEFT:
                return f"You have used all {self.attempts} attempts."
            case RefusalKind.COOLING_DOWN:
                return f"Your next attempt opens on {self.when:%Y-%m-%d at %H:%M %Z}."


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: Refusal | None = None  #: set when not allowed


#: Summative defaults: two attempts, the latest counts, a day between attempts (time to
#: learn rather than to replay), feedback held back until the last attempt.
SUMMATIVE_ATTEMPTS = 2
SUMMATIVE_COOLDOWN = dt.timedelta(hours=24)


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptPolicy:
    """How often, when and how a learner may attempt an activity, and which attempt counts.

    The defaults are the summative ones; ``PRACTICE_POLICY`` holds the practice ones.
    """

    max_attempts: int | None = SUMMATIVE_ATTEMPTS  #: None: unlimited
    counts: CountingRule = CountingRule.LATEST
    time_limit: dt.timedelta | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    purpose: Purpose = Purpose.SUMMATIVE
    cooldown: dt.timedelta | None = SUMMATIVE_COOLDOWN  #: between one attempt's end and the next
    feedback: FeedbackPolicy = FeedbackPolicy.FINAL
    #: Why ``highest`` counts on summative work (required there: it rewards replaying).
    counts_reason: str = ""

    @property
    def is_summative(self) -> bool:
        return self.purpose is Purpose.SUMMATIVE

    def attempts_allowed(self, acc: Accommodation = NO_ACCOMMODATION) -> int | None:
        return None if self.max_attempts is None else self.max_attempts + acc.extra_attempts

    def time_allowed(self, acc: Accommodation = NO_ACCOMMODATION) -> dt.timedelta | None:
        return None if self.time_limit is None else self.time_limit * acc.extra_time_multiplier

    def deadline(
        self, started_at: dt.datetime, acc: Accommodation = NO_ACCOMMODATION
    ) -> dt.datetime | None:
        """When an attempt started at ``started_at`` must be submitted."""
        allowed = self.time_allowed(acc)
        ends = None if allowed is None else started_at + allowed
        if self.closes_at is not None and (ends is None or self.closes_at < ends):
            return self.closes_at
        return ends

    def can_start(
        self,
        attempts_used: int,
        now: dt.datetime,
        acc: Accommodation = NO_ACCOMMODATION,
        last_finished: dt.datetime | None = None,
    ) -> Decision:
        """May the next attempt start now? ``last_finished``: when the latest one ended."""
        if self.opens_at is not None and now < self.opens_at:
            return Decision(False, Refusal(RefusalKind.NOT_OPEN_YET, when=self.opens_at))
        if self.closes_at is not None and now >= self.closes_at:
            return Decision(False, Refusal(RefusalKind.CLOSED, when=self.closes_at))
        allowed = self.attempts_allowed(acc)
        if allowed is not None and attempts_used >= allowed:
            return Decision(False, Refusal(RefusalKind.NO_ATTEMPTS_LEFT, attempts=allowed))
        if (opens := self.next_attempt_at(last_finished)) is not None and now < opens:
            return Decision(False, Refusal(RefusalKind.COOLING_DOWN, when=opens))
        return Decision(True)

    def next_attempt_at(self, last_finished: dt.datetime | None) -> dt.datetime | None:
        """When the cool-down after an attempt that ended at ``last_finished`` is over."""
        if self.cooldown is None or last_finished is None:
            return None
        return last_finished + self.cooldown

    def reveals_all(
        self, attempts_used: int, now: dt.datetime, acc: Accommodation = NO_ACCOMMODATION
    ) -> bool:
        """May the learner see everything (rationales, expert path, hidden tests) now?

        Yes with immediate feedback; otherwise once no further attempt can ever start: the
        attempts are used up or the activity has closed.
        """
        if self.feedback is FeedbackPolicy.IMMEDIATE:
            return True
        allowed = self.attempts_allowed(acc)
        used_up = allowed is not None and attempts_used >= allowed
        closed = self.closes_at is not None and now >= self.closes_at
        return used_up or closed

    def counted_index(self, scores: Sequence[float]) -> int | None:
        """Which of ``scores`` (oldest first) is the counted attempt; for ``average``, the
        latest (its critical checks stand for the learner's current state)."""
        if not scores:
            return None
        if self.counts is CountingRule.HIGHEST:
            return max(range(len(scores)), key=lambda i: (scores[i], i))
        return len(scores) - 1

    def counted(self, scores: Sequence[float]) -> float | None:
        """The score that counts among ``scores`` (oldest first); None if there are none."""
        if not scores:
            return None
        if self.counts is CountingRule.AVERAGE:
            return sum(scores) / len(scores)
        index = self.counted_index(scores)  # None only for no scores, handled above
        return None if index is None else scores[index]


DEFAULT_POLICY = AttemptPolicy()
PRACTICE_POLICY = AttemptPolicy(
    max_attempts=None,
    counts=CountingRule.HIGHEST,
    purpose=Purpose.PRACTICE,
    cooldown=None,
    feedback=FeedbackPolicy.IMMEDIATE,
)


def parse_policy(spec: Spec) -> AttemptPolicy | None:
    """``{purpose?, attempts?, counts?, counts_reason?, cooldown_hours?, feedback?,
    time_limit_minutes?, opens?, closes?}`` (ISO dates with a zone).

    ``purpose`` (default ``summative``) chooses the defaults of everything else. Summative
    work may count its ``highest`` attempt only with a written ``counts_reason``: counting
    the best of several tries rewards replaying, not competence.
    """
    purpose = spec.choice("purpose", Purpose, Purpose.SUMMATIVE)
    base = PRACTICE_POLICY if purpose is Purpose.PRACTICE else DEFAULT_POLICY
    unlimited = spec.get("attempts", (int, str), None) == "unlimited"
    attempts = None if unlimited else spec.integer("attempts", base.max_attempts, minimum=1)
    counts = spec.choice("counts", CountingRule, base.counts)
    counts_reason = (spec.text("counts_reason", "") or "").strip()
    hours = spec.integer("cooldown_hours", None, minimum=0)
    feedback = spec.choice("feedback", FeedbackPolicy, base.feedback)
    minutes = spec.number("time_limit_minutes", None, minimum=1)
    opens, closes = _when(spec, "opens"), _when(spec, "closes")
    spec.done()
    if opens and closes and closes <= opens:
        spec.error("'closes' must be after 'opens'", "closes")
    if purpose is Purpose.SUMMATIVE and counts is CountingRule.HIGHEST and not counts_reason:
        spec.error(
            "summative work counting its 'highest' attempt needs a 'counts_reason' saying why "
            "(or count 'latest' or 'average')",
            "counts",
        )
    if not spec.ok or purpose is None or counts is None or feedback is None:
        return None
    return AttemptPolicy(
        max_attempts=attempts,
        counts=counts,
        time_limit=None if minutes is None else dt.timedelta(minutes=minutes),
        opens_at=opens,
        closes_at=closes,
        purpose=purpose,
        cooldown=base.cooldown if hours is None else dt.timedelta(hours=hours) or None,
        feedback=feedback,
        counts_reason=counts_reason,
    )


def _when(spec: Spec, key: str) -> dt.datetime | None:
    value: str | dt.datetime | None = spec.get(key, (str, dt.datetime), None)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            spec.error(f"'{key}' must be a date and time like 2027-01-31T17:00:00+00:00", key)
            return None
    if value is not None and value.tzinfo is None:
        spec.error(f"'{key}' needs a time zone, like +00:00", key)
        return None
    return value
