"""The content model: Track → Module → Activity → Item, competencies, versions, attempt records.

Everything here is a frozen value. Content is loaded once (see ``loader.py``) and shared by
every request, so nothing may change it after loading. Each level carries a stable id and a
semantic version; an ``AttemptRecord`` keeps the versions an attempt was taken on, so an
edit to the content later never changes what a past result meant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assessments.items.base import ItemDefinition, ItemResult
    from assessments.policy import AttemptPolicy, CompletionRules, ItemPool, RenewalRules
    from assessments.rubrics import Rubric
    from assessments.scenarios import Scenario


# -- errors ------------------------------------------------------------------------------


class AssessmentError(Exception):
    """Something went wrong in the assessment engine."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0])


class AnswerProblemKind(StrEnum):
    """What is wrong with the shape of a learner's answer."""

    TOO_LONG = "too_long"
    NOT_UTF8 = "not_utf8"
    NOT_TEXT = "not_text"
    BINARY = "binary"
    NOT_A_LIST = "not_a_list"
    TOO_MANY_ENTRIES = "too_many_entries"
    UNKNOWN_CHOICE = "unknown_choice"
    REPEATED_CHOICE = "repeated_choice"
    EMPTY = "empty"
    NO_FILE = "no_file"
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    FILE_TYPE = "file_type"
    NOT_A_MATCHING = "not_a_matching"
    ONE_RESPONSE_EACH = "one_response_each"
    UNKNOWN_RESPONSE = "unknown_response"
    NO_NUMBER = "no_number"
    NUMBER_FORMAT = "number_format"
    NOT_FINITE = "not_finite"
    ORDER_INCOMPLETE = "order_incomplete"
    NO_OPTION = "no_option"
    UNKNOWN_OPTION = "unknown_option"
    NOT_A_QUESTION = "not_a_question"
    UNKNOWN_SCENARIO_CHOICE = "unknown_scenario_choice"
    NO_JUSTIFICATION = "no_justification"
    NOT_A_REVIEW = "not_a_review"


#: The English sentence of each problem; ``limit`` and ``value`` are the problem's fields.
_ANSWER_PROBLEM_TEXT = {
    AnswerProblemKind.TOO_LONG: "This answer is too long: at most {limit} characters.",
    AnswerProblemKind.NOT_UTF8: "This answer is not UTF-8 text. Type or paste it as text.",
    AnswerProblemKind.NOT_TEXT: "Expected text, got {value}.",
    AnswerProblemKind.BINARY: "This answer contains binary data. Type or paste it as text.",
    AnswerProblemKind.NOT_A_LIST: "Expected a list of choices.",
    AnswerProblemKind.TOO_MANY_ENTRIES: "This answer has more entries than there are choices.",
    AnswerProblemKind.UNKNOWN_CHOICE: "{value} is not one of the choices.",
    AnswerProblemKind.REPEATED_CHOICE: "The same choice appears twice in this answer.",
    AnswerProblemKind.EMPTY: "Write an answer before submitting.",
    AnswerProblemKind.NO_FILE: "Attach a file.",
    AnswerProblemKind.FILE_TOO_LARGE: "This file is too large: at most {limit:,} bytes.",
    AnswerProblemKind.FILE_EMPTY: "This file is empty.",
    AnswerProblemKind.FILE_TYPE: "Attach a file of type {value}.",
    AnswerProblemKind.NOT_A_MATCHING: "Expected a response for each prompt.",
    AnswerProblemKind.ONE_RESPONSE_EACH: "Choose exactly one response for every prompt.",
    AnswerProblemKind.UNKNOWN_RESPONSE: "{value} is not one of the responses.",
    AnswerProblemKind.NO_NUMBER: "Enter a number.",
    AnswerProblemKind.NUMBER_FORMAT: "Enter a number, like 12.5 or -3.",
    AnswerProblemKind.NOT_FINITE: "Enter a finite number.",
    AnswerProblemKind.ORDER_INCOMPLETE: "Place every entry exactly once.",
    AnswerProblemKind.NO_OPTION: "Choose one option.",
    AnswerProblemKind.UNKNOWN_OPTION: "{value} is not one of the options.",
    AnswerProblemKind.NOT_A_QUESTION: "This is not a question of this activity.",
    AnswerProblemKind.UNKNOWN_SCENARIO_CHOICE: "{value} is not one of the choices here.",
    AnswerProblemKind.NO_JUSTIFICATION: "Explain your choice before you continue.",
    AnswerProblemKind.NOT_A_REVIEW: (
        "Mark the injected text, the control that failed and the identifiers, as the form asks."
    ),
}


@dataclasses.dataclass(frozen=True, slots=True)
class AnswerProblem:
    """Why an answer cannot be accepted, as data: the web layer words it in the learner's
    language. ``str()`` gives the English sentence (the CLI, logs, and tests read that).
    """

    kind: AnswerProblemKind
    limit: int = 0  #: the most characters or bytes allowed
    value: str = ""  #: what the learner sent (quoted), its type, or the file types allowed

    def __str__(self) -> str:
        return _ANSWER_PROBLEM_TEXT[self.kind].format(limit=self.limit, value=self.value)


class AnswerError(AssessmentError):
    """This answer cannot be accepted; nothing was saved. ``problem`` says why, as data."""

    def __init__(self, kind: AnswerProblemKind, *, limit: int = 0, value: str = "") -> None:
        self.problem = AnswerProblem(kind, limit, value)
        super().__init__(str(self.problem))


# -- enums and small values --------------------------------------------------------------


class ActivityKind(StrEnum):
    """What a learner does in an activity; decides which fields the activity needs."""

    LESSON = "lesson"
    LAB = "lab"
    SCENARIO = "scenario"
    PROJECT = "project"
    QUIZ = "quiz"
    EXAM = "exam"

    @property
    def is_assessed(self) -> bool:
        return self is not ActivityKind.LESSON

    @property
    def has_items(self) -> bool:
        return self in (ActivityKind.QUIZ, ActivityKind.EXAM)

    @property
    def is_practical(self) -> bool:
        """Work judged by doing (labs, scenarios, projects), not by recognising answers."""
        return self in (ActivityKind.LAB, ActivityKind.SCENARIO, ActivityKind.PROJECT)


class Difficulty(StrEnum):
    """How hard the author means an item to be; item analysis later checks it against data."""

    INTRODUCTORY = "introductory"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ResultStatus(StrEnum):
    """How a scored answer or activity stands; ``pending`` waits for an instructor."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    PENDING = "pending"

    @classmethod
    def of(cls, score: float, max_score: float) -> ResultStatus:
        if score >= max_score:
            return cls.CORRECT
        return cls.PARTIAL if score > 0 else cls.INCORRECT


_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclasses.dataclass(frozen=True, order=True, slots=True)
class Version:
    """A semantic version, MAJOR.MINOR.PATCH; ordered so "is this newer" is one comparison."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _SEMVER.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a version like 1.0.0")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclasses.dataclass(frozen=True, slots=True)
class Competency:
    """One entry of a track's competency framework; assessed work aligns to these ids."""

    id: str
    title: str
    description: str


# -- the content tree --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    """One question. ``definition`` is the type-specific part that checks and scores answers."""

    id: str
    version: Version
    type: str
    stem_html: str
    points: float
    competencies: tuple[str, ...]
    difficulty: Difficulty
    definition: ItemDefinition
    #: Why answering this fully correctly is required whatever the total (None: not critical).
    critical: str | None = None

    def score(self, answer: object) -> ItemResult:
        """Score a learner's raw answer; raises ``AnswerError`` when its shape is wrong."""
        return self.definition.score(answer)


@dataclasses.dataclass(frozen=True, slots=True)
class Lab:
    """Where a lab activity's lab lives; ``assessments.labs.LabSpec.load(path)`` reads it."""

    folder: str  #: the lab folder (lab.yaml, hidden.yaml, …), relative to the track folder
    path: Path = dataclasses.field(compare=False)  #: the same folder, absolute
    files: tuple[str, ...] = ()  #: starter files given to the learner, relative likewise
    points: float = 100.0
    #: (test name, reason) of each critical test, read from the lab's files at load time.
    critical: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Activity:
    """Something a learner does. Which optional fields are set follows ``kind``."""

    id: str
    version: Version
    kind: ActivityKind
    title: str
    body_html: str
    competencies: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    pool: ItemPool | None = None
    policy: AttemptPolicy | None = None
    lab: Lab | None = None
    scenario: Scenario | None = None
    rubric: Rubric | None = None
    #: for lessons with learner-facing examples, e.g. "grade 3-5" (K-12 content)
    reading_level: str | None = None
    #: The author's estimate of the learner's time, when the default estimate does not fit.
    minutes: int | None = None

    @property
    def attempt_policy(self) -> AttemptPolicy:
        """The activity's policy, or the summative defaults when the content sets none."""
        from assessments.policy import DEFAULT_POLICY  # policy reads the model: import late

        return self.policy or DEFAULT_POLICY

    @property
    def aligned_competencies(self) -> frozenset[str]:
        """Competencies this activity assesses: its own plus those of its items."""
        return frozenset(self.competencies).union(*(item.competencies for item in self.items))


#: Languages a module's texts may be translated into: the UI's languages other than English,
#: the language content is written in (``lti_tool.i18n.SUPPORTED_LOCALES``; a test keeps
#: the two in step).
TRANSLATION_LANGUAGES = ("es",)


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleTranslation:
    """A module's texts in another language; empty or absent ones keep the original.

    ``activities`` holds each translated activity whole, built once at load time by
    ``assessments.translation``: the same ids, scores and keys as the original, with the
    learner-visible texts the author translated (titles, bodies, questions, options,
    feedback, scenario steps, rubrics) and the original text wherever they did not.
    """

    title: str = ""
    summary: str = ""
    activities: Mapping[str, Activity] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Module:
    """A unit of a track. Facts about AI date quickly, so every module says when it was last
    checked (``reviewed``) and when it must be checked again (``review_by``)."""

    id: str
    version: Version
    title: str
    summary: str
    activities: tuple[Activity, ...]
    track_id: str  #: the track that defines this module (differs for inherited modules)
    reviewed: dt.date
    review_by: dt.date
    #: language → the module's texts in it (``translations`` in module.yaml)
    translations: Mapping[str, ModuleTranslation] = dataclasses.field(
        default_factory=dict, compare=False
    )

    def translated(self, language: str) -> Module:
        """This module with its texts translated into ``language`` where the author gave
        them; the original text everywhere else. The only place pages get translated
        content from (``Track.translated``)."""
        translation = self.translations.get(language)
        if translation is None:
            return self
        activities = tuple(
            translation.activities.get(activity.id, activity) for activity in self.activities
        )
        return dataclasses.replace(
            self,
            title=translation.title or self.title,
            summary=translation.summary or self.summary,
            activities=activities,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str
    published: dt.date | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """A dated factual claim the track makes (a law, a standard, a product, a date), with
    where it is stated and the sources it was checked against (``claims.yaml``)."""

    id: str
    claim: str
    where: tuple[str, ...]  #: files of the track that state it, relative to the track folder
    sources: tuple[Source, ...]
    checked: dt.date
    review_by: dt.date
    note: str = ""  #: where sources disagree, or what could not be confirmed


@dataclasses.dataclass(frozen=True)
class Track:
    """A certification track. ``modules`` already includes those inherited through ``extends``."""

    id: str
    version: Version
    title: str
    summary: str
    audience: str
    competencies: tuple[Competency, ...]
    modules: tuple[Module, ...]
    completion: CompletionRules
    extends: str | None = None
    renewal: RenewalRules | None = None  #: continuing-education modules that renew a credential
    #: How long the credential earned on this track is valid, from its issue or renewal.
    credential_validity_months: int = 36
    #: The claims register (``claims.yaml``): every dated fact, its sources and review date.
    claims: tuple[Claim, ...] = ()
    _activities: Mapping[str, tuple[Module, Activity]] = dataclasses.field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index = {a.id: (m, a) for m in self.modules for a in m.activities}
        object.__setattr__(self, "_activities", index)

    def translated(self, language: str) -> Track:
        """This track with its modules' texts in ``language`` where they are translated."""
        if not any(language in module.translations for module in self.modules):
            return self
        return dataclasses.replace(
            self, modules=tuple(module.translated(language) for module in self.modules)
        )

    def activity(self, activity_id: str) -> Activity:
        """The activity with this id; ``KeyError`` when the track has none."""
        return self._activities[activity_id][1]

    def module_of(self, activity_id: str) -> Module:
        return self._activities[activity_id][0]

    def module(self, module_id: str) -> Module:
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(module_id)

    def activities(self) -> Iterator[Activity]:
        for module in self.modules:
            yield from module.activities


# -- attempts remember the content they were taken on ------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ContentVersions:
    """The exact versions an attempt was taken on: id → version for each level."""

    track: tuple[str, str]
    module: tuple[str, str]
    activity: tuple[str, str]
    items: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, track: Track, activity_id: str) -> ContentVersions:
        module, activity = track.module_of(activity_id), track.activity(activity_id)
        return cls(
            track=(track.id, str(track.version)),
            module=(module.id, str(module.version)),
            activity=(activity.id, str(activity.version)),
            items=tuple((item.id, str(item.version)) for item in activity.items),
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form for storing next to the attempt."""
        return {
            "track": dict([self.track]),
            "module": dict([self.module]),
            "activity": dict([self.activity]),
            "items": dict(self.items),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, str]]) -> ContentVersions:
        def one(level: str) -> tuple[str, str]:
            ((key, value),) = data[level].items()
            return key, value

        return cls(one("track"), one("module"), one("activity"), tuple(data["items"].items()))


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptRecord:
    """A finished attempt: its score is fixed when recorded and never recomputed."""

    learner_id: str
    activity_id: str
    attempt: int
    versions: ContentVersions
    score: float | None  #: None while pending manual grading
    max_score: float
    status: ResultStatus

    def changed_since(self, track: Track) -> tuple[str, ...]:
        """Ids whose content differs now from what this attempt saw (to tell the learner)."""
        now = ContentVersions.of(track, self.activity_id)
        then_items, now_items = dict(self.versions.items), dict(now.items)
        changed = [
            then[0]
            for then, current in (
                (self.versions.track, now.track),
                (self.versions.module, now.module),
                (self.versions.activity, now.activity),
            )
            if then != current
        ]
        changed += sorted(
            k for k in then_items.keys() | now_items.keys() if then_items.get(k) != now_items.get(k)
        )
        return tuple(changed)
