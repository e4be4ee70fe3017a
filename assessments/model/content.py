"""The content tree: Track → Module → Activity → Item, with translations and claims."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from assessments.model.values import ActivityKind, Competency, Difficulty, Version

if TYPE_CHECKING:
    from assessments.items.base import ItemDefinition, ItemResult
    from assessments.policy import AttemptPolicy, CompletionRules, ItemPool, RenewalRules
    from assessments.rubrics import Rubric
    from assessments.scenarios import Scenario


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


#: The language track content is written in; translations are into ``TRANSLATION_LANGUAGES``.
CONTENT_LANGUAGE = "en"


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
    #: The language of its texts: the original's, or a translation's (pages mark it ``lang``).
    language: str = CONTENT_LANGUAGE

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
    #: The language of its title: the original's, or a translation's.
    language: str = CONTENT_LANGUAGE

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
            language=language if translation.title else self.language,
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
