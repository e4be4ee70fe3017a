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


@dataclasses.dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt may not start, as data: the web layer words it in the learner's language.

    ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: RefusalKind
    when: dt.datetime | None = None  #: the opening or closing time
    attempts: int = 0  #: attempts allowed, all used

    def __str__(self) -> str:
        match self.kind:
            case RefusalKind.NOT_OPEN_YET:
                return f"This activity opens on {self.when:%Y-%m-%d at %H:%M %Z}."
            case RefusalKind.CLOSED:
                return f"This activity closed on {self.when:%Y-%m-%d at %H:%M %Z}."
            case RefusalKind.NO_ATTEMPTS_LEFT:
                return f"You have used all {self.attempts} attempts."


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: Refusal | None = None  #: set when not allowed


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptPolicy:
    max_attempts: int | None = None  #: None: unlimited
    counts: CountingRule = CountingRule.HIGHEST
    time_limit: dt.timedelta | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None

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
        self, attempts_used: int, now: dt.datetime, acc: Accommodation = NO_ACCOMMODATION
    ) -> Decision:
        if self.opens_at is not None and now < self.opens_at:
            return Decision(False, Refusal(RefusalKind.NOT_OPEN_YET, when=self.opens_at))
        if self.closes_at is not None and now >= self.closes_at:
            return Decision(False, Refusal(RefusalKind.CLOSED, when=self.closes_at))
        allowed = self.attempts_allowed(acc)
        if allowed is not None and attempts_used >= allowed:
            return Decision(False, Refusal(RefusalKind.NO_ATTEMPTS_LEFT, attempts=allowed))
        return Decision(True)

    def counted(self, scores: Sequence[float]) -> float | None:
        """The score that counts among ``scores`` (oldest first); None if there are none."""
        if not scores:
            return None
        if self.counts is CountingRule.LATEST:
            return scores[-1]
        if self.counts is CountingRule.AVERAGE:
            return sum(scores) / len(scores)
        return max(scores)


DEFAULT_POLICY = AttemptPolicy()


@dataclasses.dataclass(frozen=True, slots=True)
class ItemPool:
    """Each attempt shows ``draw`` items out of the activity's items."""

    draw: int


def draw_items(
    item_ids: Sequence[str], count: int, learner_id: str, activity_id: str, attempt: int
) -> tuple[str, ...]:
    """A per-learner, per-attempt selection of ``count`` ids, the same every time it is asked.

    Each id is ranked by sha256(learner, activity, attempt, id) — stable across processes,
    hosts and Python versions (unlike ``hash()``), so resuming shows the same questions.
    """
    seed = f"{learner_id}\x1f{activity_id}\x1f{attempt}\x1f".encode()
    ranked = sorted(item_ids, key=lambda item_id: hashlib.sha256(seed + item_id.encode()).digest())
    return tuple(ranked[:count])


# -- completion --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleRequirement:
    module: str
    pass_mark: float  #: percent of the module's assessed points
    because: MandatoryBecause | None = None  #: set for mandatory ethics/safety modules


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


def completion_points(track: Track) -> list[tuple[Activity, float]]:
    """Each activity that counts toward completion, with the points it carries there.

    This mirrors how ``completion`` decides: every required module and the capstone is a
    requirement worth ``REQUIREMENT_POINTS``. A module's score is the plain mean of its
    assessed activities, so a module's points are shared equally among them, whatever
    points each activity is marked out of; the capstone's points go to the capstone
    activity (on top of its share in its module, if that module is required too). Work in
    modules that no rule names does not count.
    """
    counted: list[tuple[Activity, float]] = []
    for rule in track.completion.modules:
        assessed = [a for a in track.module(rule.module).activities if a.kind.is_assessed]
        counted += [(activity, REQUIREMENT_POINTS / len(assessed)) for activity in assessed]
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


class UnmetKind(StrEnum):
    """Which completion requirement is not met yet."""

    MODULE_NOT_STARTED = "module_not_started"
    MODULE_BELOW_MARK = "module_below_mark"
    CAPSTONE_NOT_SUBMITTED = "capstone_not_submitted"
    CAPSTONE_AWAITING_GRADING = "capstone_awaiting_grading"
    CAPSTONE_BELOW_MARK = "capstone_below_mark"


@dataclasses.dataclass(frozen=True, slots=True)
class Unmet:
    """One requirement not met yet, as data: the web layer words it in the learner's language.

    ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: UnmetKind
    title: str  #: the module's or the capstone's title
    because: str = ""  #: why the module is mandatory, when the track says so
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


@dataclasses.dataclass(frozen=True, slots=True)
class CompletionStatus:
    complete: bool
    unmet: tuple[Unmet, ...]  #: one entry per requirement not yet met


def completion(track: Track, progress: Mapping[str, float | None]) -> CompletionStatus:
    """Has the learner completed ``track``, and if not, which requirements are left.

    ``progress`` maps activity id → the counted score as a share in [0, 1], or ``None``
    when the work is submitted but waits for manual grading. A module's score is the mean
    over its assessed activities; a missing activity counts as 0.
    """
    unmet = []
    for rule in track.completion.modules:
        module = track.module(rule.module)
        assessed = [a.id for a in module.activities if a.kind.is_assessed]
        if not any(a in progress for a in assessed):
            unmet.append(Unmet(UnmetKind.MODULE_NOT_STARTED, module.title, rule.because))
            continue
        percent = 100 * sum(progress.get(a) or 0.0 for a in assessed) / max(len(assessed), 1)
        if percent < rule.pass_mark:
            waiting = sum(1 for a in assessed if a in progress and progress[a] is None)
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
    return CompletionStatus(not unmet, tuple(unmet))


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
    """``{attempts?, counts?, time_limit_minutes?, opens?, closes?}`` (ISO dates with a zone)."""
    attempts = spec.integer("attempts", None, minimum=1)
    counts = spec.choice("counts", CountingRule, CountingRule.HIGHEST)
    minutes = spec.number("time_limit_minutes", None, minimum=1)
    opens, closes = _when(spec, "opens"), _when(spec, "closes")
    spec.done()
    if opens and closes and closes <= opens:
        spec.error("'closes' must be after 'opens'", "closes")
    if not spec.ok or counts is None:
        return None
    limit = None if minutes is None else dt.timedelta(minutes=minutes)
    return AttemptPolicy(attempts, counts, limit, opens, closes)


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
    """``{modules: [{module, pass_mark, mandatory_because?}], capstone: {activity, pass_mark}}``.

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
        child.done()
        if module is not None and module not in module_ids:
            child.error(f"module {module!r} is not one of the track's modules", "module")
        elif module is not None and mark is not None:
            modules.append(ModuleRequirement(module, mark, because))
    capstone = None
    if (child := spec.child("capstone", None)) is not None:
        activity, mark = child.ident("activity"), _pass_mark(child)
        child.done()
        if activity is not None and activity_ids is not None and activity not in activity_ids:
            child.error(f"capstone {activity!r} is not an activity of the track", "activity")
        elif activity is not None and mark is not None:
            capstone = CapstoneRequirement(activity, mark)
    spec.done()
    return CompletionRules(tuple(modules), capstone) if spec.ok else None


def _pass_mark(spec: Spec) -> float | None:
    mark = spec.number("pass_mark", minimum=0)
    if mark is not None and mark > 100:
        spec.error("'pass_mark' is a percentage, at most 100", "pass_mark")
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
