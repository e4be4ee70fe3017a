"""Policies: attempts, time limits, accommodations, item pools, availability, completion.

Everything here is a pure function of content, the learner's records and the time, so the
web layer can answer "may this learner start?", "which questions do they see?" and "have
they completed the track, and if not, why not?" without any state of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence, Set
from enum import StrEnum
from typing import TYPE_CHECKING

from assessments.spec import Spec

if TYPE_CHECKING:
    from assessments.model import Activity, Track


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


class MandatoryBecause(StrEnum):
    """Why a module is mandatory regardless of the learner's other results."""

    ETHICS = "ethics"
    SAFETY = "safety"


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


@dataclasses.dataclass(frozen=True, slots=True)
class ItemPool:
    """Each attempt shows ``draw`` items out of the activity's items."""

    draw: int


def draw_items(
    item_ids: Sequence[str], count: int, learner_id: str, activity_id: str, attempt: int
) -> tuple[str, ...]:
    """A per-learner, per-attempt selection of ``count`` ids, the same every time it is asked."""
    return seeded_order(item_ids, learner_id, activity_id, str(attempt))[:count]


def seeded_order(ids: Sequence[str], *seed: str) -> tuple[str, ...]:
    """``ids`` in an order fixed by ``seed`` (learner, activity, attempt, …): the same order
    every time it is asked, so a resumed attempt looks as it did.

    Each id is ranked by sha256(seed, id) — stable across processes, hosts and Python
    versions (unlike ``hash()``).
    """
    prefix = "".join(f"{part}\x1f" for part in seed).encode()
    return tuple(sorted(ids, key=lambda one: hashlib.sha256(prefix + one.encode()).digest()))


# -- completion --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ActivityMinimum:
    """An activity that must reach ``pass_mark`` on its own, whatever its module's mean."""

    activity: str
    pass_mark: float


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleRequirement:
    module: str
    pass_mark: float  #: percent of the mean over the module's summative activities
    because: MandatoryBecause | None = None  #: set for mandatory ethics/safety modules
    #: Activities with a minimum of their own (``minimums``, or ``min_each`` for all of them).
    minimums: tuple[ActivityMinimum, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class CapstoneRequirement:
    activity: str
    pass_mark: float


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionRules:
    modules: tuple[ModuleRequirement, ...] = ()
    capstone: CapstoneRequirement | None = None


#: What each completion requirement (a required module, the capstone) is worth in
#: ``completion_points``; the same for all, because ``completion`` demands each one on its own.
REQUIREMENT_POINTS = 100.0


def counts_toward_completion(activity: Activity) -> bool:
    """Summative assessed work counts; lessons and practice never do."""
    return activity.kind.is_assessed and activity.attempt_policy.is_summative


def _counted_activities(track: Track, module_id: str) -> list[Activity]:
    return [a for a in track.module(module_id).activities if counts_toward_completion(a)]


def completion_points(track: Track) -> list[tuple[Activity, float]]:
    """Each activity that counts toward completion, with the points it carries there.

    This mirrors how ``completion`` decides: every required module and the capstone is a
    requirement worth ``REQUIREMENT_POINTS``. A module's score is the plain mean of its
    summative activities, so a module's points are shared equally among them, whatever
    points each activity is marked out of; the capstone's points go to the capstone
    activity (on top of its share in its module, if that module is required too). Practice
    work, and work in modules that no rule names, does not count.
    """
    counted: list[tuple[Activity, float]] = []
    for rule in track.completion.modules:
        activities = _counted_activities(track, rule.module)
        counted += [(activity, REQUIREMENT_POINTS / len(activities)) for activity in activities]
    if (capstone := track.completion.capstone) is not None:
        counted.append((track.activity(capstone.activity), REQUIREMENT_POINTS))
    return counted


def practical_share(track: Track) -> float:
    """The share (0 to 1) of ``completion_points`` earned by labs, scenarios and projects.

    Certification should rest mostly on doing; 0 when nothing counts toward completion.
    """
    counted = completion_points(track)
    total = sum(points for _, points in counted)
    practical = sum(points for activity, points in counted if activity.kind.is_practical)
    return practical / total if total else 0.0


# -- critical checks ---------------------------------------------------------------------


class CheckKind(StrEnum):
    """Where a critical check sits; failing any one fails its activity."""

    ITEM = "item"  #: a question not answered fully correctly
    DECISION = "decision"  #: a scenario choice other than the best one at that situation
    ENDING = "ending"  #: a scenario ending that must not be reached
    LAB_TEST = "lab_test"  #: a lab test not passed
    CRITERION = "criterion"  #: a rubric criterion marked below half its points


@dataclasses.dataclass(frozen=True, slots=True)
class CriticalCheck:
    kind: CheckKind
    id: str  #: the item, scenario node, lab test or rubric criterion
    reason: str  #: the author's one-line reason it is critical


def critical_checks(activity: Activity) -> tuple[CriticalCheck, ...]:
    """Every critical check of an activity, as the content declares them."""
    checks = [CriticalCheck(CheckKind.ITEM, i.id, i.critical) for i in activity.items if i.critical]
    if activity.scenario is not None:
        for node in activity.scenario.nodes.values():
            if node.critical:
                kind = CheckKind.ENDING if node.is_end else CheckKind.DECISION
                checks.append(CriticalCheck(kind, node.id, node.critical))
    if activity.lab is not None:
        checks += [CriticalCheck(CheckKind.LAB_TEST, n, r) for n, r in activity.lab.critical]
    if activity.rubric is not None:
        checks += [
            CriticalCheck(CheckKind.CRITERION, c.id, c.critical)
            for c in activity.rubric.criteria
            if c.critical
        ]
    return tuple(checks)


#: The longest reason a critical check may give: one line, read by graders and auditors.
MAX_CRITICAL_REASON = 200


def parse_critical(spec: Spec, key: str = "critical") -> str | None:
    """``critical: "<one-line reason>"``: the check must pass whatever the total.

    A bare ``critical: true`` is refused: a certification body must be able to say why
    failing this one check fails the whole activity.
    """
    value = spec.get(key, (str, bool), None)
    if value is None or value is False:
        return None
    reason = value.strip() if isinstance(value, str) else ""
    if not reason or "\n" in reason or len(reason) > MAX_CRITICAL_REASON:
        spec.error(
            f"'{key}' needs a one-line reason (at most {MAX_CRITICAL_REASON} characters), "
            f'like {key}: "sends personal data to a third party"',
            key,
        )
        return None
    return reason


class UnmetKind(StrEnum):
    """Which completion requirement is not met yet."""

    MODULE_NOT_STARTED = "module_not_started"
    MODULE_BELOW_MARK = "module_below_mark"
    CAPSTONE_NOT_SUBMITTED = "capstone_not_submitted"
    CAPSTONE_AWAITING_GRADING = "capstone_awaiting_grading"
    CAPSTONE_BELOW_MARK = "capstone_below_mark"
    ACTIVITY_BELOW_MINIMUM = "activity_below_minimum"
    CRITICAL_FAILED = "critical_failed"
    CRITICAL_NOT_PASSED_YET = "critical_not_passed_yet"


@dataclasses.dataclass(frozen=True, slots=True)
class Unmet:
    """One requirement not met yet, as data: the web layer words it in the learner's language.

    ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: UnmetKind
    title: str  #: the module's, the activity's or the capstone's title
    #: why the module is mandatory, when the track says so (else "" or None)
    because: MandatoryBecause | str | None = ""
    percent: float = 0.0  #: the score so far, 0 to 100
    pass_mark: float = 0.0
    waiting: int = 0  #: pieces of the module still waiting for an instructor's grading

    def __str__(self) -> str:
        label = f"{self.title} ({self.because}, mandatory)" if self.because else self.title
        match self.kind:
            case UnmetKind.MODULE_NOT_STARTED:
                return f"{label}: not started yet."
            case UnmetKind.MODULE_BELOW_MARK:
                pending = (
                    f"; {self.waiting} piece(s) still wait for grading" if self.waiting else ""
                )
                return f"{label}: {self.percent:.0f}% so far, {self.pass_mark:g}% needed{pending}."
            case UnmetKind.CAPSTONE_NOT_SUBMITTED:
                return f"Capstone '{self.title}': not submitted yet."
            case UnmetKind.CAPSTONE_AWAITING_GRADING:
                return f"Capstone '{self.title}': submitted, waiting for an instructor to grade it."
            case UnmetKind.CAPSTONE_BELOW_MARK:
                return f"Capstone '{self.title}': {self.percent:.0f}%, {self.pass_mark:g}% needed."
            case UnmetKind.ACTIVITY_BELOW_MINIMUM:
                return (
                    f"{self.title}: {self.percent:.0f}% so far, {self.pass_mark:g}% needed "
                    "in this activity on its own."
                )
            case UnmetKind.CRITICAL_FAILED:
                return (
                    f"{self.title}: a critical check was not passed, so this activity is not "
                    "passed whatever its total."
                )
            case UnmetKind.CRITICAL_NOT_PASSED_YET:
                return f"{label}: the critical checks of this activity must be passed."


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionStatus:
    complete: bool
    unmet: tuple[Unmet, ...]  #: one entry per requirement not yet met


def completion(
    track: Track,
    progress: Mapping[str, float | None],
    critical_failed: Set[str] = frozenset(),
) -> CompletionStatus:
    """Has the learner completed ``track``, and if not, which requirements are left.

    ``progress`` maps activity id → the counted score as a share in [0, 1], or ``None``
    when the work is submitted but waits for manual grading; ``critical_failed`` holds the
    activities whose counted attempt failed a critical check. A module's score is the mean
    over its summative activities; a missing activity counts as 0. Every requirement is
    checked on its own (module mean, activity minimums, critical checks, capstone), so a
    high score elsewhere never makes up for one that is not met.
    """
    unmet = []
    for rule in track.completion.modules:
        unmet += _module_unmet(track, rule, progress, critical_failed)
    if (capstone := track.completion.capstone) is not None:
        title = track.activity(capstone.activity).title
        if capstone.activity not in progress:
            unmet.append(Unmet(UnmetKind.CAPSTONE_NOT_SUBMITTED, title))
        elif (share := progress[capstone.activity]) is None:
            unmet.append(Unmet(UnmetKind.CAPSTONE_AWAITING_GRADING, title))
        elif 100 * share < capstone.pass_mark:
            unmet.append(
                Unmet(
                    UnmetKind.CAPSTONE_BELOW_MARK,
                    title,
                    percent=100 * share,
                    pass_mark=capstone.pass_mark,
                )
            )
        elif capstone.activity in critical_failed:
            unmet.append(Unmet(UnmetKind.CRITICAL_FAILED, title))
    return CompletionStatus(not unmet, tuple(unmet))


def _module_unmet(
    track: Track,
    rule: ModuleRequirement,
    progress: Mapping[str, float | None],
    critical_failed: Set[str],
) -> list[Unmet]:
    module = track.module(rule.module)
    activities = _counted_activities(track, rule.module)
    if not any(a.id in progress for a in activities):
        return [Unmet(UnmetKind.MODULE_NOT_STARTED, module.title, rule.because)]
    unmet = []
    percent = 100 * sum(progress.get(a.id) or 0.0 for a in activities) / max(len(activities), 1)
    if percent < rule.pass_mark:
        waiting = sum(1 for a in activities if a.id in progress and progress[a.id] is None)
        unmet.append(
            Unmet(
                UnmetKind.MODULE_BELOW_MARK,
                module.title,
                rule.because,
                percent=percent,
                pass_mark=rule.pass_mark,
                waiting=waiting,
            )
        )
    for minimum in rule.minimums:
        share = progress.get(minimum.activity)
        if share is not None and 100 * share >= minimum.pass_mark:
            continue
        unmet.append(
            Unmet(
                UnmetKind.ACTIVITY_BELOW_MINIMUM,
                track.activity(minimum.activity).title,
                percent=100 * (share or 0.0),
                pass_mark=minimum.pass_mark,
                waiting=int(minimum.activity in progress and share is None),
            )
        )
    for activity in activities:
        if activity.id in critical_failed:
            unmet.append(Unmet(UnmetKind.CRITICAL_FAILED, activity.title))
        elif (
            rule.because is not None
            and progress.get(activity.id) is None
            and critical_checks(activity)
        ):
            # A mandatory module demands every critical check passed, not merely not failed.
            unmet.append(Unmet(UnmetKind.CRITICAL_NOT_PASSED_YET, activity.title, rule.because))
    return unmet


# -- renewal -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class RenewalModule:
    module: str
    credits: float  #: continuing-education credits a learner earns by completing it


@dataclasses.dataclass(frozen=True, slots=True)
class RenewalRules:
    """A credential is renewed by earning ``credits_required`` from these modules."""

    modules: tuple[RenewalModule, ...]
    credits_required: float


#: How long a credential is valid when the track does not say (``credential.validity_months``).
DEFAULT_VALIDITY_MONTHS = 36


# -- reading -----------------------------------------------------------------------------


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
    value = spec.get(key, (str, dt.datetime), None)
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


def parse_completion(
    spec: Spec, module_ids: Set[str], activity_ids: Set[str] | None
) -> CompletionRules | None:
    """``{modules: [{module, pass_mark, mandatory_because?, min_each?, minimums?: [{activity,
    pass_mark}]}], capstone: {activity, pass_mark}}``.

    ``min_each`` gives every summative activity of the module a minimum of its own;
    ``minimums`` names activities one by one (and wins over ``min_each`` for those).

    ``module_ids`` and ``activity_ids`` are the track's, so references are checked here
    (``activity_ids`` is None when some are unknown because a file could not be read).
    """
    modules = []
    for child in spec.children("modules", required=False):
        module = child.ident("module")
        mark = _pass_mark(child)
        because = None
        if child.has("mandatory_because"):
            because = child.choice("mandatory_because", MandatoryBecause)
        minimums = _minimums(child, activity_ids)
        child.done()
        if module is not None and module not in module_ids:
            child.error(f"module {module!r} is not one of the track's modules", "module")
        elif module is not None and mark is not None:
            modules.append(ModuleRequirement(module, mark, because, minimums))
    capstone = None
    if (capstone_spec := spec.child("capstone", None)) is not None:
        activity, mark = capstone_spec.ident("activity"), _pass_mark(capstone_spec)
        capstone_spec.done()
        if activity is not None and activity_ids is not None and activity not in activity_ids:
            capstone_spec.error(
                f"capstone {activity!r} is not an activity of the track", "activity"
            )
        elif activity is not None and mark is not None:
            capstone = CapstoneRequirement(activity, mark)
    spec.done()
    return CompletionRules(tuple(modules), capstone) if spec.ok else None


def _minimums(spec: Spec, activity_ids: Set[str] | None) -> tuple[ActivityMinimum, ...]:
    """The module rule's ``minimums`` list; ``min_each`` is kept for ``with_each_minimum``
    once the module's activities are known."""
    minimums = []
    if spec.has("min_each"):
        each = _pass_mark(spec, "min_each")
        if each is not None:
            minimums.append(ActivityMinimum(EACH, each))
    for child in spec.children("minimums", required=False):
        activity, mark = child.ident("activity"), _pass_mark(child)
        child.done()
        if activity is not None and activity_ids is not None and activity not in activity_ids:
            child.error(f"activity {activity!r} is not an activity of the track", "activity")
        elif activity is not None and mark is not None:
            minimums.append(ActivityMinimum(activity, mark))
    return tuple(minimums)


#: Stands for "every summative activity of the module" in a ``min_each`` minimum.
EACH = "*"


def with_each_minimum(rule: ModuleRequirement, activities: Sequence[Activity]) -> ModuleRequirement:
    """The rule with its ``min_each`` spelled out for each of the module's counted
    ``activities`` that has no minimum of its own (the loader calls this)."""
    each = next((m for m in rule.minimums if m.activity == EACH), None)
    if each is None:
        return rule
    named = {m.activity for m in rule.minimums if m.activity != EACH}
    minimums = [m for m in rule.minimums if m.activity != EACH]
    minimums += [
        ActivityMinimum(a.id, each.pass_mark)
        for a in activities
        if counts_toward_completion(a) and a.id not in named
    ]
    return dataclasses.replace(rule, minimums=tuple(minimums))


def _pass_mark(spec: Spec, key: str = "pass_mark") -> float | None:
    mark = spec.number(key, minimum=0)
    if mark is not None and mark > 100:
        spec.error(f"'{key}' is a percentage, at most 100", key)
        return None
    return mark


def parse_renewal(spec: Spec, module_ids: Set[str]) -> RenewalRules | None:
    """``{credits_required, modules: [{module, credits}]}``; modules are the track's own.

    The required credits must be reachable with the modules offered, or no one could renew.
    """
    required = _positive(spec, "credits_required")
    modules: list[RenewalModule] = []
    for child in spec.children("modules"):
        module, credits = child.ident("module"), _positive(child, "credits")
        child.done()
        if module is not None and module not in module_ids:
            child.error(f"module {module!r} is not one of the track's modules", "module")
        elif module is not None and any(m.module == module for m in modules):
            child.error(f"module {module!r} is listed twice", "module")
        elif module is not None and credits is not None:
            modules.append(RenewalModule(module, credits))
    spec.done()
    offered = sum(m.credits for m in modules)
    if spec.ok and required is not None and required > offered:
        spec.error(
            f"renewal needs {required:g} credits but its modules offer only {offered:g}",
            "credits_required",
        )
    if not spec.ok or required is None:
        return None
    return RenewalRules(tuple(modules), required)


def parse_credential(spec: Spec) -> int | None:
    """``{validity_months}``: how long the credential a learner earns is valid (default 36)."""
    months = spec.integer("validity_months", DEFAULT_VALIDITY_MONTHS, minimum=1)
    spec.done()
    return months if spec.ok else None


def _positive(spec: Spec, key: str) -> float | None:
    value = spec.number(key)
    if value is not None and value <= 0:
        spec.error(f"'{key}' must be more than 0", key)
        return None
    return value
