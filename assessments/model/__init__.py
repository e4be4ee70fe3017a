"""The content model: Track → Module → Activity → Item, competencies, versions, attempt records.

Everything here is a frozen value. Content is loaded once (see ``assessments.loader``) and
shared by every request, so nothing may change it after loading. Each level carries a stable
id and a semantic version; an ``AttemptRecord`` keeps the versions an attempt was taken on,
so an edit to the content later never changes what a past result meant.

The package: ``errors`` (engine errors, answer problems), ``values`` (kinds, versions, ids),
``content`` (the content tree) and ``records`` (what an attempt remembers).
"""

from assessments.model.content import (
    CONTENT_LANGUAGE,
    TRANSLATION_LANGUAGES,
    Activity,
    Claim,
    Item,
    Lab,
    Module,
    ModuleTranslation,
    Source,
    Track,
)
from assessments.model.errors import (
    AnswerError,
    AnswerProblem,
    AnswerProblemKind,
    AssessmentError,
)
from assessments.model.records import AttemptRecord, ContentVersions
from assessments.model.values import (
    ID_PATTERN,
    ActivityKind,
    Competency,
    Difficulty,
    ResultStatus,
    Version,
)

__all__ = [
    "CONTENT_LANGUAGE",
    "ID_PATTERN",
    "TRANSLATION_LANGUAGES",
    "Activity",
    "ActivityKind",
    "AnswerError",
    "AnswerProblem",
    "AnswerProblemKind",
    "AssessmentError",
    "AttemptRecord",
    "Claim",
    "Competency",
    "ContentVersions",
    "Difficulty",
    "Item",
    "Lab",
    "Module",
    "ModuleTranslation",
    "ResultStatus",
    "Source",
    "Track",
    "Version",
]
