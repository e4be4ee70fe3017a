"""The engine's reasons, worded in the UI language: why an attempt may not start, why an
answer cannot be scored, why an item statistic is undefined.

The engine (``assessments``) imports no web framework and returns each reason as data (a
kind with parameters); ``str()`` of it is the English sentence for the CLI and logs. This
module is where the web layer turns them into sentences through gettext, as
``completion_words`` does for the completion requirements.
"""

from __future__ import annotations

from flask_babel import LazyString, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l

from assessments.analysis import Undefined
from assessments.model import AnswerError, AnswerProblem, AnswerProblemKind, AssessmentError
from assessments.policy import CountingRule, Refusal, RefusalKind

_K = AnswerProblemKind
#: Problems that need no value; the others are worded in ``answer_problem``.
_ANSWER_PROBLEMS = {
    _K.NOT_UTF8: _l("This answer is not UTF-8 text. Type or paste it as text."),
    _K.BINARY: _l("This answer contains binary data. Type or paste it as text."),
    _K.NOT_A_LIST: _l("Expected a list of choices."),
    _K.TOO_MANY_ENTRIES: _l("This answer has more entries than there are choices."),
    _K.REPEATED_CHOICE: _l("The same choice appears twice in this answer."),
    _K.EMPTY: _l("Write an answer before submitting."),
    _K.NO_FILE: _l("Attach a file."),
    _K.FILE_EMPTY: _l("This file is empty."),
    _K.NOT_A_MATCHING: _l("Expected a response for each prompt."),
    _K.ONE_RESPONSE_EACH: _l("Choose exactly one response for every prompt."),
    _K.NO_NUMBER: _l("Enter a number."),
    _K.NUMBER_FORMAT: _l("Enter a number, like 12.5 or -3."),
    _K.NOT_FINITE: _l("Enter a finite number."),
    _K.ORDER_INCOMPLETE: _l("Place every entry exactly once."),
    _K.NO_OPTION: _l("Choose one option."),
    _K.NOT_A_QUESTION: _l("This is not a question of this activity."),
    _K.NO_JUSTIFICATION: _l("Explain your choice before you continue."),
    _K.NOT_A_REVIEW: _l(
        "Mark the injected text, the control that failed and the identifiers, as the form asks."
    ),
}

#: Why an item-analysis statistic is undefined (the ``undefined_reason`` template filter).
_UNDEFINED = {
    Undefined.TOO_FEW_ITEMS: _l("reliability needs at least 2 items"),
    Undefined.TOTAL_NO_VARIANCE: _l("total score has zero variance"),
    Undefined.NOT_DICHOTOMOUS: _l("KR-20 applies to dichotomous (0/1) items only; use alpha"),
    Undefined.ITEM_NO_VARIANCE: _l("item has zero variance (every learner has the same score)"),
    Undefined.NO_OTHER_ITEMS: _l("rest score has zero variance (no other items)"),
    Undefined.REST_NO_VARIANCE: _l("rest score (total of the other items) has zero variance"),
    Undefined.NO_LEARNERS: _l("no learners to analyse"),
}


#: Which attempt counts, as the activity page says it (``counting_words`` in templates).
COUNTING = {
    CountingRule.LATEST: _l("your latest attempt counts."),
    CountingRule.HIGHEST: _l("your best attempt counts."),
    CountingRule.AVERAGE: _l("the average of your attempts counts."),
}


def refusal(reason: Refusal) -> LazyString:
    """Why the attempt may not start; lazy, so an error's log line stays in English."""
    return LazyString(_refusal_now, reason)


def _refusal_now(reason: Refusal) -> str:
    match reason.kind:
        case RefusalKind.NOT_OPEN_YET:
            return gettext("This activity opens on %(when)s.", when=format_datetime(reason.when))
        case RefusalKind.CLOSED:
            return gettext("This activity closed on %(when)s.", when=format_datetime(reason.when))
        case RefusalKind.NO_ATTEMPTS_LEFT:
            return gettext("You have used all %(num)d attempts.", num=reason.attempts)
        case RefusalKind.COOLING_DOWN:
            return gettext(
                "Your next attempt opens on %(when)s. Nothing was recorded; come back then.",
                when=format_datetime(reason.when),
            )


def answer_problem(problem: AnswerProblem) -> str:
    """Why an answer cannot be scored as it stands, next to its question."""
    match problem.kind:
        case _K.TOO_LONG:
            return gettext(
                "This answer is too long: at most %(limit)s characters.",
                limit=format_decimal(problem.limit),
            )
        case _K.NOT_TEXT:
            return gettext("Expected text, got %(type)s.", type=problem.value)
        case _K.UNKNOWN_CHOICE | _K.UNKNOWN_SCENARIO_CHOICE:
            return gettext("%(value)s is not one of the choices.", value=problem.value)
        case _K.FILE_TOO_LARGE:
            return gettext(
                "This file is too large: at most %(limit)s bytes.",
                limit=format_decimal(problem.limit),
            )
        case _K.FILE_TYPE:
            return gettext("Attach a file of type %(types)s.", types=problem.value)
        case _K.UNKNOWN_RESPONSE:
            return gettext("%(value)s is not one of the responses.", value=problem.value)
        case _K.UNKNOWN_OPTION:
            return gettext("%(value)s is not one of the options.", value=problem.value)
    return str(_ANSWER_PROBLEMS[problem.kind])


def assessment_error(error: AssessmentError) -> str | LazyString:
    """An engine error's message for a page: an answer's problem worded, else as raised."""
    if isinstance(error, AnswerError):
        return LazyString(answer_problem, error.problem)
    return error.message


def undefined_reason(reason: Undefined) -> str:
    """Why an item statistic is undefined (the ``undefined_reason`` template filter)."""
    return str(_UNDEFINED[reason])
