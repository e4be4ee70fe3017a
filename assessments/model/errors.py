"""Errors of the assessment engine, and why a learner's answer cannot be accepted."""

from __future__ import annotations

import dataclasses
from enum import StrEnum


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
