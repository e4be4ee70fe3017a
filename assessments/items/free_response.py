"""Free response and file upload, graded later by an instructor against a rubric.

Scoring only checks the answer's shape (text within limits, or a file of an allowed type and
size) and returns "pending manual grading"; the score comes from ``rubrics.score``.
"""

from __future__ import annotations

import dataclasses
import posixpath
from enum import StrEnum

from assessments import rubrics
from assessments.items.base import ItemResult, text_answer
from assessments.model import AnswerError, AnswerProblemKind, ResultStatus
from assessments.spec import Spec

DEFAULT_MAX_BYTES = 1_000_000
MAX_TEXT = 20_000


class Accept(StrEnum):
    TEXT = "text"
    FILE = "file"


@dataclasses.dataclass(frozen=True, slots=True)
class FileAnswer:
    """An uploaded file as the web layer hands it over."""

    name: str
    data: bytes


@dataclasses.dataclass(frozen=True, slots=True)
class FreeResponse:
    points: float
    rubric: rubrics.Rubric
    accept: Accept
    max_length: int  #: characters for text, bytes for files
    file_types: frozenset[str]  #: lower-case extensions like "py"; empty means any
    _pending: ItemResult = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        if self.accept is Accept.TEXT:
            if not text_answer(answer, self.max_length).strip():
                raise AnswerError(AnswerProblemKind.EMPTY)
        else:
            self.check_file(answer)
        return self._pending

    def check_file(self, answer: object) -> None:
        if not isinstance(answer, FileAnswer):
            raise AnswerError(AnswerProblemKind.NO_FILE)
        if len(answer.data) > self.max_length:
            raise AnswerError(AnswerProblemKind.FILE_TOO_LARGE, limit=self.max_length)
        if not answer.data:
            raise AnswerError(AnswerProblemKind.FILE_EMPTY)
        suffix = posixpath.splitext(answer.name.lower())[1].lstrip(".")
        if self.file_types and suffix not in self.file_types:
            allowed = ", ".join(f".{t}" for t in sorted(self.file_types))
            raise AnswerError(AnswerProblemKind.FILE_TYPE, value=allowed)


def parse(spec: Spec, points: float) -> FreeResponse | None:
    """``rubric: {...}``, ``accept: text|file``, ``max_length``/``max_bytes``, ``file_types``."""
    rubric_spec = spec.child("rubric")
    rubric = rubrics.parse(rubric_spec) if rubric_spec is not None else None
    accept = spec.choice("accept", Accept, Accept.TEXT)
    if accept is Accept.FILE:
        limit = spec.integer("max_bytes", DEFAULT_MAX_BYTES, minimum=1)
        types = frozenset(spec.ids("file_types", required=False))
    else:
        limit = spec.integer("max_length", 5_000, minimum=1)
        if limit is not None and limit > MAX_TEXT:
            spec.error(f"'max_length' must be at most {MAX_TEXT}", "max_length")
        types = frozenset()
    spec.done()
    if not spec.ok or rubric is None or accept is None or limit is None:
        return None
    pending = ItemResult(0.0, points, ResultStatus.PENDING)
    return FreeResponse(points, rubric, accept, limit, types, pending)
